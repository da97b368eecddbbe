"""Import of claims with their evidence and verdicts from a spreadsheet, all or nothing.

One row is one (claim, source) pair; rows sharing a claim id (or, without an id column,
the same statement) form one claim. The import is planned first and written second:

1. Read the file (intake.spreadsheets: CSV in any common dialect and encoding, .xlsx,
   .xls, .ods) and check the column mapping.
2. Clean every row: map verdict and stance values, read dates as ISO or in the format
   given (never guessing between day-first and month-first), repair what can be repaired
   without guessing (reported as a warning), and turn the rest into errors with line
   numbers.
3. Group rows into claims; the same article twice under one claim is kept once (a
   warning) unless the two rows disagree on its stance (an error).
4. In one transaction, through the same services as the web pages: match each claim by
   its external id (or statement), create the missing ones, set imported verdicts
   (`verdict_set`, actor None, the rationale naming the import), and link the missing
   evidence without queueing checks unless asked.
5. Any error rolls everything back; a dry run always rolls back and reports what would
   have been written.
"""

import time
import uuid
from collections.abc import Callable
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims import services
from claims.models import CLAIMANT_MAX, STATEMENT_MAX, Claim, Evidence
from claimwatch.formulas import undefuse
from sources.models import TITLE_MAX, Source
from sources.services import source_url_clean
from sources.urlnorm import normalize_url

from .mapping import FIELDS, ISO_START, ColumnMapping, date_formats_fitting, parse_when, repair_url
from .spreadsheets import ImportFileError, ImportLimits, Table, read_table

__all__ = ["ImportFileError", "ImportLimits", "Table", "import_claims", "read_table"]

# The phases an import reports to its `progress` callback, with how far it is in each:
# rows checked of the file's rows, then claims written of the claims planned.
CHECKING = "checking"
WRITING = "writing"
# Rows checked between two progress reports.
PROGRESS_EVERY = 250
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Issue:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Row:
    line: int
    statement: str
    external_id: str
    verdict: str | None
    verdict_raw: str
    url: str
    title: str
    stance: str
    date: datetime | None
    claimant: str = ""


@dataclass
class PlannedClaim:
    key: str
    first: Row
    rows: list[Row] = field(default_factory=list)


@dataclass
class ImportReport:
    name: str
    dry_run: bool
    rows: int = 0
    claims_created: int = 0
    claims_matched: int = 0
    verdicts_set: int = 0
    evidence_created: int = 0
    evidence_existing: int = 0
    sources_created: int = 0
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    seconds: float = 0.0
    dialect: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def committed(self) -> bool:
        return self.ok and not self.dry_run

    def as_data(self, *, listed: int = 200) -> dict:
        """The report as JSON data (kept with an import job): counts, the summary, and the
        first `listed` errors and warnings as text with how many there are in all."""
        return {
            "summary": self.summary(),
            "ok": self.ok,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "seconds": round(self.seconds, 1),
            "dialect": self.dialect,
            "errors": [str(issue) for issue in self.errors[:listed]],
            "errors_total": len(self.errors),
            "warnings": [str(issue) for issue in self.warnings[:listed]],
            "warnings_total": len(self.warnings),
        }

    def summary(self) -> str:
        verb = "would create" if self.dry_run or not self.ok else "created"
        return (
            f"{self.rows} rows: {verb} {self.claims_created} claims "
            f"({self.claims_matched} already there), {self.evidence_created} evidence links "
            f"({self.evidence_existing} already there), {self.sources_created} new sources, "
            f"{self.verdicts_set} verdicts; {len(self.warnings)} warnings, "
            f"{len(self.errors)} errors"
        )


@dataclass(frozen=True)
class Wording:
    """How a message names the controls of where it is shown: the command's options or
    the upload page's fields. Each piece takes the format (or nothing) it speaks of."""

    give_format: str  # the one format every value fits
    give_right_format: str  # several fit
    give_some_format: str  # none of the offered ones fits
    ignore_column: str


COMMAND = Wording(
    give_format="give --date-format '{}'",
    give_right_format="give the right --date-format",
    give_some_format="give its format with --date-format (strftime, e.g. %d.%m.%Y)",
    ignore_column="or ignore the column with --map date=",
)
PAGE = Wording(
    give_format="type {} in the Date format field",
    give_right_format="type the right one in the Date format field",
    give_some_format="type its format in the Date format field (strftime, e.g. %d.%m.%Y)",
    ignore_column=f'or ignore the column: choose "(none)" for "{FIELDS["date"].split(" (")[0]}"',
)


