"""Check one source now, through the worker's code path, and say what came of it.

    manage.py check_source https://www.dawn.com/news/1234
    manage.py check_source 3f0c...-uuid-of-a-source

A URL that is not a source yet is a dry run: fetched and extracted, nothing stored.
Exits 1 when the fetch was blocked by the guard or failed.
"""

import asyncio
import time
import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from monitoring import checks
from sources import changes, fetch
from sources.models import CheckAttempt, Source
from sources.urlnorm import normalize_url

FAILED = (CheckAttempt.Outcome.BLOCKED, CheckAttempt.Outcome.ERROR, CheckAttempt.Outcome.TIMEOUT)


class Command(BaseCommand):
    help = "Check one source now (by URL or code) and print the outcome; a new URL is a dry run."

    def add_arguments(self, parser):
        parser.add_argument("target", metavar="URL_OR_CODE")

    def handle(self, *args, target: str, **options):
        source = self._find(target)
        if source is None:
            return self._dry_run(target)
        report = checks.check_batch([source.pk])
        d = report.decisions[0]
        source.refresh_from_db()
        self._line("source", f"{source.url} ({source.code})")
        self._line("state", source.state)
        self._line("http status", d.http_status or "-")
        self._line("outcome", d.outcome)
        self._line("change", d.change_kind or "none")
        for kind, _payload in d.events:
            self._line("event", kind)
        if d.error:
            self._line("error", d.error)
        self._line("fetch", f"{d.duration_ms} ms")
        self._line("total", f"{report.total_ms} ms")
        self._line("next check", source.next_check_at.isoformat() if source.next_check_at else "-")
        if d.outcome in FAILED:
            raise CommandError(f"The check {d.outcome}: {d.error}")

    def _find(self, target: str) -> Source | None:
        try:
            return Source.objects.filter(code=uuid.UUID(target)).first() or self._missing(target)
        except ValueError:
            pass
        try:
            url = normalize_url(target)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        return Source.objects.filter(url=url).first()

    def _missing(self, code: str):
        raise CommandError(f"No source has the code {code}.")

    def _dry_run(self, target: str) -> None:
        url = normalize_url(target)
        self._line("dry run", f"{url} is not a source: nothing is stored")
        t0 = time.monotonic()
        fetched = asyncio.run(checks.fetch_many([Source(url=url)]))[0]
        if fetched.error is not None:
            blocked = isinstance(fetched.error, fetch.FetchBlocked)
            reason = fetched.error.reason if blocked else str(fetched.error)
            kind = "blocked" if blocked else "failed"
            self._line(kind, reason)
            self._line("fetch", f"{fetched.duration_ms} ms")
            raise CommandError(f"The fetch was {kind}: {reason}")
        result = fetched.result
        for status, location in result.redirects:
            self._line("redirect", f"{status} -> {location}")
        self._line("http status", result.status)
        self._line("final url", result.url)
        self._line("content type", result.content_type or "-")
        t1 = time.monotonic()
        extracted = changes.extract(result.text, url=result.url, content_type=result.content_type)
        extract_ms = int((time.monotonic() - t1) * 1000)
        self._line("title", extracted.title or "-")
        self._line("text", f"{len(extracted.text)} characters")
        self._line("content hash", extracted.content_hash)
        self._line("fetch", f"{result.elapsed_ms} ms")
        self._line("extract", f"{extract_ms} ms")
        self._line("total", f"{int((time.monotonic() - t0) * 1000)} ms")
        if extracted.text:
            self.stdout.write("")
            self.stdout.write(extracted.text[:500])
        if result.status >= 400:
            raise CommandError(f"The page answered HTTP {result.status}.")

    def _line(self, label: str, value) -> None:
        self.stdout.write(f"{label:>13}: {value}")
