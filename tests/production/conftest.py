"""Fixtures for the production tests: a Redis server of the test's own (to stop and start), a closed port, and
switching Celery between in-process tasks and a real broker."""

import contextlib
import shutil
import socket
import subprocess
import time

import pytest
import redis

from p2c.celery_app import app as celery_app


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_cache(url: str) -> dict:
    """The CACHES setting of production (p2c.settings.base with REDIS_URL) pointed at ``url``."""
    return {
        "default": {
            "BACKEND": "p2c.cache.FailoverRedisCache",
            "LOCATION": url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }


def reset_celery_connections() -> None:
    """Drop Celery's cached broker connections (they point at the previous broker URL)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_broker(url: str):
    """Celery sends tasks to the broker at ``url`` (not in-process) inside the block."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url")}
    conf.update(task_always_eager=False, broker_url=url)
    reset_celery_connections()
    try:
        yield
    finally:
        conf.update(saved)
        reset_celery_connections()


class RedisServer:
    """A redis-server process on its own port, keeping nothing on disk, that a test can stop and start again."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server():
    """A running Redis of this test only (``redis-server`` from Debian's package, installed by CI)."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server on the PATH (apt-get install redis-server)")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_down(settings):
    """Redis configured (cache, broker, health check) but not answering: a port where nothing listens."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = redis_cache(url)
    with celery_broker(url):
        yield url