def _date_hint(raw_rows, mapping: "ColumnMapping", wording: Wording) -> Issue | None:
    """One file-level error naming the formats a non-ISO date column fits, when no format
    was given: the rows' errors alone would not say what to type."""
    column = mapping.columns.get("date")
    if not column or mapping.date_format:
        return None
    odd = []
    for _, row in raw_rows:
        value = (row.get(column) or "").strip()
        if value and not ISO_START.match(value) and not _is_uuid(value):
            odd.append(value)
    return _fits_message(column, odd, wording) if odd else None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _fits_message(column: str, values: list[str], wording: Wording) -> Issue:
    fitting = date_formats_fitting(values)
    if len(fitting) == 1:
        advice = f"every value reads as {fitting[0]}: {wording.give_format.format(fitting[0])}"
    elif fitting:
        advice = (
            f"the values read as any of {', '.join(fitting)}, so which one is meant cannot be "
            f"told from the file: {wording.give_right_format}"
        )
    else:
        advice = wording.give_some_format
    return Issue(
        0,
        f"the date column '{column}' is not ISO (e.g. '{values[0].strip()}'); {advice}, "
        f"{wording.ignore_column}",
    )


def _read_row(
    line: int, values: dict[str, str], mapping: ColumnMapping
) -> tuple[Row, list[str], list[Issue]]:
    """A row's fields as the import reads them, with what is wrong with it and what was
    repaired: every field it could read is there even when another is wrong (the page
    shows them)."""

    def get(name: str) -> str:
        column = mapping.columns.get(name)
        # A cell our own CSV export defused reads as the text that was exported.
        return undefuse((values.get(column) or "").strip()) if column else ""

    errors, warnings = [], []
    if any("\x00" in get(name) for name in mapping.columns):
        errors.append("the row contains a NUL character, which no field can hold")
    statement = " ".join(get("claim").split())
    if not statement:
        errors.append("the claim is empty")
    elif len(statement) > STATEMENT_MAX:
        errors.append(f"the claim is longer than {STATEMENT_MAX} characters")
    if len(get("title")) > TITLE_MAX:
        errors.append(f"the title is longer than {TITLE_MAX} characters")
    verdict_raw = get("verdict")
    verdict = None
    if verdict_raw:
        verdict = mapping.verdicts.get(verdict_raw.lower())
        if verdict is None:
            errors.append(f"the verdict '{verdict_raw}' is not mapped to a status")
    url = stance = ""
    raw_url = get("url")
    if raw_url:
        repaired, note = repair_url(raw_url)
        try:
            url = normalize_url(repaired)
        except ValidationError as exc:
            url = raw_url
            errors.append(f"the URL '{raw_url}' cannot be used: {' '.join(exc.messages)}")
        else:
            if note:
                warnings.append(Issue(line, note))
        stance_raw = get("stance")
        stance = mapping.stances.get(stance_raw.lower(), "")
        if not stance_raw:
            errors.append("the stance is empty")
        elif not stance:
            errors.append(f"the stance '{stance_raw}' is not mapped to a stance")
    try:
        date = parse_when(get("date"), mapping.date_format)
    except ValueError as exc:
        errors.append(str(exc))
        date = None
    if date and date > timezone.now():
        errors.append("the date is in the future")
    claimant = " ".join(get("claimant").split())
    if len(claimant) > CLAIMANT_MAX:
        errors.append(f"the claimant is longer than {CLAIMANT_MAX} characters")
    row = Row(
        line=line,
        statement=statement,
        external_id=get("external_id"),
        verdict=verdict,
        verdict_raw=verdict_raw,
        url=url,
        title=get("title"),
        stance=stance,
        date=date,
        claimant=claimant,
    )
    return row, errors, warnings


def _clean_row(line: int, values: dict[str, str], mapping: ColumnMapping, report) -> Row | None:
    """The row to import, or None when it has errors (added to the report)."""
    row, errors, warnings = _read_row(line, values, mapping)
    report.warnings.extend(warnings)
    if errors:
        report.errors.extend(Issue(line, message) for message in errors)
        return None
    return row


