"""Who may do what: every permission Claimwatch checks, named once, and the one gate.

Services call `require(actor, PERM)` before they change anything, so the web pages, the API,
the admin and the import are refused alike. Views that must refuse before they parse any
input (a form's 422 must not tell an analyst more than a 403) declare it with
`@required(PERM)`; the API's views with `write_perms`. Both use `require`.

The two roles are Django groups made by migration claims/0002_groups: analysts log claims,
link sources and comment; editors also set verdicts, merge duplicates, withdraw claims, remove
evidence, grade outlets and import spreadsheets (withdrawing: migration claims/0009).
"""

from functools import wraps

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

VIEW_CLAIM = "claims.view_claim"
ADD_CLAIM = "claims.add_claim"
CHANGE_CLAIM = "claims.change_claim"
COMMENT = "claims.comment_claim"
SET_VERDICT = "claims.set_verdict"
MERGE_CLAIM = "claims.merge_claim"
# A claim with a timeline is never deleted: "delete" means withdraw (claims.claim_withdraw).
WITHDRAW_CLAIM = "claims.delete_claim"
ADD_EVIDENCE = "claims.add_evidence"
CHANGE_EVIDENCE = "claims.change_evidence"
REMOVE_EVIDENCE = "claims.delete_evidence"
WATCH = "desk.add_watch"
UNWATCH = "desk.delete_watch"
VIEW_SOURCE = "sources.view_source"
ADD_SOURCE = "sources.add_source"
REFRESH_SOURCE = "sources.change_source"
VIEW_OUTLET = "sources.view_outlet"
ADD_OUTLET = "sources.add_outlet"
GRADE_OUTLET = "sources.change_outlet"
# Imports set verdicts, so they are an editor's act.
IMPORT = SET_VERDICT
# Publishing a claim's public page (docs/public.md) vouches for its verdict: an editor's act.
PUBLISH = SET_VERDICT
# Putting analysts and editors on a claim: whoever may edit claims.
ASSIGN = CHANGE_CLAIM
# Who can be put on a claim: the analysts and editors (both log claims).
ASSIGNABLE = ADD_CLAIM

# The two roles as they are today: the groups made by migrations claims/0002 and 0009 (whose
# permissions moved with their models since, e.g. watches to the desk in desk/0001).
ANALYSTS = [
    VIEW_CLAIM,
    ADD_CLAIM,
    CHANGE_CLAIM,
    COMMENT,
    "claims.view_evidence",
    ADD_EVIDENCE,
    CHANGE_EVIDENCE,
    "claims.view_claimevent",
    WATCH,
    UNWATCH,
    VIEW_SOURCE,
    ADD_SOURCE,
    REFRESH_SOURCE,
    VIEW_OUTLET,
    ADD_OUTLET,
    "sources.view_snapshot",
    "sources.view_checkattempt",
]
EDITORS = [*ANALYSTS, SET_VERDICT, MERGE_CLAIM, REMOVE_EVIDENCE, GRADE_OUTLET, WITHDRAW_CLAIM]
ROLES = {"Analysts": ANALYSTS, "Editors": EDITORS}

EDITORS_ONLY = {SET_VERDICT, MERGE_CLAIM, REMOVE_EVIDENCE, GRADE_OUTLET}
# What each permission lets one do, for the message of a refusal (the 403 page says it).
ALLOWS = {
    VIEW_CLAIM: "read claims",
    ADD_CLAIM: "log claims",
    CHANGE_CLAIM: "edit claims",
    COMMENT: "comment on claims",
    SET_VERDICT: "set verdicts, publish claims and import spreadsheets",
    MERGE_CLAIM: "merge duplicate claims",
    ADD_EVIDENCE: "link sources to claims",
    CHANGE_EVIDENCE: "change stances, quotes and notes",
    REMOVE_EVIDENCE: "remove evidence",
    WATCH: "watch claims",
    UNWATCH: "stop watching claims",
    VIEW_SOURCE: "read sources",
    ADD_SOURCE: "add sources",
    REFRESH_SOURCE: "ask for a check of a source",
    VIEW_OUTLET: "read outlets",
    ADD_OUTLET: "add outlets",
    GRADE_OUTLET: "grade outlets",
}


def refusal(perm: str) -> str:
    """Why a user is refused, in words: who may, and what to do."""
    what = ALLOWS.get(perm, "do this")
    if perm in EDITORS_ONLY:
        return f"Only editors can {what}. Ask an editor on your desk."
    return (
        f"Your account cannot {what}: it is in neither the Analysts nor the Editors group. "
        "Ask an administrator to add you to one."
    )


def require(actor: AbstractBaseUser | None, *perms: str) -> None:
    """Refuse a user without every one of `perms`; None is the system (tasks, imports,
    the demo), which may."""
    if actor is None:
        return
    for perm in perms:
        if not actor.has_perm(perm):
            raise PermissionDenied(refusal(perm))


def required(*perms: str):
    """A view decorator: 403 (through `require`) before the view reads any input."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require(request.user, *perms)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
