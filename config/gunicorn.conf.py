"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi` (see README, Production)."""
import multiprocessing
import os

# Behind the intranet's HTTPS reverse proxy on the same host; never exposed directly.
bind = os.environ.get("QINGSHAN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QINGSHAN_WORKERS", str(min(8, multiprocessing.cpu_count() * 2 + 1))))
threads = int(os.environ.get("QINGSHAN_THREADS", "2"))
# Exports stream large workbooks; anything slower than this is a stuck worker.
timeout = int(os.environ.get("QINGSHAN_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
# Recycle workers now and then so that a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
# Only the local proxy may say which scheme and address a request came from.
forwarded_allow_ips = os.environ.get("QINGSHAN_PROXY_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
umask = 0o077
