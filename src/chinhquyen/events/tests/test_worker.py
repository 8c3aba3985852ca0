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


@pytest.mark.django_db(transaction=True)
def test_worker_poll_loop_delivers_due_deliveries_in_its_own_thread():
    """The loop the long-running worker runs: one round, then it sees the stop and returns."""
    import threading

    from chinhquyen.events.management.commands.worker import Command

    seen.clear()
    registry.register("test.worker")(_handler)
    try:
        with transaction.atomic():
            services.publish("test.worker", payload={"text": "Mời nhận kết quả"})
        stop = threading.Event()
        stop.set()
        thread = threading.Thread(target=Command._poll, args=(stop, 0.01))
        thread.start()
        thread.join()
        assert seen == ["Mời nhận kết quả"]
        assert Delivery.objects.get().status == Delivery.Status.DELIVERED
    finally:
        registry.unregister("test.worker", _handler)
