from celery import shared_task
from django.conf import settings

from . import jobs


# Acknowledged on receipt, not after: a job may run IMPORT_PAGE_MAX_SECONDS, longer than
# the broker's visibility timeout, after which Redis would hand a running job to a second
# worker. A worker lost mid-job leaves it "running" until the page calls it stalled;
# nothing was written, its transaction died with the worker. The soft limit is a
# backstop for time spent between progress reports, which enforce the limit themselves.
@shared_task(
    acks_late=False,
    soft_time_limit=settings.IMPORT_PAGE_MAX_SECONDS + 30,
    time_limit=settings.IMPORT_PAGE_MAX_SECONDS + 60,
)
def run_import(job_id: str) -> str:
    """Run a spreadsheet preview or import started on the page (intake.jobs)."""
    return jobs.job_run(job_id)
