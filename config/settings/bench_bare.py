"""bench/http.py only: bare Django — no project app, no middleware, one "hello" view (config/bench_urls_bare.py),
served by the same gunicorn as the project, so the bench can tell what the framework itself costs."""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-bare-secret-key-not-for-production-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "config.bench_urls_bare"
DATABASES: dict = {}
USE_TZ = True
USE_I18N = False
