"""The project's URLs plus /bench/trivial/ (bench/trivial_settings.py; benchmark only)."""

from django.http import HttpResponse
from django.urls import path

from connect.urls import urlpatterns as project_urlpatterns

TEXT = ("Connect benchmark: a trivial Django view. " * 49)[:2048].encode()


def trivial(request):
    """2 KB of text, after every middleware of the project (sessions, language, CSRF, auth...)."""
    return HttpResponse(TEXT, content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/trivial/", trivial), *project_urlpatterns]
