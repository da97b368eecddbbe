"""manage.py prune_captures: bound the stored captures to settings.CAPTURES_MAX_BYTES.

Captures of sources cited by decided claims are kept; the others go oldest first. A
pruned capture keeps its row and hash, so no chain breaks (sources.captures_prune).
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from claims import selectors
from sources.captures import captures_prune


class Command(BaseCommand):
    help = "Prune the oldest captures of undecided sources down to CAPTURES_MAX_BYTES."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-bytes", type=int, default=None, help="Default: settings.CAPTURES_MAX_BYTES."
        )

    def handle(self, *args, max_bytes=None, **options):
        limit = settings.CAPTURES_MAX_BYTES if max_bytes is None else max_bytes
        report = captures_prune(
            max_bytes=limit, keep_sources=selectors.decided_source_ids(), now=timezone.now()
        )
        self.stdout.write(
            f"Pruned {report.pruned} capture(s), freed {report.freed_bytes} bytes; "
            f"{report.stored_bytes} bytes stored (limit {limit})."
        )
