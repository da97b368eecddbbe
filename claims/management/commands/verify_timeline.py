"""manage.py verify_timeline [CLAIM_CODE]: recompute the timelines' hash chains.

Exits 0 when every chain (and every capture its snapshots name) verifies; otherwise
exits 1 naming the first break. Every event is read once, in order, through server-side
cursors in one snapshot, the claims split over processes on PostgreSQL
(claims.selectors.timelines_verify); progress goes to stderr.
"""

import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from claims import selectors
from claims.models import Claim


class Command(BaseCommand):
    help = (
        "Recompute every claim's timeline hash chain and the hash of every capture it "
        "cites; report the first break (exit 1) or that all verified (exit 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("claim", nargs="?", help="A claim's code (default: every claim).")
        parser.add_argument(
            "--progress",
            type=int,
            default=10_000,
            metavar="N",
            help="Print progress to stderr every N claims (default 10000).",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=selectors.VERIFY_PROCESSES,
            metavar="N",
            help="Processes that share the claims on PostgreSQL "
            f"(default {selectors.VERIFY_PROCESSES}; 1 reads in this one only).",
        )

    def handle(self, *args, claim=None, progress=10_000, processes=1, **options):
        claim_id = None
        if claim:
            try:
                code = uuid.UUID(claim)
            except ValueError:
                raise CommandError(f"{claim!r} is not a claim code.") from None
            claim_id = Claim.objects.filter(code=code).values_list("pk", flat=True).first()
            if claim_id is None:
                raise CommandError(f"No claim {claim}.")
        started = time.monotonic()

        def report(claims: int, events: int) -> None:
            seconds = time.monotonic() - started
            self.stderr.write(f"Checked {claims} claims, {events} events, {seconds:.1f} s")

        count, problem = selectors.timelines_verify(
            claim_id=claim_id, progress=report, every=max(1, progress), processes=processes
        )
        if problem is not None:
            raise CommandError(f"Broken: {problem}")
        self.stdout.write(f"Verified: {count} claim{'s' if count != 1 else ''}, no break.")
