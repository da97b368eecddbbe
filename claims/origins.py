"""How many independent origins stand behind a claim: its evidence grouped by report.

Pure: the services load a claim's evidence with its sources' fingerprints
(sources.origins) and the near-duplicate pairs (sources.selectors.near_duplicates), call
`group`, and write the result (claims.services.origins_regroup). Steps of `group`:

1. Every unpinned piece of evidence is a node; evidence an analyst placed (split or
   joined) keeps its origin and takes no part.
2. Edges, each with the reason the citing side gives:
   - near-duplicate text (estimated Jaccard similarity of 4-word shingles >= 0.5);
   - a canonical or syndication URL naming another cited source, or the same canonical
     URL as another source (two syndicated copies of one original);
   - a link to another cited source of the same stance;
   - attribution: "according to Anadolu Agency", "TRT World reported", "citing AFP":
     to the claim's sources from that outlet (same stance), or, when the claim cites no
     source of it, to a node for the wire agency named (Reuters, AFP, Anadolu ...).
3. Connected components are origins. Each is keyed by what it formed around: the
   agency or canonical URL when there is one, else its first report (the source the
   others cite, else the earliest published or linked).
4. Evidence whose source was never checked has no fingerprint: an origin of its own.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sources.origins import name_key, wire_name


@dataclass
class Member:
    """One piece of a claim's evidence, as the grouping sees it."""

    evidence_id: int
    source_id: int
    url: str
    stance: str
    label: str  # outlet name, else title, else URL
    at: datetime  # published, else linked
    outlet_id: int | None = None
    outlet_keys: tuple[str, ...] = ()  # the outlet's name and domain label, as name_key
    checked: bool = False  # has a fingerprint
    names: tuple[str, ...] = ()
    canonical: str = ""
    links: tuple[str, ...] = ()


@dataclass
class Group:
    key: str
    label: str
    reasons: dict[int, str] = field(default_factory=dict)  # evidence id -> reason


def outlet_keys(name: str, domain: str) -> tuple[str, ...]:
    """The names an outlet is cited by: its name, and its domain's first label when that
    is a word ("reuters" of reuters.com), never a two-letter one ("aa")."""
    keys = [name_key(name)] if name else []
    label = (domain or "").removeprefix("www.").split(".")[0]
    if len(label) >= 4 and label not in keys:
        keys.append(label)
    return tuple(k for k in keys if k)


def _names_outlet(name: str, keys: tuple[str, ...]) -> bool:
    """Whether a cited name means the outlet: equal, or one the start of the other
    ("anadolu" cites "anadolu agency")."""
    for key in keys:
        if name == key:
            return True
        shorter, longer = sorted((name, key), key=len)
        if len(shorter) >= 4 and longer.startswith(shorter + " "):
            return True
    return False


class _Union:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def group(members: list[Member], near: dict[tuple[int, int], float]) -> list[Group]:
    """The origins of these (unpinned) members; `near` is near-duplicate source pairs
    (a < b) with their similarity."""
    union = _Union()
    by_id = {m.evidence_id: m for m in members}
    by_source = {m.source_id: m for m in members}
    by_url: dict[str, list[Member]] = defaultdict(list)
    for m in members:
        union.find(m.evidence_id)
        by_url[m.url].append(m)
    cites: dict[int, list[tuple[str, int | str]]] = defaultdict(list)  # citing -> (why, whom)
    cited: set[int] = set()
    similar: dict[int, list[tuple[float, int]]] = defaultdict(list)
    virtual_labels: dict[str, str] = {}

    for (a, b), score in near.items():
        ma, mb = by_source.get(a), by_source.get(b)
        if ma is None or mb is None:
            continue
        union.join(ma.evidence_id, mb.evidence_id)
        similar[ma.evidence_id].append((score, mb.evidence_id))
        similar[mb.evidence_id].append((score, ma.evidence_id))

    for m in members:
        if not m.checked:
            continue
        if m.canonical:
            for other in by_url.get(m.canonical, ()):
                if other is not m:
                    union.join(m.evidence_id, other.evidence_id)
                    cites[m.evidence_id].append(("its canonical link is", other.evidence_id))
                    cited.add(other.evidence_id)
            if m.canonical not in by_url and _host(m.canonical) != _host(m.url):
                # Syndicated from another site: copies naming one original are one origin.
                # (A canonical on the page's own site is the same article, not a source.)
                node = f"url:{m.canonical}"
                virtual_labels[node] = m.canonical
                union.join(node, m.evidence_id)
                cites[m.evidence_id].append(("its canonical link is", m.canonical))
        for link in m.links:
            for other in by_url.get(link, ()):
                if other is not m and other.stance == m.stance:
                    union.join(m.evidence_id, other.evidence_id)
                    cites[m.evidence_id].append(("links to", other.evidence_id))
                    cited.add(other.evidence_id)
        for name in m.names:
            wire = wire_name(name)
            spellings = {name, name_key(wire)} - {""}
            if any(_names_outlet(n, m.outlet_keys) for n in spellings):
                continue  # an outlet naming itself
            named = [
                o
                for o in members
                if o is not m
                and o.stance == m.stance
                and o.outlet_id != m.outlet_id
                and any(_names_outlet(n, o.outlet_keys) for n in spellings)
            ]
            for other in named:
                union.join(m.evidence_id, other.evidence_id)
                cites[m.evidence_id].append(("says it reports", other.evidence_id))
                cited.add(other.evidence_id)
            if not named and wire:
                node = f"name:{name_key(wire)}|{m.stance}"
                virtual_labels[node] = wire
                union.join(node, m.evidence_id)
                cites[m.evidence_id].append(("says it reports", wire))

    components: dict = defaultdict(list)
    for node in list(union.parent):
        components[union.find(node)].append(node)
    groups = []
    for nodes in components.values():
        ids = sorted((n for n in nodes if isinstance(n, int)), key=lambda i: _when(by_id[i]))
        if not ids:
            continue
        virtual = sorted(n for n in nodes if isinstance(n, str))
        root = next((i for i in ids if i in cited and not cites.get(i)), None)
        root = root or next((i for i in ids if i in cited), None) or ids[0]
        if virtual and not any(i in cited for i in ids):
            key = virtual[0]
            label = virtual_labels[key]
        else:
            key, label = f"ev:{root}", by_id[root].label
        reasons = {}
        for i in ids:
            reasons[i] = _reason(by_id[i], root, by_id, cites, similar, virtual, len(ids))
        groups.append(Group(key=key, label=label[:300], reasons=reasons))
    return sorted(groups, key=lambda g: min(_when(by_id[i]) for i in g.reasons))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _when(m: Member):
    return (m.at, m.evidence_id)


def _reason(m: Member, root: int, by_id, cites, similar, virtual, size: int) -> str:
    """Why a member is in its origin, in words."""
    if not m.checked:
        return "not checked yet: an origin of its own until its first snapshot"
    own = cites.get(m.evidence_id)
    if own:
        why, whom = own[0]
        name = by_id[whom].label if isinstance(whom, int) else whom
        return f"{why} {name}"
    if similar.get(m.evidence_id) and (m.evidence_id != root or virtual):
        score, other = max(similar[m.evidence_id])
        return f"near-duplicate text of {by_id[other].label} ({score:.0%} shared)"
    if size == 1 and not virtual:
        return "independent: no copy or attribution found"
    if m.evidence_id == root and not virtual:
        return "first report of this origin"
    return "grouped with the others of this origin"
