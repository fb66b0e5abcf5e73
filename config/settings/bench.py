"""bench/http.py only: the production settings served over plain HTTP on 127.0.0.1, plus a "hello" view behind
the project's whole middleware stack (config/bench_urls.py), the floor the pages are measured against."""

from .production import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
