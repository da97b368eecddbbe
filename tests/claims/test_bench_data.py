"""manage.py bench_data builds its data set (issue 20, item 17: a new column broke COPY)."""

import pytest
from django.core.management import call_command

from claims.models import Claim, ClaimEvent, Evidence
from sources.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_builds_a_small_data_set_whatever_columns_were_added(analyst, capsys):
    call_command("bench_data", "--claims", "20")
    assert Claim.objects.count() == 20
    assert Source.objects.count() == 60
    assert Evidence.objects.count() == 200
    assert ClaimEvent.objects.filter(claim__pk=1).count() == 30
    assert not Evidence.objects.filter(quote_internal=True).exists()
    assert '"claims": 20' in capsys.readouterr().out
