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


class Act(str):
    """A permission, as Django checks it, with the act it allows in words, for refusals.

    Several acts share one permission (importing and publishing are verdict-setting acts),
    so a refusal names the act that was refused, not every act of the permission."""

    words: str

    def __new__(cls, perm: str, words: str):
        act = super().__new__(cls, perm)
        act.words = words
        return act


VIEW_CLAIM = Act("claims.view_claim", "read claims")
ADD_CLAIM = Act("claims.add_claim", "log claims")
CHANGE_CLAIM = Act("claims.change_claim", "edit claims")
COMMENT = Act("claims.comment_claim", "comment on claims")
SET_VERDICT = Act("claims.set_verdict", "set verdicts")
MERGE_CLAIM = Act("claims.merge_claim", "merge duplicate claims")
# A claim with a timeline is never deleted: "delete" means withdraw (claims.claim_withdraw).
WITHDRAW_CLAIM = Act("claims.delete_claim", "withdraw claims")
ADD_EVIDENCE = Act("claims.add_evidence", "link sources to claims")
CHANGE_EVIDENCE = Act("claims.change_evidence", "change stances, quotes and notes")
REMOVE_EVIDENCE = Act("claims.delete_evidence", "remove evidence")
WATCH = Act("desk.add_watch", "watch claims and have alerts")
UNWATCH = Act("desk.delete_watch", "stop watching claims")
VIEW_SOURCE = Act("sources.view_source", "read sources")
ADD_SOURCE = Act("sources.add_source", "add sources")
REFRESH_SOURCE = Act("sources.change_source", "ask for a check of a source")
VIEW_OUTLET = Act("sources.view_outlet", "read outlets")
ADD_OUTLET = Act("sources.add_outlet", "add outlets")
GRADE_OUTLET = Act("sources.change_outlet", "grade outlets")
# Imports set verdicts, so they are an editor's act.
IMPORT = Act(SET_VERDICT, "import spreadsheets")
# Publishing a claim's public page (docs/public.md) vouches for its verdict: an editor's act.
PUBLISH = Act(SET_VERDICT, "publish claims")
# Rewording a decided claim changes what its verdict and ClaimReview speak of.
REWORD_DECIDED = Act(SET_VERDICT, "reword a claim that has a verdict")
# Reading a source through headless Chromium runs the outlet's scripts on our workers, costs
# a browser per check and widens what a page can make us request: an editor's call, like
# grading the outlet whose page it is (monitoring.services.source_render_set).
RENDER_SOURCE = Act(GRADE_OUTLET, "have a source read through a browser")
# Putting analysts and editors on a claim: whoever may edit claims.
ASSIGN = Act(CHANGE_CLAIM, "assign claims")
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

EDITORS_ONLY = {SET_VERDICT, MERGE_CLAIM, WITHDRAW_CLAIM, REMOVE_EVIDENCE, GRADE_OUTLET}


def refusal(perm: str) -> str:
    """Why a user is refused, in words: who may, and what to do."""
    what = getattr(perm, "words", "do this")
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
