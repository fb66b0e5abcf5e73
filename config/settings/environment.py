"""Settings that are read from the environment in more than one line: cache, queue and e-mail.

Plain functions so the settings modules stay declarative and the parsing is tested on its own."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}


def cache_settings(redis_url: str) -> dict:
    """Django's own Redis backend when a Redis URL is given, else a per-process cache."""
    if redis_url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "vvv"),
                "TIMEOUT": 300,
            }
        }
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "viaviden"}}


def queue_settings(redis_url: str) -> dict:
    """django-q2's cluster: Redis broker when REDIS_URL is set, the ORM broker (the database) otherwise."""
    conf = {
        "name": os.environ.get("QUEUE_NAME", "viaviden"),
        "workers": int(os.environ.get("QUEUE_WORKERS", "2")),
        # A task may run at most `timeout` seconds; it is offered again after `retry` (ORM broker).
        "timeout": 600,
        "retry": 900,
        "max_attempts": 3,
        "save_limit": 500,
        "catch_up": False,  # a job missed while the worker was down runs once, not once per missed day
        "label": "Opgavekø",
        "poll": 1,
    }
    queue_redis = os.environ.get("QUEUE_REDIS_URL", redis_url)
    if queue_redis:
        conf["redis"] = queue_redis
    else:
        conf["orm"] = "default"
    return conf


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def parse_email_url(url: str) -> dict:
    """EMAIL_URL → Django's e-mail settings. smtp:// (STARTTLS with ?tls=1), smtps:// (implicit TLS),
    console://, locmem://, dummy://."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    simple = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
    }
    if scheme in simple:
        return {"EMAIL_BACKEND": simple[scheme]}
    if scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {scheme!r} (use smtp, smtps or console)")
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL: the host is missing")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    ssl = scheme == "smtps" or _flag(query.get("ssl"))
    tls = not ssl and (scheme == "submission" or _flag(query.get("tls")))
    default_port = 465 if ssl else 587 if tls else 25
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": tls,
        "EMAIL_USE_SSL": ssl,
        "EMAIL_TIMEOUT": int(query.get("timeout", "20")),
    }


def email_settings(env: Mapping[str, str]) -> dict:
    """E-mail settings from EMAIL_URL, or from the separate EMAIL_* variables, or the console backend."""
    if env.get("EMAIL_URL"):
        settings = parse_email_url(env["EMAIL_URL"])
    elif env.get("EMAIL_HOST"):
        settings = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": env["EMAIL_HOST"],
            "EMAIL_PORT": int(env.get("EMAIL_PORT") or 25),
            "EMAIL_HOST_USER": env.get("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": env.get("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": _flag(env.get("EMAIL_USE_TLS")),
            "EMAIL_USE_SSL": _flag(env.get("EMAIL_USE_SSL")),
            "EMAIL_TIMEOUT": int(env.get("EMAIL_TIMEOUT") or 20),
        }
    else:
        settings = {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if env.get("EMAIL_BACKEND"):  # an explicit backend wins (e.g. a provider's own)
        settings["EMAIL_BACKEND"] = env["EMAIL_BACKEND"]
    return settings


def required(env: Mapping[str, str], name: str, *, min_length: int = 1) -> str:
    """A variable that must be set and not empty (or too short): refuse to start without it."""
    value = (env.get(name) or "").strip()
    if len(value) < min_length:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment"
            + (f" (at least {min_length} characters)" if min_length > 1 else "")
            + "; see docs/operations.md"
        )
    return value
