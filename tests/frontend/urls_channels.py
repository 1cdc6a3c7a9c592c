"""The app's URLs plus a page holding only the Channels section (tests/frontend/test_channels.py)."""

from django.urls import path
from django.views.generic import TemplateView

from spends.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("channels-test", TemplateView.as_view(template_name="channels_test.html")), *app_urlpatterns]