def _plan(rows: list[Row], report: ImportReport) -> list[PlannedClaim]:
    """Group rows into claims, catching contradictions and the same article twice."""
    claims: dict[str, PlannedClaim] = {}
    for row in rows:
        key = f"id:{row.external_id}" if row.external_id else f"text:{row.statement.lower()}"
        planned = claims.get(key)
        if planned is None:
            claims[key] = PlannedClaim(key=key, first=row, rows=[row])
            continue
        first = planned.first
        if row.external_id and row.statement != first.statement:
            report.errors.append(
                Issue(
                    row.line,
                    f"claim id '{row.external_id}' has a different statement on line {first.line}",
                )
            )
            continue
        if row.verdict != first.verdict:
            report.errors.append(
                Issue(row.line, f"the verdict differs from line {first.line} for the same claim")
            )
            continue
        if row.claimant and first.claimant and row.claimant != first.claimant:
            report.errors.append(
                Issue(row.line, f"the claimant differs from line {first.line} for the same claim")
            )
            continue
        if row.claimant and not first.claimant:
            first.claimant = row.claimant
        planned.rows.append(row)
    for planned in claims.values():
        seen: dict[str, Row] = {}
        kept = []
        for row in planned.rows:
            earlier = seen.get(row.url) if row.url else None
            if earlier is None:
                seen[row.url] = row
                kept.append(row)
            elif earlier.stance != row.stance:
                report.errors.append(
                    Issue(
                        row.line,
                        f"the same article as line {earlier.line} under this claim, but "
                        f"'{row.stance}' here and '{earlier.stance}' there: which is it?",
                    )
                )
            else:
                report.warnings.append(
                    Issue(
                        row.line,
                        f"the same article as line {earlier.line} under this claim "
                        f"({row.url}); linked once",
                    )
                )
        planned.rows = kept
    return list(claims.values())


def _write(
    planned: list[PlannedClaim],
    report: ImportReport,
    *,
    actor: AbstractBaseUser | None,
    check: bool,
    progress: Progress,
) -> None:
    ids = [p.first.external_id for p in planned if p.first.external_id]
    statements = [p.first.statement for p in planned if not p.first.external_id]
    # A claim merged into another is found by its id; its rows go to the one it joined.
    existing_by_id = {
        c.external_id: c.merged_into or c
        for c in Claim.objects.filter(external_id__in=ids).select_related("merged_into")
    }
    existing_by_text = {
        c.statement.lower(): c
        for c in Claim.objects.filter(statement__in=statements, merged_into=None)
    }
    sources_before = Source.objects.count()
    linked = {
        (claim_id, url): stance
        for claim_id, url, stance in Evidence.objects.filter(
            claim__in=[*existing_by_id.values(), *existing_by_text.values()]
        ).values_list("claim_id", "source__url", "stance")
    }
    for done, plan in enumerate(planned):
        progress(WRITING, done, len(planned))
        first = plan.first
        claim = (
            existing_by_id.get(first.external_id)
            if first.external_id
            else existing_by_text.get(first.statement.lower())
        )
        try:
            if claim is None:
                dates = [row.date for row in plan.rows if row.date]
                claim = services.claim_create(
                    statement=first.statement,
                    external_id=first.external_id,
                    claimant=first.claimant,
                    first_seen_at=min(dates) if dates else None,
                    actor=actor,
                )
                report.claims_created += 1
            else:
                report.claims_matched += 1
            _import_verdict(claim, first, report)
        except IntegrityError:
            report.errors.append(
                Issue(first.line, "this claim was created meanwhile (another import?); run again")
            )
            continue
        except (ValidationError, PermissionDenied) as exc:
            report.errors.append(Issue(first.line, _message(exc)))
            continue
        _link_rows(claim, plan.rows, linked, report, actor=actor, check=check)
    report.sources_created = Source.objects.count() - sources_before


def _link_rows(
    claim: Claim,
    rows: list[Row],
    linked: dict[tuple[int, str], str],
    report: ImportReport,
    *,
    actor: AbstractBaseUser | None,
    check: bool,
) -> None:
    """Link a claim's rows in one bulk write (services.evidence_add_many). Rows that
    cannot be linked (a bad URL, a source already linked) are reported one by one, as
    services.evidence_add would have refused them, and left out of the write."""
    links: list[services.EvidenceLink] = []
    lines: list[int] = []
    for row in rows:
        if not row.url:
            continue
        stance = linked.get((claim.pk, row.url))
        if stance is not None:
            report.evidence_existing += 1
            if stance != row.stance:
                report.warnings.append(
                    Issue(
                        row.line,
                        f"already linked as '{stance}', the file says '{row.stance}'; "
                        "left as it is",
                    )
                )
            continue
        try:
            url = source_url_clean(row.url)
            if (claim.pk, url) in linked:
                raise ValidationError({"url": "This source is already linked to this claim."})
        except ValidationError as exc:
            report.errors.append(Issue(row.line, _message(exc)))
            continue
        linked[(claim.pk, url)] = row.stance
        links.append(
            # The row's date is the article's own; the link is made now, by this import.
            services.EvidenceLink(
                url=url, stance=row.stance, title=row.title, published_at=row.date
            )
        )
        lines.append(row.line)
    if not links:
        return
    try:
        services.evidence_add_many(
            claim=claim, links=links, actor=actor, monitor=check, imported_from=report.name
        )
    except (ValidationError, PermissionDenied) as exc:
        report.errors.extend(Issue(line, _message(exc)) for line in lines)
        return
    report.evidence_created += len(links)


