"""The app's URLs plus the floors: a constant (the framework floor), one `SELECT 1` (framework + database) and the
writes of a create (bench.writes.create_floor)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from bench.writes import create_floor


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
    path("bench/create-floor", csrf_exempt(create_floor)),
    path("", include("spends.urls")),
]
