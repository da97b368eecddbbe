from django.shortcuts import get_object_or_404, render

from .models import Claim


def claim_list(request):
    claims = Claim.objects.filter(merged_into=None).order_by("-last_activity_at")[:50]
    return render(request, "claims/list.html", {"claims": claims})


def claim_detail(request, code):
    claim = get_object_or_404(Claim, code=code)
    return render(request, "claims/detail.html", {"claim": claim})
