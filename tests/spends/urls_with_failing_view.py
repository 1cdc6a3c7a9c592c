"""The project's URLs plus a view that fails, to test the JSON 500 under /api/."""

from django.urls import path

from spends import urls as project_urls


def failing_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/test-failure", failing_view), *project_urls.urlpatterns]
