"""Background tasks (django-tasks): thin wrappers around reminders.delivery."""

from django_tasks import task

from reminders import delivery


@task()
def deliver(group: str) -> str:
    return delivery.deliver_group(group)
