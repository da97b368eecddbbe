"""The production web server: gunicorn, threaded workers, one database connection per thread.

    gunicorn claimwatch.wsgi --config gunicorn.conf.py

WEB_CONCURRENCY worker processes (default 4: two per core on a 2-core machine), each with
WEB_THREADS threads (default 4): `gthread`, so a request waiting on Redis or PostgreSQL
does not hold a whole process, and idle keep-alive connections wait in the worker's
poller instead of in front of a busy process (50 readers of a cached public page queued
behind 4 sync workers had p95 tails of seconds, issue 24).

Database connections: each thread keeps one persistent PostgreSQL connection
(DATABASE_CONN_MAX_AGE, 60 s here unless set: without it every request opened a new
connection, which cost more than the /claims/ render, issue 24; health-checked before
reuse). The pool is fixed, so the web server holds at most
WEB_CONCURRENCY x WEB_THREADS connections (16 by default). With
`celery worker --concurrency C` (one connection per pool process) and beat the total is
WEB_CONCURRENCY x WEB_THREADS + C + 2 (the worker's main process and beat), to be kept
under PostgreSQL's max_connections (100 by default) with room for migrations and psql:
e.g. 4 x 4 + 8 + 2 = 26.
"""

import os

# This machine only, unless told otherwise (`--bind`, or WEB_BIND, e.g. 0.0.0.0:8000 when
# the proxy is on another host): the app is meant to sit behind a TLS proxy.
bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Set for the workers (settings read it): a connection per thread, kept between requests.
raw_env = [f"DATABASE_CONN_MAX_AGE={os.environ.get('DATABASE_CONN_MAX_AGE', '60')}"]
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
