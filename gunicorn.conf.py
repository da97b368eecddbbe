"""The production web server: gunicorn, sync workers, one database connection each.

    gunicorn claimwatch.wsgi --config gunicorn.conf.py

WEB_CONCURRENCY workers (default 4: two per core on a 2-core machine). Each sync worker
answers one request at a time and keeps one persistent PostgreSQL connection
(CONN_MAX_AGE in settings), so the web server holds at most WEB_CONCURRENCY connections;
with `celery worker --concurrency C` (one connection per pool process) and beat, the
total is WEB_CONCURRENCY + C + 2 (the worker's main process and beat), to be kept under
PostgreSQL's max_connections (100 by default) with room for migrations and psql.
"""

import os

# This machine only, unless told otherwise (`--bind`, or WEB_BIND, e.g. 0.0.0.0:8000 when
# the proxy is on another host): the app is meant to sit behind a TLS proxy.
bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
threads = 1
timeout = 30
graceful_timeout = 20
keepalive = 2
# The longest request line gunicorn takes (4,094 by default): an API list query with every
# filter at its longest, in 4-byte characters percent-encoded, needs about 6,300 bytes.
limit_request_line = 8190
# Recycle workers now and then (bounded memory), not all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
