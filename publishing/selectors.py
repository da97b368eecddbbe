"""Publishing's reads: what should stop a claim from being published as it stands.

`publish_check(claim)` lists one item per cited source that something is wrong with:

1. its evidence needs review (the source changed after it was linked, no one looked again);
2. it supports or denies the claim and changed since its stance was given (its current
   snapshot is not the one judged, Evidence.judged_snapshot);
3. it is gone, unreachable or blocked: what it says now cannot be read;
4. it changed (Source.last_changed_at) after the verdict was set.

An empty list publishes at once; otherwise the editor sees the items and confirms them
(publishing.services.claim_publish), and the confirmation goes on the timeline.
"""

import hashlib
import json
from dataclasses import asdict, dataclass

from django.utils import timezone

from claims.models import Claim, Evidence
from claims.selectors import with_snapshots
from sources.models import Source

# Problem kinds, in the order they are told.
NEEDS_REVIEW = "needs_review"
CHANGED = "changed_since_judged"
GONE = "gone"
UNREACHABLE = "unreachable"
BLOCKED = "blocked"
AFTER_VERDICT = "changed_after_verdict"
PROBLEMS = (NEEDS_REVIEW, CHANGED, GONE, UNREACHABLE, BLOCKED, AFTER_VERDICT)
UNREADABLE = {
    Source.State.GONE: (GONE, "The page is gone: the site answers that it no longer exists."),
    Source.State.UNREACHABLE: (UNREACHABLE, "Unreachable: its last checks failed."),
    Source.State.BLOCKED: (BLOCKED, "Blocked: it cannot be checked."),
}
STANCE_WORDS = {
    Evidence.Stance.SUPPORTS: "supporting",
    Evidence.Stance.DENIES: "denying",
    Evidence.Stance.NEUTRAL: "neutral",
}


def _when(value) -> str:
    """As the desk's pages write a time: 4 Dec 2026, 14:55."""
    value = timezone.localtime(value)
    return f"{value.day} {value:%b %Y, %H:%M}"


@dataclass(frozen=True)
class PublishItem:
    """One cited source that should stop a publish, in plain words."""

    source: str  # the source's code
    url: str
    stance: str
    problems: tuple[str, ...]
    wrong: str
    headline_judged: str
    headline_now: str

    def as_payload(self) -> dict:
        """JSON for the API's 409 and the `published` event's payload."""
        return {**asdict(self), "problems": list(self.problems)}


def _item(evidence: Evidence, claim: Claim) -> PublishItem | None:
    source = evidence.source
    found: list[tuple[str, str]] = []
    if evidence.needs_review:
        found.append((NEEDS_REVIEW, "Needs review: the source changed after it was linked."))
    if evidence.stance != Evidence.Stance.NEUTRAL and evidence.changed_since_judged:
        found.append(
            (
                CHANGED,
                f"Changed since it was judged as {STANCE_WORDS[evidence.stance]} "
                f"(on the version of {_when(evidence.judged_snapshot.created_at)}).",
            )
        )
    if source.state in UNREADABLE:
        found.append(UNREADABLE[source.state])
    if claim.verdict_at and source.last_changed_at and source.last_changed_at > claim.verdict_at:
        found.append(
            (
                AFTER_VERDICT,
                f"Changed on {_when(source.last_changed_at)}, after the verdict "
                f"of {_when(claim.verdict_at)}.",
            )
        )
    if not found:
        return None
    return PublishItem(
        source=str(source.code),
        url=source.url,
        stance=evidence.stance,
        problems=tuple(kind for kind, _ in found),
        wrong=" ".join(text for _, text in found),
        headline_judged=evidence.title_when_linked,
        headline_now=evidence.current_title or source.title,
    )


def publish_check(claim: Claim) -> list[PublishItem]:
    """What should stop `claim` from being published, one item per source: one query."""
    evidence = (
        with_snapshots(claim.evidence.select_related("source"))
        .defer("judged_snapshot__text")
        .order_by("added_at", "id")
    )
    return [item for ev in evidence if (item := _item(ev, claim)) is not None]


def fingerprint(items: list[PublishItem]) -> str:
    """Names one list of items: a confirmation counts for the items the editor saw."""
    text = json.dumps([item.as_payload() for item in items], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
