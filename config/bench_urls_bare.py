"""bench/http.py only (config.settings.bench_bare): one view, no middleware."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/hello", hello)]
