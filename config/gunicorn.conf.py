"""gunicorn's configuration (`gunicorn -c config/gunicorn.conf.py config.wsgi`); every value can be
overridden from the environment, as docs/operations.md and scripts/smoke_production.sh do."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Behind nginx on the same host: trust its X-Forwarded-Proto (the proxy header in production settings).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1")
# Access log as one line per request; the application's own logs are JSON (settings.LOGGING).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s pid=%(p)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
wsgi_app = "config.wsgi:application"
# gunicorn's control socket (gunicornc) is not used; off, so several instances on one host never share it.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "0") != "1"
# The application is loaded and warmed up once in the master (config/warmup.py: case-search snapshot, matching
# index, OpenAPI schema, templates) before the socket is opened; workers are forked warm, also those recycled
# after max_requests, and each brings the warm state up to date before its first request (issue 16).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def _warm_up(log, where: str, refresh_only: bool = False, keep_connections: bool = False) -> None:
    if os.environ.get("GUNICORN_WARM_UP", "1") != "1":
        return
    import time

    from config.warmup import warm_up

    t0 = time.perf_counter()
    timings = warm_up(refresh_only=refresh_only, keep_connections=keep_connections)
    log.info("warm-up (%s) in %.0f ms: %s", where, (time.perf_counter() - t0) * 1000, timings)


def on_starting(server):
    if server.cfg.preload_app:
        _warm_up(server.log, "master")
        # The warm objects move to a permanent generation, so the workers' garbage collector does not touch
        # (and so copy) every page they share with the master.
        import gc

        gc.collect()
        gc.freeze()


def post_worker_init(worker):
    # The worker keeps the connection its warm-up opened: its first request does not open one (issue 16).
    _warm_up(worker.log, f"worker {worker.pid}", refresh_only=worker.cfg.preload_app, keep_connections=True)
