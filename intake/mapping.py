"""How a spreadsheet's cells become a claim's fields: which column is which field (guessed
from its header, or told), how the file's words map to verdicts and stances, and how dates
and URLs are read (never guessing between day-first and month-first; repairing a URL only
where the intent is certain)."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from claims.models import Claim, Evidence

from .spreadsheets import ImportFileError

# What a column can be mapped to, and the headers recognised for it without asking.
FIELDS = {
    "claim": "The claim's statement",
    "external_id": "The claim's id in the file (matches claims on re-import)",
    "verdict": "The claim's verdict",
    "url": "The source's URL",
    "title": "The source's title",
    "stance": "The source's stance toward the claim",
    "date": "When the source appeared (ISO, the date format given, or a version-1 UUID)",
    "claimant": 'Who made the claim (an outlet, a person, "Turkish media")',
}
REQUIRED_FIELDS = ("claim",)
HEADER_ALIASES = {
    "claim": ("claim", "statement", "claimheadline", "claim_headline", "rumour", "rumor"),
    "external_id": ("external_id", "claimid", "claim_id", "id"),
    "verdict": ("verdict", "claimtruth", "claim_truth", "truth", "status", "rating"),
    "url": ("url", "source_url", "link", "article_url", "source"),
    "title": ("title", "articleheadline", "article_headline", "headline", "source_title"),
    "stance": ("stance", "articleheadlinestance", "article_stance", "position"),
    "date": ("date", "published", "published_at", "article_date", "seen_at"),
    "claimant": ("claimant", "claimed_by", "said_by", "author", "who"),
}
DEFAULT_VERDICTS = {
    "true": Claim.Status.CONFIRMED,
    "false": Claim.Status.DENIED,
    "unknown": Claim.Status.UNVERIFIED,
    **{status: status for status in Claim.Status.values},
}
DEFAULT_STANCES = {
    "for": Evidence.Stance.SUPPORTS,
    "against": Evidence.Stance.DENIES,
    "observing": Evidence.Stance.NEUTRAL,
    **{stance: stance for stance in Evidence.Stance.values},
}
_SCHEME = re.compile(r"https?://", re.IGNORECASE)
# Formats offered when a date column is not ISO: each that reads every value is named.
DATE_FORMATS = (
    "%m/%d/%y",
    "%d/%m/%y",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%m/%d/%y %H:%M",
    "%d/%m/%Y %H:%M",
)
_DATE_PARTS = (("%d", "%j"), ("%m", "%b", "%B", "%j"), ("%y", "%Y"))
ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class ColumnMapping:
    """Which column holds which field, and how file values map to verdicts and stances."""

    columns: dict[str, str]
    verdicts: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VERDICTS))
    stances: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_STANCES))
    # strftime format of the date column's non-ISO values; empty: ISO or UUIDs only.
    date_format: str = ""

    @classmethod
    def guess(cls, headers: list[str], **overrides) -> "ColumnMapping":
        """Map each field to the first header that is one of its aliases."""
        columns = {}
        simple = {header.strip().lower().replace(" ", "_"): header for header in headers}
        for name, aliases in HEADER_ALIASES.items():
            for alias in aliases:
                if alias in simple and simple[alias] not in columns.values():
                    columns[name] = simple[alias]
                    break
        return cls(columns=columns, **overrides)

    def check(self, headers: list[str]) -> None:
        unknown = set(self.columns) - set(FIELDS)
        if unknown:
            raise ImportFileError(f"Unknown fields in the mapping: {', '.join(sorted(unknown))}.")
        for name in REQUIRED_FIELDS:
            if not self.columns.get(name):
                raise ImportFileError(f"Map a column to '{name}': {FIELDS[name].lower()}.")
        if self.columns.get("url") and not self.columns.get("stance"):
            raise ImportFileError("Map a column to 'stance': every source needs a stance.")
        for name, column in self.columns.items():
            if column and column not in headers:
                raise ImportFileError(f"The file has no column '{column}' (mapped to {name}).")
        for value, status in self.verdicts.items():
            if status not in Claim.Status.values:
                raise ImportFileError(f"Verdict '{value}' maps to '{status}', not a status.")
        for value, stance in self.stances.items():
            if stance not in Evidence.Stance.values:
                raise ImportFileError(f"Stance '{value}' maps to '{stance}', not a stance.")
        if self.date_format:
            check_date_format(self.date_format)


def check_date_format(date_format: str) -> None:
    """A strftime format that names at least a day, month and year, and reads back."""
    if not all(any(code in date_format for code in codes) for codes in _DATE_PARTS):
        raise ImportFileError(
            f"The date format '{date_format}' needs a day, a month and a year "
            "(e.g. %m/%d/%y or %d.%m.%Y)."
        )
    sample = datetime(2017, 2, 25, 13, 45)
    try:
        datetime.strptime(sample.strftime(date_format), date_format)
    except ValueError:
        raise ImportFileError(f"The date format '{date_format}' cannot be read back.") from None


def repair_url(raw: str) -> tuple[str, str]:
    """Repair a source URL where the intent is certain; return (url, what was repaired).

    - a URL pasted into the middle of itself (`http://a/x-bahttp://a/x-bar.htmlr.html`):
      the outer text minus the inner URL is the inner URL, so the inner one is meant;
    - no scheme (`example.com/a`): read as https, like the web form does.
    """
    url = raw.strip()
    for match in _SCHEME.finditer(url):
        start = match.start()
        if start == 0 or len(url) % 2:
            continue
        inner = url[start : start + len(url) // 2]
        if url[:start] + url[start + len(inner) :] == inner:
            return inner, f"the URL was pasted into itself; used {inner}"
    if url and "://" not in url and not url.startswith("//"):
        return url, "the URL has no scheme; read as https://"
    return url, ""


def parse_when(value: str, date_format: str = "") -> datetime | None:
    """A date or date-time (UTC unless it says otherwise): ISO always, else in
    `date_format` (strftime) when given, else a version-1 UUID's time. Nothing else is
    guessed: `2/3/17` is February or March only once the format says which."""
    value = value.strip()
    if not value:
        return None
    when = None
    if date_format and not ISO_START.match(value):
        try:
            when = datetime.strptime(value, date_format)
        except ValueError:
            raise ValueError(f"'{value}' does not match the date format {date_format}.") from None
    if when is None:
        try:
            when = parse_datetime(value)
        except ValueError:
            when = None
    if when is None:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is not None:
            when = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if when is None:
        try:
            uid = uuid.UUID(value)
        except ValueError:
            raise ValueError(
                f"'{value}' is not an ISO date (YYYY-MM-DD): give the column's date format."
            ) from None
        if uid.version != 1:
            raise ValueError(f"'{value}' is a UUID without a time in it (not version 1).")
        # Version-1 UUIDs count 100 ns intervals since 1582-10-15.
        when = datetime.fromtimestamp((uid.time - 0x01B21DD213814000) / 1e7, tz=UTC)
    if timezone.is_naive(when):
        when = timezone.make_aware(when, UTC)
    return when


def date_formats_fitting(values: list[str]) -> list[str]:
    """The formats of DATE_FORMATS that read every one of `values` (non-ISO ones)."""
    values = [v.strip() for v in values if v.strip() and not ISO_START.match(v.strip())]
    fitting = []
    for date_format in DATE_FORMATS:
        try:
            for value in values:
                datetime.strptime(value, date_format)
        except ValueError:
            continue
        fitting.append(date_format)
    return fitting if values else []
