"""The app's URLs plus two floors: a constant (the framework floor) and one `SELECT 1` (framework + database)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path


def constant(request):
    return HttpResponse(b'{"ok": true}', content_type="application/json")


def select_one(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b'{"ok": true}', content_type="application/json")


urlpatterns = [
    path("bench/constant", constant),
    path("bench/select-one", select_one),
    path("", include("spends.urls")),
]
