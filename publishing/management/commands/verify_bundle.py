"""manage.py verify_bundle FILE: check a claim's evidence bundle offline, no database.

Exits 0 when the manifest, every file, every capture and every hash chain verify;
otherwise exits 1 naming the first break (publishing.bundle.verify).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from publishing.bundle import BundleBroken, verify


class Command(BaseCommand):
    help = "Verify an evidence bundle (.wacz) offline: manifest, captures and hash chains."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            counts = verify(file)
        except BundleBroken as exc:
            raise CommandError(f"Broken: {exc}") from None
        self.stdout.write(
            f"Verified: {counts['chains']} chain(s), {counts['events']} events, "
            f"{counts['captures']} capture(s) ({counts['pruned']} pruned), "
            f"{counts['records']} WARC records."
        )
