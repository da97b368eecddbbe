"""The API's JSON parser: DRF's, with the body bounded before it is parsed.

1. At most DATA_UPLOAD_MAX_MEMORY_SIZE bytes are read (DRF reads the stream, which Django's
   limit does not cover); a longer body is refused (413).
2. The nesting depth is counted on the raw bytes (outside strings) and a body nested
   deeper than JSON_MAX_DEPTH is refused (400): Python's json module recurses and raises
   RecursionError (a 500) a few thousand levels down. No request of the API nests past 5.
3. Then DRF's own JSONParser parses it.
"""

import io
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

JSON_MAX_DEPTH = 64
_STRUCTURE = re.compile(rb'\\.|["\[\]{}]', re.S)


class BodyTooLarge(ParseError):
    status_code = 413
    default_detail = "The request body is too large."


def json_depth(body: bytes, limit: int) -> int:
    """The nesting depth of `body`, counted until it passes `limit`."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return 0  # cannot be deeper: skip the scan (nearly every request)
    depth = deepest = 0
    in_string = False
    for match in _STRUCTURE.finditer(body):
        token = match.group()
        if token == b'"':
            in_string = not in_string
        elif in_string or len(token) == 2:  # inside a string, or an escape
            continue
        elif token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
        else:
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise BodyTooLarge(f"The request body is over {limit:,} bytes.")
        if json_depth(body, JSON_MAX_DEPTH) > JSON_MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {JSON_MAX_DEPTH} levels is refused.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
