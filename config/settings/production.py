"""Production: every secret and address from the environment, HTTPS only. Refuses to start on a missing
or empty secret, a missing site URL, shared cache or mail server (docs/operations.md lists them all)."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.environment import required

from .base import *  # noqa: F403

SECRET_KEY = required(os.environ, "SECRET_KEY", min_length=50)
PERSON_KEY_PEPPER = required(os.environ, "PERSON_KEY_PEPPER", min_length=16)
SITE_URL = required(os.environ, "SITE_URL").rstrip("/")
ALLOWED_HOSTS = [h.strip() for h in required(os.environ, "ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [SITE_URL]
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in the environment; see docs/operations.md")
if not REDIS_URL and os.environ.get("ALLOW_LOCAL_CACHE") != "1":  # noqa: F405
    # Several workers with per-process caches let each enforce its own rate limits.
    raise ImproperlyConfigured("REDIS_URL must be set (or ALLOW_LOCAL_CACHE=1 for a single worker)")
if EMAIL_BACKEND.endswith("console.EmailBackend") and os.environ.get("ALLOW_CONSOLE_EMAIL") != "1":  # noqa: F405
    raise ImproperlyConfigured("EMAIL_URL or EMAIL_HOST must be set: production does not print e-mail")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# The reverse proxy (deploy/nginx.conf) sets X-Forwarded-Proto; trust it only behind such a proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = os.environ.get("USE_X_FORWARDED_HOST", "0") == "1"
# Health checks come from the load balancer over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Behind one reverse proxy that appends to X-Forwarded-For: the login lock-out counts the client's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
