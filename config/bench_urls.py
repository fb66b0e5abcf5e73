"""bench/http.py only (config.settings.bench): the project's URLs plus /bench/hello behind the full middleware."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/hello", hello), *project_urlpatterns]
