"""A Celery worker in a process of its own, for the tests that kill a worker in the middle of a rendering.

Run by ``test_worker.py`` as ``python -m tests.reports.worker_process --queue Q ...`` with ``DATABASE_URL``
pointing at the test database and ``REDIS_URL`` at the broker. It consumes only ``--queue`` (a queue of the
test's own), uses a short Redis visibility timeout (so the test does not wait an hour for the broker to hand
an unacknowledged task to another worker) and a short render lease (``P2C_REPORT_LEASE_SECONDS``).
"""

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queue", required=True)
    parser.add_argument("--name", default="fault-worker")
    parser.add_argument("--visibility-timeout", type=float, default=2.0, help="seconds")
    parser.add_argument("--lease", type=float, default=2.0, help="render lease, seconds")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p2c.settings.test")
    import django

    django.setup()
    from django.conf import settings

    settings.P2C_REPORT_LEASE_SECONDS = args.lease
    from p2c.celery_app import app

    app.conf.update(
        task_always_eager=False,
        broker_url=os.environ["REDIS_URL"],
        broker_transport_options={
            "visibility_timeout": args.visibility_timeout,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    )
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--queues={args.queue}",
            f"--hostname={args.name}@%h",
        ]
    )


if __name__ == "__main__":
    main()
