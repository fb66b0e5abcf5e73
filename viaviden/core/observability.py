"""Health checks for a load balancer and structured logs: one JSON object per line, with a request id.

`/healthz` says the process answers (liveness); `/readyz` says it can serve (database, cache, queue).
Each request gets an id (the proxy's X-Request-ID when it is a sane token, else a new one), returned in
the response header and written on every log line of that request, so a line in the proxy's log finds
the application's lines."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("viaviden.request")


def current_request_id() -> str:
    return _request_id.get()


def _trusted_proxies() -> set[str]:
    return set(getattr(settings, "TRUSTED_PROXIES", ()))


def client_from_proxy(request, trusted: set[str]) -> None:
    """When the peer is one of the trusted proxies, REMOTE_ADDR becomes the last address the proxies appended
    to X-Forwarded-For that is not one of their own."""
    if request.META.get("REMOTE_ADDR") in trusted:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        while forwarded and forwarded[-1] in trusted:
            forwarded.pop()
        if forwarded:
            request.META["REMOTE_ADDR"] = forwarded[-1]


class RequestIdMiddleware:
    """First in the chain: the client's address behind trusted proxies — behind the reverse proxy every request
    comes from the proxy's address; when the peer is one of TRUSTED_PROXIES, the client's address is the last one
    the proxy appended to X-Forwarded-For, so rate limits (self-service, login) count per client — then the
    request id for the log lines and the X-Request-ID response header."""

    def __init__(self, get_response):
        self.get_response = get_response
        # One layer for both (issue 16: each middleware layer costs every request).
        self.trusted = _trusted_proxies()

    def __call__(self, request):
        if self.trusted:
            client_from_proxy(request, self.trusted)
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        # Left set after the response: Django logs a 4xx/5xx (django.request) after the middleware returned.
        _request_id.set(rid)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line. A client error (4xx, e.g. 403 or 404) is one line without its traceback;
    server errors keep theirs."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", _request_id.get()),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            data["status"] = status
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            data["method"] = request.method
            data["path"] = request.path
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in {"request", "status_code"} and not key.startswith("_"):
                data[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info and not (isinstance(status, int) and 400 <= status < 500):
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


# --- Health -------------------------------------------------------------------------------------------


def _check(name: str, probe) -> dict:
    started = time.monotonic()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # noqa: BLE001 - any failure makes the service unready; the type is reported
        ok, detail = False, type(exc).__name__
        logger.warning("readiness check %s failed: %s", name, detail)
    return {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1), **({"detail": detail} if detail else {})}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)
    return caches["default"].__class__.__name__


def _queue() -> str:
    from django_q.brokers import get_broker

    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("broker did not answer")
    return f"{broker.__class__.__name__}, {broker.queue_size() or 0} waiting"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage does not restart it."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, cache and queue broker answer; 503 (and which failed) otherwise."""
    checks = {"database": _check("database", _database), "cache": _check("cache", _cache),
              "queue": _check("queue", _queue)}
    ready = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
