"""Every write to claims, evidence, verdicts, origins and the timeline, by entity.

Import them from here (`from claims import services`; `services.verdict_set(...)`): one
path per write, whichever module holds it. Each service takes keyword arguments, checks
the actor's permission (``actor=None`` is the system: tasks and imports), validates, and
writes its change together with its ``ClaimEvent`` in one transaction. Bad input raises
``ValidationError`` and writes nothing.

- `claims.py`: log, edit, merge and withdraw claims
- `verdicts.py`: the verdict
- `evidence.py`: link, change, review and remove sources of a claim
- `origins.py`: group a claim's sources by the report they repeat; split and join by hand
- `timeline.py`: the one writer of `ClaimEvent`s (the hash chain), source events, comments;
  `event_append` is how the apps above the core (publishing, the desk) write theirs
- `counts.py`, `text.py`: the stored evidence counts; typed text checked against its limit
"""

from .claims import (
    VersionConflict,
    claim_create,
    claim_merge,
    claim_must_be_live,
    claim_update,
    claim_withdraw,
)
from .counts import claims_recount
from .evidence import (
    EvidenceLink,
    evidence_add,
    evidence_add_many,
    evidence_judge_pending,
    evidence_mark_reviewed,
    evidence_remove,
    evidence_update,
)
from .origins import (
    origin_join,
    origin_split,
    origins_regroup,
    origins_regroup_claims,
    origins_update_for_source,
    origins_update_for_sources,
)
from .text import text_clean
from .timeline import (
    comment_add,
    event_append,
    payload_value,
    source_event_record,
    source_events_record,
)
from .verdicts import RATIONALE_MISSING, verdict_set

__all__ = [
    "RATIONALE_MISSING",
    "EvidenceLink",
    "VersionConflict",
    "claim_create",
    "claim_merge",
    "claim_must_be_live",
    "claim_update",
    "claim_withdraw",
    "claims_recount",
    "comment_add",
    "event_append",
    "evidence_add",
    "evidence_add_many",
    "evidence_judge_pending",
    "evidence_mark_reviewed",
    "evidence_remove",
    "evidence_update",
    "origin_join",
    "origin_split",
    "origins_regroup",
    "origins_regroup_claims",
    "origins_update_for_source",
    "origins_update_for_sources",
    "payload_value",
    "source_event_record",
    "source_events_record",
    "text_clean",
    "verdict_set",
]
