"""manage.py verify_timeline [CLAIM_CODE]: recompute the timelines' hash chains.

Exits 0 when every chain (and every capture its snapshots name) verifies; otherwise
exits 1 naming the first break.
"""

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

    def handle(self, *args, claim=None, **options):
        claims = Claim.objects.order_by("pk")
        if claim:
            try:
                claims = claims.filter(code=uuid.UUID(claim))
            except ValueError:
                raise CommandError(f"{claim!r} is not a claim code.") from None
            if not claims.exists():
                raise CommandError(f"No claim {claim}.")
        count = 0
        for item in claims.only("pk", "code", "timeline_head", "timeline_length").iterator():
            problem = selectors.record_verify(item)
            if problem is not None:
                raise CommandError(f"Broken: {problem}")
            count += 1
        self.stdout.write(f"Verified: {count} claim{'s' if count != 1 else ''}, no break.")
