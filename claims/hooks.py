"""What the apps above the core add to its pages, without the core knowing them.

The core (claims, sources) imports nothing of intake, publishing, the desk or monitoring
(pyproject.toml's import-linter contracts). Where its pages show their work, each app
registers here in its AppConfig.ready():

- a `Part` of the claim page: rendered in its slot by `{% claim_parts "<slot>" %}`
  (claims.templatetags.claim_tags) with the page's context plus what `context(request,
  claim)` returns. A part that changes with the claim reloads itself from its own app's
  URL on the `claim-changed` event, so the core never needs to render it alone.
  Slots: "head" (inside <head>), "actions" (the buttons under the statement), "header"
  (the end of the claim's header), "after_verdict" (between the verdict and the evidence).
- a `Scope` of the claim list and the review queue: a narrower set of claims chosen by
  `?<name>=on` ("My claims": the desk's assignments).
- a `QueuePart` of the review queue: a panel rendered by `{% review_parts %}` after the
  queue's own, with what `context(request, scope)` returns (the scope chosen, or None).
- `arrivals`: what an app saw arrive for a claim that is not a fact of its record (a
  suggested source: discovery), so it is never a timeline event. The claim's strip
  draws those still waiting for a person (claims.strip), and the claim's sources feed
  lists them all (publishing.feeds), each under its stable `key`.

What the core tells them in return are the signals of claims.signals.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

SLOTS = ("head", "actions", "header", "after_verdict")


def _nothing(request: HttpRequest, claim) -> dict:
    return {}


@dataclass(frozen=True)
class Part:
    slot: str
    template: str  # "<file>#<partial>"
    # Extra context for the template, read only when the part is rendered.
    context: Callable[[HttpRequest, object], dict] = field(default=_nothing, compare=False)
    order: int = 0

    @property
    def name(self) -> str:
        """The partial's name, which is its element's id."""
        return self.template.partition("#")[2]


@dataclass(frozen=True)
class Scope:
    name: str
    label: str
    # The ids of the claims in the scope for a user, as a subquery (never a list).
    claim_ids: Callable[[object], QuerySet] = field(compare=False)
    # A time shown on each row of the scope's list ("due ..."), as an expression for a
    # user, annotated on the list's rows as `scope_time`.
    time_label: str = ""
    time: Callable[[object], object] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class QueuePart:
    template: str  # "<file>#<partial>"
    # Its context, read only when the review queue is rendered: (request, scope or None).
    context: Callable[[HttpRequest, Scope | None], dict] = field(compare=False)
    order: int = 0


@dataclass(frozen=True)
class Arrival:
    """Something that arrived for a claim, told by the app that saw it."""

    # Stable and unique within the claim ("suggestion/<uuid>"): the feed entry's id is
    # made of it, so it must never name another arrival.
    key: str
    at: datetime
    title: str  # one line, plain text
    summary: str = ""  # plain text (escaped where shown)
    # The strip's row it is drawn on (a stance), and whether it still waits for a person:
    # only those are drawn (what a person decided shows as evidence, or not at all).
    stance: str = ""
    waiting: bool = True


# (claim, limit, waiting) -> the claim's latest arrivals (only those still waiting for a
# person when `waiting`), newest first, in a constant number of queries.
ArrivalsOf = Callable[[object, int, bool], list[Arrival]]

_parts: list[Part] = []
_scopes: dict[str, Scope] = {}
_queue_parts: list[QueuePart] = []
_arrivals: list[ArrivalsOf] = []


def register_part(part: Part) -> None:
    if part.slot not in SLOTS:
        raise ValueError(f"No slot {part.slot!r} on the claim page; the slots are {SLOTS}.")
    if not part.name:
        raise ValueError(f"Name the part's partial: {part.template!r} has no '#<name>'.")
    if part not in _parts:
        _parts.append(part)
        _parts.sort(key=lambda p: p.order)


def parts(slot: str) -> list[Part]:
    return [part for part in _parts if part.slot == slot]


def part_named(name: str) -> Part | None:
    return next((part for part in _parts if name and part.name == name), None)


def register_scope(scope: Scope) -> None:
    _scopes[scope.name] = scope


def scopes() -> list[Scope]:
    return list(_scopes.values())


def scope_chosen(query: QueryDict) -> Scope | None:
    """The scope a list request asks for (`?mine=on`), if any."""
    for scope in _scopes.values():
        if query.get(scope.name) == "on":
            return scope
    return None


def register_queue_part(part: QueuePart) -> None:
    if part not in _queue_parts:
        _queue_parts.append(part)
        _queue_parts.sort(key=lambda p: p.order)


def queue_parts() -> list[QueuePart]:
    return list(_queue_parts)


def register_arrivals(arrivals_of: ArrivalsOf) -> None:
    if arrivals_of not in _arrivals:
        _arrivals.append(arrivals_of)


def arrivals(claim, *, limit: int, waiting: bool = False) -> list[Arrival]:
    """The latest `limit` arrivals for the claim from every app, newest first; only those
    still waiting for a person when `waiting`."""
    found = [arrival for arrivals_of in _arrivals for arrival in arrivals_of(claim, limit, waiting)]
    return sorted(found, key=lambda arrival: arrival.at, reverse=True)[:limit]
