"""Settings of the marketplace benchmark: the load test's (production less HTTPS) plus the bare view's URL."""

from benchmarks.load.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.marketplace_urls"