def _import_verdict(claim: Claim, row: Row, report: ImportReport) -> None:
    """Set the file's verdict on a claim nobody has judged yet; never overwrite one."""
    if row.verdict is None or row.verdict == claim.status:
        return
    if claim.verdict_at is not None or claim.status != Claim.Status.UNVERIFIED:
        report.warnings.append(
            Issue(
                row.line,
                f"the claim's verdict is already '{claim.status}', the file says "
                f"'{row.verdict}'; left as it is",
            )
        )
        return
    services.verdict_set(
        claim=claim,
        status=row.verdict,
        rationale=f"Imported from {report.name}: the file's verdict is '{row.verdict_raw}'.",
        expected_version=claim.version,
        actor=None,
    )
    report.verdicts_set += 1


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    return str(exc)


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


def preview(table: Table, mapping: ColumnMapping, *, limit: int = 5) -> list[dict]:
    """The first rows as the import reads them (dates parsed), each with its own errors,
    so a wrong date format or column shows before anything is imported; a row's other
    fields show even when one is wrong."""
    rows = []
    for line, values in table.rows[:limit]:
        row, errors, _ = _read_row(line, values, mapping)
        rows.append(
            {
                "line": line,
                "row": row,
                "date": row.date.isoformat() if row.date else "",
                "errors": errors,
            }
        )
    return rows


def import_claims(
    data: bytes | str | Table,
    *,
    name: str,
    mapping: ColumnMapping | None = None,
    verdicts: MappingType[str, str] | None = None,
    stances: MappingType[str, str] | None = None,
    actor: AbstractBaseUser | None = None,
    dry_run: bool = False,
    check: bool = False,
    progress: Progress | None = None,
    wording: Wording = COMMAND,
) -> ImportReport:
    """Import a spreadsheet (see the module docstring); nothing is written unless it all is.

    `data` is the file's bytes (read with the detected dialect) or a Table already read
    with `read_table` (to choose the delimiter, encoding or sheet). `mapping` defaults to
    a guess from the headers; `verdicts` and `stances` are added to (and override) its
    value mappings. `name` is how verdict rationales cite the import. Raises
    ImportFileError when the file as a whole cannot be read.

    `wording` names the controls of where the report is shown (COMMAND, PAGE).
    `progress(phase, done, total)` is called as rows are checked (CHECKING) and claims
    written (WRITING), last just before the commit; whatever it raises stops the import
    and rolls back everything (a cancel, a time limit).
    """
    progress = progress or _no_progress
    started = time.monotonic()
    report = ImportReport(name=name, dry_run=dry_run)
    table = data if isinstance(data, Table) else read_table(data)
    if not table.complete:
        raise ImportFileError("Only the first rows of this file were read: read it whole.")
    report.dialect = table.dialect
    mapping = mapping or ColumnMapping.guess(table.headers)
    mapping.verdicts.update({k.strip().lower(): v for k, v in (verdicts or {}).items()})
    mapping.stances.update({k.strip().lower(): v for k, v in (stances or {}).items()})
    mapping.check(table.headers)
    report.rows = len(table.rows)
    hint = _date_hint(table.rows, mapping, wording)
    if hint:
        report.errors.append(hint)
    cleaned = []
    for done, (line, values) in enumerate(table.rows):
        if done % PROGRESS_EVERY == 0:
            progress(CHECKING, done, report.rows)
        cleaned.append(_clean_row(line, values, mapping, report))
    progress(CHECKING, report.rows, report.rows)
    planned = _plan([row for row in cleaned if row is not None], report)
    if not report.errors:
        with transaction.atomic():
            _write(planned, report, actor=actor, check=check, progress=progress)
            progress(WRITING, len(planned), len(planned))
            if report.errors or dry_run:
                transaction.set_rollback(True)
    report.errors.sort(key=lambda issue: issue.line)
    report.warnings.sort(key=lambda issue: issue.line)
    report.seconds = time.monotonic() - started
    return report
