import pytest

from claims import services
from publishing.services import claim_publish


@pytest.fixture
def decided(claim, editor):
    """The shared claim with a source and a verdict."""
    services.evidence_add(
        claim=claim,
        url="https://www.aa.com.tr/en/report",
        stance="supports",
        title="Defence chiefs may meet in Qingdao",
        quote="They may meet.",
        actor=editor,
    )
    claim.refresh_from_db()
    return services.verdict_set(
        claim=claim,
        status="denied",
        rationale="The Foreign Office said no meeting was planned.",
        expected_version=claim.version,
        actor=editor,
    )


@pytest.fixture
def published(decided, editor):
    return claim_publish(claim=decided, actor=editor)
