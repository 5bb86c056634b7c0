"""WSGI entry point (gunicorn config.wsgi)."""
import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()

# What start-up loaded (modules, settings, URL patterns, the apps' registries) lives as long as the worker: moved out
# of the collector's reach, so its full collections no longer walk it. Without this, about one request in 60 paused
# ~90 ms for such a collection (bench/RESULTS_pages_audience.md, stop 23).
gc.collect()
gc.freeze()
