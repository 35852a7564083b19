"""The Celery application of the platform.

Configured from Django settings under the ``CELERY_`` namespace. With no ``REDIS_URL`` the settings make every
task run in-process (``task_always_eager``), so the embedded default needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p2c.settings.local")

app = Celery("p2c")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
