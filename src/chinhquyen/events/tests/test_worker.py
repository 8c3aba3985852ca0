"""The real worker process (django-tasks database backend) delivers what was published."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from chinhquyen.events import registry, services
from chinhquyen.events.models import Delivery

seen: list[str] = []


def _handler(event, delivery):
    seen.append(event.payload["text"])


@pytest.mark.django_db(transaction=True)
def test_worker_batch_delivers_published_events():
    registry.register("test.worker")(_handler)
    try:
        with transaction.atomic():
            services.publish("test.worker", payload={"text": "Hồ sơ đã có kết quả"})
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
        assert seen == ["Hồ sơ đã có kết quả"]
        assert Delivery.objects.get().status == Delivery.Status.DELIVERED
    finally:
        registry.unregister("test.worker", _handler)
