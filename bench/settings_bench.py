"""Settings for the benchmark server: the real settings plus two floor views in the URLconf.

Used by bench/wall.py for gunicorn and for the in-process query counts. REDIS_URL (a shared
cache for all gunicorn workers) and DATABASE_URL come from the environment as usual.
"""

import os
import warnings

from weiguang.settings import *  # noqa: F403
from weiguang.settings import ALLOWED_HOSTS, CACHES, LOGGING

ROOT_URLCONF = "bench.urls_bench"
DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1", "localhost", "testserver"]
# Each benchmark run gets its own cache namespace, so pages cached by an earlier run (maybe
# against another database with the same region ids) are never served.
CACHES["default"]["KEY_PREFIX"] = "bench:" + os.environ.get("BENCH_RUN", "0")
# Quiet: the claim race answers thousands of 409s, which django.request logs as warnings.
LOGGING = {
    **LOGGING,
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {**LOGGING.get("loggers", {}), "django.request": {"level": "ERROR"}},
}
# WhiteNoise warns once per process when collectstatic has not run; the bench serves no files.
warnings.filterwarnings("ignore", message="No directory at")
