"""Background tasks (django-tasks): thin wrappers around backups.services and backups.restore. With the database
backend they run in `manage.py db_worker`, never in a web worker that a timeout can kill."""

from django_tasks import task

from backups import restore, services


@task()
def run_backup(backup_id: str) -> str:
    return services.backup_run(backup_id).status


@task()
def run_restore(restore_id: str) -> str:
    job = restore.restore_run(restore_id)
    return job.status if job is not None else "missing"
