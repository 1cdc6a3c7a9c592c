"""Background tasks (django-tasks): thin wrappers around backups.services."""

from django_tasks import task

from backups import services


@task()
def run_backup(backup_id: str) -> str:
    return services.backup_run(backup_id).status
