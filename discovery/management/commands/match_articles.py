"""Match a file of articles to the open claims, for bulk use; writes nothing to the database.

    manage.py match_articles FILE.jsonl [--top K]      (FILE "-" reads standard input)

Input: JSON lines {"url": ..., "title": ..., "text": ...optional}. Output, one JSON line per
input line in the same order: {"url": ..., "matches": [{"claim": "<code>", "statement":
"...", "score": 0..1, "stance": "supports"|"denies"|"neutral", "stance_confidence": 0..1}]},
best first, at most K (default 3), only those above the suggestion threshold. A line that
cannot be read gives {"line": N, "error": "..."} in its place and a message on standard
error, and the command exits 1 after the last line.

1. Read and check each line (at most DISCOVERY_MATCH_MAX_LINES lines of LINE_MAX bytes).
2. Match a chunk of articles at a time (discovery.matching.match_many: one set of term
   statistics for the whole run).
3. Write each chunk's lines, so output starts before the whole file is read.
"""

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from discovery import matching

LINE_MAX = 100_000
CHUNK = 200


class Command(BaseCommand):
    help = "Match JSON lines of articles to open claims; print one JSON line of matches each."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .jsonl file, or - for standard input")
        parser.add_argument("--top", type=int, default=matching.TOP)

    def handle(self, *args, file: str, top: int, **options):
        if not 1 <= top <= 50:
            raise CommandError("--top must be between 1 and 50.")
        try:
            handle = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        bad = 0
        chunk: list[tuple[int, dict | str]] = []
        with handle:
            for number, raw in enumerate(handle, start=1):
                if number > settings.DISCOVERY_MATCH_MAX_LINES:
                    self._flush(chunk, top)
                    raise CommandError(
                        f"More than {settings.DISCOVERY_MATCH_MAX_LINES} lines: "
                        "split the file (DISCOVERY_MATCH_MAX_LINES)."
                    )
                parsed = self._read(number, raw)
                bad += isinstance(parsed, str)
                chunk.append((number, parsed))
                if len(chunk) == CHUNK:
                    self._flush(chunk, top)
                    chunk = []
        self._flush(chunk, top)
        if bad:
            raise CommandError(f"{bad} line(s) could not be read; see the messages above.")

    def _read(self, number: int, raw: bytes) -> dict | str:
        """Step 1: the article of one line, or the reason it cannot be read."""
        if len(raw) > LINE_MAX:
            return f"line {number}: longer than {LINE_MAX} bytes"
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return f"line {number}: not a JSON object ({exc})"
        if not isinstance(data, dict):
            return f"line {number}: not a JSON object"
        title, text, url = data.get("title"), data.get("text", ""), data.get("url")
        if not isinstance(title, str) or not title.strip():
            return f'line {number}: needs a "title" (text)'
        if not isinstance(text, str) or not (url is None or isinstance(url, str)):
            return f'line {number}: "url" and "text" must be text'
        return {"url": url, "title": title, "text": text}

    def _flush(self, chunk: list[tuple[int, dict | str]], top: int) -> None:
        """Steps 2 and 3."""
        good = [article for _, article in chunk if isinstance(article, dict)]
        found = iter(matching.match_many([(a["title"], a["text"]) for a in good], top=top))
        for number, article in chunk:
            if isinstance(article, str):
                self.stderr.write(article)
                line = {"line": number, "error": article}
            else:
                line = {"url": article["url"], "matches": [f.as_json() for f in next(found)]}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
