import io

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim

pytestmark = pytest.mark.django_db

CSV = (
    "Rumour;Link;Position;Rating\n"
    "The bridge will reopen;https://dawn.com/a;pro;yes\n"
    "The bridge will reopen;dawn.com/b;con;yes\n"
)


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "tracker.csv"
    path.write_text(CSV)
    return path


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_claims", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


MAPPING = [
    "--map",
    "url=Link",
    "--map",
    "stance=Position",
    "--map",
    "claim=Rumour",
    "--stance",
    "pro=supports",
    "--stance",
    "con=denies",
    "--verdict",
    "yes=confirmed",
]


def test_it_imports_with_mappings_from_the_command_line(csv_file):
    out, _ = run(csv_file, *MAPPING)
    assert "Columns: claim=Rumour" in out
    assert "warning: line 3: the URL has no scheme" in out
    assert "created 1 claims" in out
    assert "Imported." in out
    claim = Claim.objects.get()
    assert claim.status == "confirmed"
    assert claim.evidence.count() == 2


def test_it_writes_nothing_on_a_dry_run(csv_file):
    out, _ = run(csv_file, *MAPPING, "--dry-run")
    assert "would create 1 claims" in out
    assert "Dry run: nothing was written." in out
    assert not Claim.objects.exists()


def test_it_fails_with_the_errors_and_writes_nothing(csv_file):
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(csv_file, "--map", "url=Link", "--map", "stance=Position", "--map", "claim=Rumour")
    assert not Claim.objects.exists()


def test_it_refuses_bad_arguments(csv_file, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="NAME=VALUE"):
        run(csv_file, "--map", "nonsense")
    with pytest.raises(CommandError, match="No user named"):
        run(csv_file, "--as", "nobody")
    with pytest.raises(CommandError, match="no column 'Nope'"):
        run(csv_file, "--map", "claim=Nope")
    with pytest.raises(CommandError, match="'zlib_codec' is not a text encoding"):
        run(csv_file, "--encoding", "zlib_codec")


def test_it_imports_as_a_user(csv_file, analyst):
    run(csv_file, *MAPPING, "--as", analyst.username)
    claim = Claim.objects.get()
    assert claim.created_by == analyst
    assert claim.verdict_by is None
