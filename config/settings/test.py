"""Tests: fast hashing, in-memory mail, same database selection as everywhere (DATABASE_URL)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789"
PERSON_KEY_PEPPER = "test-pepper"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 5
# Persistent connections would keep the test database open at teardown (live-server threads).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
