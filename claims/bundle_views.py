"""/claims/<code>/evidence.wacz: the claim's evidence bundle (claims.bundle)."""

import tempfile

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse
from django.views.decorators.http import require_GET

from claimwatch import perms

from . import bundle, selectors


@permission_required(perms.VIEW_CLAIM, raise_exception=True)
@require_GET
def evidence_bundle(request, code):
    claim = selectors.claim_or_404(code)
    if claim.merged_into_id:
        claim = claim.merged_into  # its bundle holds the duplicate's record too
    # Spooled: a small bundle stays in memory, a large one goes to a temporary file,
    # which FileResponse closes once sent.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    bundle.build(claim, out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"claim-{claim.code}.wacz",
        content_type="application/wacz",
    )
