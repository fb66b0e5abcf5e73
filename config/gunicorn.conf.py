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
