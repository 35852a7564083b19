"""The Celery application of the platform.

Configured from Django settings under the ``CELERY_`` namespace. With no ``REDIS_URL`` the settings make every
task run in-process (``task_always_eager``), so the embedded default needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p2c.settings.local")

# OutboxTask: a task sent through the transactional outbox (p2c/outbox.py) runs once per outbox row.
app = Celery("p2c", task_cls="p2c.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
