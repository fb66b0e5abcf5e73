"""Tests: fast hashing, in-memory mail, same database selection as everywhere (DATABASE_URL)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789"
PERSON_KEY_PEPPER = "test-pepper"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 5
# Persistent connections would keep the test database open at teardown (live-server threads).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Static files without collectstatic's manifest; the queue runs each task at once, in the test's process.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
# Tests never run collectstatic: WhiteNoise looks files up per request instead of scanning STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
# The suggestions check for changed candidates before every ranking, as the tests edit and rank in one breath;
# the production interval has its own tests (viaviden/candidates/tests/test_matching_index.py).
MATCHING_INDEX_SYNC_SECONDS = 0
