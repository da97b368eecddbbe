"""What every signed-in page shows in its header: how many claims are assigned to you."""

from django.utils.functional import SimpleLazyObject

from . import selectors


def desk(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: counted only when a template shows it (pages without the header never ask).
    return {"my_claims_count": SimpleLazyObject(lambda: selectors.my_claims_count(user))}
