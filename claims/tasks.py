from celery import shared_task

from . import notifications


@shared_task
def notify_watchers() -> int:
    """Mail watchers the verdict and source changes since their last mail (one batch)."""
    return notifications.notify_watchers()
