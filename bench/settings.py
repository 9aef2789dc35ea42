"""Settings for benchmarks: the real settings, plus the benchmark-only routes in bench/urls.py.

Everything else (middleware, DRF authentication, database options) is what config.settings
reads from the environment, so a benchmark measures the application as it is configured.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
