"""The claim page's visual strip: evidence over time by stance, verdict changes marked.

Pure geometry, drawn as inline SVG by templates/claims/detail.html (no script, and no
style attributes: the CSP forbids them; colours come from classes in claimwatch.css).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .models import Claim, ClaimEvent, Evidence

WIDTH = 1000
HEIGHT = 110
PAD_X = 40
ROWS = {
    Evidence.Stance.SUPPORTS: 22,
    Evidence.Stance.NEUTRAL: 46,
    Evidence.Stance.DENIES: 70,
}
AXIS_Y = 88
MIN_SPAN = timedelta(hours=2)


@dataclass
class Mark:
    x: float
    y: float = 0
    kind: str = ""
    label: str = ""
    at: datetime | None = None


@dataclass
class Strip:
    width: int = WIDTH
    height: int = HEIGHT
    axis_y: int = AXIS_Y
    start: datetime | None = None
    end: datetime | None = None
    dots: list[Mark] = field(default_factory=list)
    verdicts: list[Mark] = field(default_factory=list)
    changes: list[Mark] = field(default_factory=list)
    resolves: Mark | None = None
    rows: list[Mark] = field(default_factory=list)
    summary: str = ""

    @property
    def right(self) -> int:
        return self.width - PAD_X

    @property
    def left(self) -> int:
        return PAD_X


def evidence_strip(
    claim: Claim,
    evidence: list[Evidence],
    verdicts: list[ClaimEvent],
    changes: list[ClaimEvent] = (),
    *,
    now: datetime,
) -> Strip:
    """Place each piece of evidence and each verdict change on one time axis.

    1. The axis runs from the earliest of first seen, logged and first evidence to the
       latest of the evidence, the verdicts and a resolves-at that has passed (at least
       two hours, centred, so a story told within minutes is not squeezed to one edge).
    2. Evidence is a dot on its stance's row at the time it was linked.
    3. A verdict change is a vertical line labelled with the new status.
    4. A change of a cited source (edited, headline, correction, gone, moved) is a
       square on the time axis.
    """
    times = [claim.created_at, *(ev.added_at for ev in evidence)]
    times += [event.created_at for event in [*verdicts, *changes]]
    if claim.first_seen_at:
        times.append(claim.first_seen_at)
    if claim.resolves_at and claim.resolves_at <= now:
        times.append(claim.resolves_at)
    start, end = min(times), max(times)
    if end - start < MIN_SPAN:  # everything within minutes: centre it on a short axis
        middle = start + (end - start) / 2
        start, end = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
    span = (end - start).total_seconds()

    def x_of(at: datetime) -> float:
        return round(PAD_X + (at - start).total_seconds() / span * (WIDTH - 2 * PAD_X), 1)

    strip = Strip(start=start, end=end)
    strip.rows = [
        Mark(x=PAD_X, y=y, kind=stance, label=Evidence.Stance(stance).label)
        for stance, y in ROWS.items()
    ]
    strip.dots = [
        Mark(
            x=x_of(ev.added_at),
            y=ROWS[ev.stance],
            kind=ev.stance,
            label=ev.get_stance_display(),
            at=ev.added_at,
        )
        for ev in evidence
    ]
    for event in verdicts:
        status = (event.payload.get("after") or {}).get("status", "")
        label = Claim.Status(status).label if status in Claim.Status.values else status
        strip.verdicts.append(
            Mark(x=x_of(event.created_at), kind=status, label=label, at=event.created_at)
        )
    kinds = dict(ClaimEvent.Kind.choices)
    strip.changes = [
        Mark(x=x_of(e.created_at), y=AXIS_Y, kind=e.kind, label=kinds[e.kind], at=e.created_at)
        for e in changes
    ]
    if claim.resolves_at and start <= claim.resolves_at <= end:
        strip.resolves = Mark(x=x_of(claim.resolves_at), label="Resolves", at=claim.resolves_at)
    counts = {stance: sum(ev.stance == stance for ev in evidence) for stance in ROWS}
    strip.summary = (
        f"{len(evidence)} sources over time: {counts['supports']} supporting, "
        f"{counts['denies']} denying, {counts['neutral']} neutral; "
        f"{len(verdicts)} verdict change{'s' if len(verdicts) != 1 else ''}; "
        f"{len(changes)} source change{'s' if len(changes) != 1 else ''}."
    )
    return strip
