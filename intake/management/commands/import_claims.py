"""manage.py import_claims FILE: import claims, evidence and verdicts from a spreadsheet
(CSV in any common dialect, .xlsx, .xls, .ods)."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from intake.imports import import_claims
from intake.mapping import FIELDS, ColumnMapping, check_date_format
from intake.spreadsheets import ImportFileError, ImportLimits, read_table


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"{option} {value!r}: write it as NAME=VALUE.")
        pairs[key.strip()] = target.strip()
    return pairs


class Command(BaseCommand):
    help = (
        "Import claims with their sources and verdicts from a CSV, .xlsx, .xls or .ods file, "
        "all or nothing. Columns are recognised by name (see docs/import.md) unless mapped "
        "with --map."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=(
                f"Map a column to a field ({', '.join(FIELDS)}); repeatable. "
                "An empty COLUMN ignores the field: --map date="
            ),
        )
        parser.add_argument(
            "--date-format",
            default="",
            metavar="FORMAT",
            help="strftime format of the date column's values, e.g. %%m/%%d/%%y or %%d.%%m.%%Y "
            "(ISO dates are always read).",
        )
        parser.add_argument(
            "--delimiter",
            default="",
            help="CSV delimiter, e.g. ';' or tab (default: detected).",
        )
        parser.add_argument(
            "--encoding",
            default="",
            help="CSV encoding, e.g. cp1252 (default: UTF-8 or UTF-16, told by the BOM).",
        )
        parser.add_argument(
            "--sheet", default="", metavar="NAME", help="Workbook sheet (default: the first)."
        )
        parser.add_argument(
            "--verdict",
            action="append",
            default=[],
            metavar="VALUE=STATUS",
            help="Map a verdict value, e.g. true=confirmed; repeatable.",
        )
        parser.add_argument(
            "--stance",
            action="append",
            default=[],
            metavar="VALUE=STANCE",
            help="Map a stance value, e.g. for=supports; repeatable.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be written; write nothing."
        )
        parser.add_argument(
            "--check", action="store_true", help="Queue a first check of each new source."
        )
        parser.add_argument(
            "--as",
            dest="username",
            default="",
            help="Import as this user (their permissions apply); default: the system.",
        )

    # A long import says how far it is, on stderr, every this many seconds.
    PROGRESS_EVERY = 5.0
    _last_progress = 0.0

    def _progress(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._last_progress:
            self._last_progress = now
        elif now - self._last_progress >= self.PROGRESS_EVERY:
            self._last_progress = now
            self.stderr.write(f"{phase}: {done:,} of {total:,}")

    def handle(self, *args, file: Path, **options):
        limits = ImportLimits.command()
        try:
            limits.check_size(file.stat().st_size)
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        actor = None
        if options["username"]:
            actor = get_user_model().objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"No user named {options['username']!r}.")
        try:
            table = read_table(
                data,
                delimiter=options["delimiter"],
                encoding=options["encoding"],
                sheet=options["sheet"],
                limits=limits,
            )
            del data
            self.stdout.write(f"Read as: {table.dialect}")
            mapping = ColumnMapping.guess(table.headers)
            mapping.columns.update(_pairs(options["map"], "--map"))
            if options["date_format"]:
                check_date_format(options["date_format"])
                mapping.date_format = options["date_format"]
            report = import_claims(
                table,
                name=file.name,
                mapping=mapping,
                verdicts=_pairs(options["verdict"], "--verdict"),
                stances=_pairs(options["stance"], "--stance"),
                actor=actor,
                dry_run=options["dry_run"],
                check=options["check"],
                progress=self._progress,
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        columns = ", ".join(
            f"{name}={column}" if column else f"{name} ignored"
            for name, column in mapping.columns.items()
        )
        self.stdout.write(f"Columns: {columns}")
        if mapping.date_format:
            self.stdout.write(f"Dates: {mapping.date_format} (and ISO)")
        for issue in report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {issue}"))
        for issue in report.errors:
            self.stderr.write(self.style.ERROR(f"error: {issue}"))
        self.stdout.write(f"{report.summary()} in {report.seconds:.1f} s.")
        if report.errors:
            raise CommandError("Nothing was imported: fix the errors above and run it again.")
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
