"""The claim page's visual strip: evidence over time by stance, verdict changes marked.

Pure geometry, drawn as inline SVG by templates/claims/detail.html (no script, and no
style attributes: the CSP forbids them; colours come from classes in claimwatch.css).
"""

import math
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from .hooks import Arrival
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
# The time scale: a gap of UNIT takes log(2) of a weight, a day about log(25), a month
# about log(721); gaps longer than BREAK_AFTER are marked as a break in the axis.
UNIT = timedelta(hours=1)
BREAK_AFTER = timedelta(days=7)
# Dots of one stance closer than this (in viewBox units) are drawn as one, with a count.
CLUSTER_PX = 12


@dataclass
class Mark:
    x: float
    y: float = 0
    kind: str = ""
    label: str = ""
    at: datetime | None = None
    count: int = 1
    until: datetime | None = None  # the last of a cluster of marks


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
    arrivals: list[Mark] = field(default_factory=list)
    resolves: Mark | None = None
    rows: list[Mark] = field(default_factory=list)
    breaks: list[float] = field(default_factory=list)
    summary: str = ""

    @property
    def right(self) -> int:
        return self.width - PAD_X

    @property
    def left(self) -> int:
        return PAD_X


def time_scale(times: list[datetime], *, left: float, right: float):
    """x of a time on an axis that gives active periods room (steps 1 and 2 below).

    Each gap between two consecutive times gets a width that grows with the logarithm of
    its length: a month of silence before a busy day takes a little more room than an
    hour, not 700 times as much, so marks minutes apart stay apart. Returns x_of(at) and
    the x of every gap of more than BREAK_AFTER (drawn as a break in the axis)."""
    points = sorted(set(times))
    weights = [
        math.log1p((b - a).total_seconds() / UNIT.total_seconds()) for a, b in pairwise(points)
    ]
    total = sum(weights) or 1.0
    xs = [left]
    for weight in weights:
        xs.append(xs[-1] + weight / total * (right - left))
    if len(points) == 1:
        xs = [(left + right) / 2]
    breaks = [
        round((xs[i] + xs[i + 1]) / 2, 1)
        for i, (a, b) in enumerate(pairwise(points))
        if b - a > BREAK_AFTER
    ]

    def x_of(at: datetime) -> float:
        i = bisect_left(points, at)
        if i < len(points) and points[i] == at:
            return round(xs[i], 1)
        if i == 0:
            return round(xs[0], 1)
        if i >= len(points):
            return round(xs[-1], 1)
        a, b = points[i - 1], points[i]  # between two known times: linear within the gap
        share = (at - a) / (b - a)
        return round(xs[i - 1] + share * (xs[i] - xs[i - 1]), 1)

    return x_of, breaks


def evidence_strip(
    claim: Claim,
    evidence: list[Evidence],
    verdicts: list[ClaimEvent],
    changes: list[ClaimEvent] = (),
    arrivals: list[Arrival] = (),
    *,
    now: datetime,
) -> Strip:
    """Place each piece of evidence and each verdict change on one time axis.

    1. The axis runs from the earliest of first seen, logged and first evidence to the
       latest of the evidence, the verdicts and a resolves-at that has passed.
    2. Time is scaled so that busy periods get room and long silences are shortened
       (`time_scale`); a silence of more than a week shows as a break in the axis.
    3. Evidence is a dot on its stance's row at the time it was linked; dots of one
       stance closer than CLUSTER_PX are one dot with their count.
    4. A verdict change is a vertical line labelled with the new status.
    5. A change of a cited source (edited, headline, correction, gone, moved) is a
       square on the time axis.
    6. What arrived for the claim and waits for a person (claims.hooks.Arrival: a
       suggested source) is a ring on its stance's row at the time it arrived.
    """
    times = [claim.created_at, *(ev.added_at for ev in evidence), *(a.at for a in arrivals)]
    times += [event.created_at for event in [*verdicts, *changes]]
    if claim.first_seen_at:
        times.append(claim.first_seen_at)
    if claim.resolves_at and claim.resolves_at <= now:
        times.append(claim.resolves_at)
    start, end = min(times), max(times)
    x_of, breaks = time_scale(times, left=PAD_X, right=WIDTH - PAD_X)

    strip = Strip(start=start, end=end, breaks=breaks)
    strip.rows = [
        Mark(x=PAD_X, y=y, kind=stance, label=Evidence.Stance(stance).label)
        for stance, y in ROWS.items()
    ]
    for stance, y in ROWS.items():
        placed = sorted((x_of(ev.added_at), ev.added_at) for ev in evidence if ev.stance == stance)
        label = Evidence.Stance(stance).label
        for group in _clusters(placed):
            first, last = group[0][1], group[-1][1]
            count = len(group)
            strip.dots.append(
                Mark(
                    x=round(sum(x for x, _ in group) / count, 1),
                    y=y,
                    kind=stance,
                    label=label if count == 1 else f"{count} × {label}",
                    at=first,
                    count=count,
                    until=last if last != first else None,
                )
            )
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
    strip.arrivals = [
        Mark(
            x=x_of(a.at),
            y=ROWS.get(a.stance, ROWS[Evidence.Stance.NEUTRAL]),
            kind=a.stance if a.stance in ROWS else Evidence.Stance.NEUTRAL,
            label=a.title,
            at=a.at,
        )
        for a in arrivals
    ]
    if claim.resolves_at and start <= claim.resolves_at <= end:
        strip.resolves = Mark(x=x_of(claim.resolves_at), label="Resolves", at=claim.resolves_at)
    counts = {stance: sum(ev.stance == stance for ev in evidence) for stance in ROWS}
    strip.summary = (
        f"{len(evidence)} sources over time: {counts['supports']} supporting, "
        f"{counts['denies']} denying, {counts['neutral']} neutral; "
        f"{len(verdicts)} verdict change{'s' if len(verdicts) != 1 else ''}; "
        f"{len(changes)} source change{'s' if len(changes) != 1 else ''}"
        + (f"; {len(arrivals)} suggested, waiting." if arrivals else ".")
    )
    return strip


def _clusters(placed: list[tuple[float, datetime]]) -> list[list[tuple[float, datetime]]]:
    """Runs of marks (sorted by x) each closer than CLUSTER_PX to the one before."""
    groups: list[list[tuple[float, datetime]]] = []
    for mark in placed:
        if groups and mark[0] - groups[-1][-1][0] < CLUSTER_PX:
            groups[-1].append(mark)
        else:
            groups.append([mark])
    return groups
