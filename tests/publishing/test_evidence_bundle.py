"""The evidence bundle: one WACZ per claim that replays and verifies offline."""

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from warcio.archiveiterator import ArchiveIterator

from claims import services
from monitoring.checks import check_batch

from ..sites import article

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checked_claim(claim, analyst, site, tmp_path, settings):
    """A claim citing a source that was checked, changed, and checked again."""
    settings.STORAGES = {
        **settings.STORAGES,
        "captures": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "captures")},
        },
    }
    url = site.set("/news/1", article("Ministers to meet"))
    evidence = services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
    check_batch([evidence.source.pk])
    site.set("/news/1", article("Ministers will not meet", "The meeting was called off."))
    check_batch([evidence.source.pk])
    claim.refresh_from_db()
    return claim


def download(client, claim, tmp_path) -> Path:
    response = client.get(reverse("publishing:evidence_bundle", args=[claim.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'claim-{claim.code}.wacz"')
    path = tmp_path / "bundle.wacz"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def verify_bundle(path) -> str:
    out = io.StringIO()
    call_command("verify_bundle", str(path), stdout=out)
    return out.getvalue()


def rewrite(path: Path, name: str, change) -> None:
    """Change one file inside the bundle, keeping the others as they are."""
    with zipfile.ZipFile(path) as wacz:
        files = {n: wacz.read(n) for n in wacz.namelist()}
    files[name] = change(files[name])
    with zipfile.ZipFile(path, "w") as wacz:
        for n, data in files.items():
            wacz.writestr(n, data)


def test_it_downloads_a_bundle_that_verifies_and_replays(analyst_client, checked_claim, tmp_path):
    path = download(analyst_client, checked_claim, tmp_path)
    assert "Verified: 1 chain(s)" in verify_bundle(path)
    with zipfile.ZipFile(path) as wacz:
        names = set(wacz.namelist())
        assert {
            "archive/data.warc.gz",
            "indexes/index.cdx",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json",
            "timeline/events.jsonl",
        } <= names
        assert wacz.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        warc = wacz.read("archive/data.warc.gz")
        index = wacz.read("indexes/index.cdx").decode()
        events = [json.loads(line) for line in wacz.read("timeline/events.jsonl").splitlines()]
    records = list(ArchiveIterator(io.BytesIO(warc), check_digests="raise"))
    assert [r.rec_type for r in records].count("response") == 2
    assert "/news/1" in index and '"status": "200"' in index
    assert [e["seq"] for e in events] == list(range(1, checked_claim.timeline_length + 1))
    assert events[-1]["hash"] == checked_claim.timeline_head
    changed = next(e for e in events if e["kind"].startswith("source_"))
    assert changed["payload"]["capture"]


def test_it_verifies_offline_without_a_database(analyst_client, checked_claim, tmp_path):
    path = download(analyst_client, checked_claim, tmp_path)
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "verify_bundle", str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Verified" in done.stdout


def test_it_names_the_first_break_of_an_altered_bundle(analyst_client, checked_claim, tmp_path):
    path = download(analyst_client, checked_claim, tmp_path)

    def forge_event(data: bytes) -> bytes:
        lines = data.splitlines()
        first = json.loads(lines[0])
        first["payload"]["statement"] = "Something else entirely."
        lines[0] = json.dumps(first).encode()
        return b"\n".join(lines) + b"\n"

    rewrite(path, "timeline/events.jsonl", forge_event)
    with pytest.raises(CommandError, match="timeline/events.jsonl does not match its hash"):
        verify_bundle(path)
    # Whoever also rewrites the manifests is still caught by the hash chain.
    reseal(path)
    with pytest.raises(CommandError, match="at event 1: its content does not match its hash"):
        verify_bundle(path)


def reseal(path: Path) -> None:
    """Recompute datapackage.json and its digest, as a careful forger would."""
    with zipfile.ZipFile(path) as wacz:
        files = {n: wacz.read(n) for n in wacz.namelist()}
    package = json.loads(files["datapackage.json"])
    for res in package["resources"]:
        res["hash"] = "sha256:" + hashlib.sha256(files[res["path"]]).hexdigest()
        res["bytes"] = len(files[res["path"]])
    files["datapackage.json"] = json.dumps(package).encode()
    digest = hashlib.sha256(files["datapackage.json"]).hexdigest()
    files["datapackage-digest.json"] = json.dumps(
        {"path": "datapackage.json", "hash": f"sha256:{digest}"}
    ).encode()
    with zipfile.ZipFile(path, "w") as wacz:
        for n, data in files.items():
            wacz.writestr(n, data)


def test_it_detects_an_altered_capture_in_the_bundle(analyst_client, checked_claim, tmp_path):
    path = download(analyst_client, checked_claim, tmp_path)
    rewrite(path, "archive/data.warc.gz", lambda data: data[:-10] + b"\0" * 10)
    with pytest.raises(CommandError, match="archive/data.warc.gz does not match its hash"):
        verify_bundle(path)
    reseal(path)
    with pytest.raises(CommandError, match=r"capture [0-9a-f]{64} does not match its hash"):
        verify_bundle(path)


def test_it_refuses_outsiders(client, outsider, claim):
    client.force_login(outsider)
    assert client.get(reverse("publishing:evidence_bundle", args=[claim.code])).status_code == 403


def test_it_sends_the_bundle_to_an_api_token_as_exports_do(client, analyst, outsider, claim):
    """Scripts that fetch exports and feeds with a token fetch the bundle the same way."""
    url = reverse("publishing:evidence_bundle", args=[claim.code])
    refused = client.get(url)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Token realm="Claimwatch"'
    token = Token.objects.create(user=analyst)
    response = client.get(url, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/wacz"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    outsider_token = Token.objects.create(user=outsider)
    headers = {"Authorization": f"Token {outsider_token.key}"}
    assert client.get(url, headers=headers).status_code == 403
