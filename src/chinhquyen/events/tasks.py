"""Background tasks run by the worker (django-tasks, database backend)."""

from django_tasks import task


@task(queue_name="outbox")
def deliver(delivery_id: int) -> str:
    from chinhquyen.events import services

    return services.deliver(delivery_id)
