"""The evidence bundle: one WACZ per claim that replays and verifies offline, holds a
capture of every source the claim cites (or says why not), and that outside tools accept
(py-wacz's `wacz validate`)."""

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
from sources.models import Capture

from ..sites import article

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checked_claim(claim, analyst, site, capture_dir):
    """A claim citing a source that was checked, changed, and checked again."""
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


def wacz_validate(path: Path) -> None:
    """py-wacz's validator (requirements.txt): manifest, frictionless data package, hashes."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation succeeded" in done.stdout


def read_bundle(path: Path) -> dict:
    with zipfile.ZipFile(path) as wacz:
        files = {name: wacz.read(name) for name in wacz.namelist()}
    warc = files["archive/data.warc.gz"]
    return {
        "files": files,
        "package": json.loads(files["datapackage.json"]),
        "pages": [json.loads(line) for line in files["pages/pages.jsonl"].splitlines()][1:],
        "records": [r.rec_type for r in ArchiveIterator(io.BytesIO(warc), check_digests="raise")],
    }


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


def test_it_verifies_offline_without_a_database_or_a_secret_key(
    analyst_client, checked_claim, tmp_path
):
    path = download(analyst_client, checked_claim, tmp_path)
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "CLAIMWATCH_VAR_DIR": str(tmp_path / "var"),
    }

    def run(*args):
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    done = run("verify_bundle", str(path))
    assert done.returncode == 0, done.stderr
    assert "Verified" in done.stdout
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x10
    path.write_bytes(bytes(data))
    done = run("verify_bundle", str(path))
    assert done.returncode == 1
    assert "Broken: " in done.stderr and "Traceback" not in done.stderr
    # Only that command starts without a key: the others still refuse to.
    done = run("check")
    assert done.returncode != 0 and "SECRET_KEY is not set" in done.stderr


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


def test_it_binds_the_first_capture_to_the_chain(analyst_client, checked_claim, tmp_path):
    # The first copy (a first fetch is no change) is named by the event that says the
    # stance is a judgement of it; a forger who swaps it and rewrites the index is caught.
    path = download(analyst_client, checked_claim, tmp_path)
    with zipfile.ZipFile(path) as wacz:
        events = [json.loads(line) for line in wacz.read("timeline/events.jsonl").splitlines()]
    judged = next(e for e in events if e["kind"] == "evidence_judged")
    first = judged["payload"]["judged_snapshot"]["capture"]

    def drop_first(data: bytes) -> bytes:
        rows = [line for line in data.splitlines() if first not in line.decode()]
        return b"".join(row + b"\n" for row in rows)

    rewrite(path, "timeline/captures.jsonl", drop_first)
    reseal(path)
    with pytest.raises(CommandError, match=rf"at event {judged['seq']}: capture {first} is not"):
        verify_bundle(path)


def test_it_bundles_one_capture_per_cited_source_fetched_once(
    analyst_client, claim, analyst, site, capture_dir, tmp_path
):
    headlines = ["Ministers to meet", "Talks set for Qingdao", "No meeting planned"]
    sources = []
    for n, headline in enumerate(headlines):
        url = site.set(f"/news/{n}", article(headline))
        stance = "denies" if n == 2 else "supports"
        sources.append(services.evidence_add(claim=claim, url=url, stance=stance, actor=analyst))
    check_batch([e.source.pk for e in sources])
    check_batch([e.source.pk for e in sources])  # unchanged: no capture more
    assert Capture.objects.count() == 3
    path = download(analyst_client, claim, tmp_path)
    wacz_validate(path)
    assert "3 capture(s)" in verify_bundle(path)
    bundle = read_bundle(path)
    assert bundle["records"].count("response") == 3
    # Replay tools list each page under the source's headline, not its address.
    assert sorted(p["title"] for p in bundle["pages"]) == sorted(headlines)
    cited = bundle["package"]["cited_sources"]
    assert [c["title"] for c in cited] == headlines
    assert [c["stance"] for c in cited] == ["supports", "supports", "denies"]
    assert all(c["capture"] and c["no_capture"] is None for c in cited)
    assert {c["capture"] for c in cited} == {p["id"] for p in bundle["pages"]}


def test_it_bundles_a_claim_with_no_captures_that_validates(
    analyst_client, claim, analyst, capture_dir, tmp_path
):
    path = download(analyst_client, claim, tmp_path)
    wacz_validate(path)
    assert "0 capture(s)" in verify_bundle(path)
    assert read_bundle(path)["package"]["cited_sources"] == []


def test_it_says_why_a_cited_source_has_no_capture(
    analyst_client, claim, analyst, site, capture_dir, tmp_path, settings
):
    settings.MONITOR_UNREACHABLE_AFTER = 1
    live = site.set("/news/live", article("Ministers to meet"))
    gone = site.set("/news/gone", "gone", status=404)
    down = site.set("/news/down", "down", status=503)
    linked = [
        services.evidence_add(claim=claim, url=url, stance="supports", actor=analyst)
        for url in (live, gone, down)
    ]
    never = services.evidence_add(
        claim=claim,
        url="https://example.org/later",
        title="Not read yet",
        stance="neutral",
        actor=analyst,
    )
    check_batch([e.source.pk for e in linked])
    path = download(analyst_client, claim, tmp_path)
    wacz_validate(path)
    verify_bundle(path)
    cited = {c["url"]: c for c in read_bundle(path)["package"]["cited_sources"]}
    assert cited[linked[0].source.url]["capture"]
    why = {url: (c["state"], c["no_capture"]) for url, c in cited.items() if not c["capture"]}
    assert why == {
        linked[1].source.url: ("gone", "gone"),
        linked[2].source.url: ("unreachable", "unreachable"),
        never.source.url: ("new", "not fetched yet"),
    }
    assert cited[never.source.url]["title"] == "Not read yet"


def corruptions(data: bytes):
    """Each bit flipped alone at every 97th byte, and truncations."""
    for at in range(0, len(data), 97):
        for bit in range(8):
            flipped = bytearray(data)
            flipped[at] ^= 1 << bit
            yield f"bit {bit} of byte {at}", bytes(flipped)
    for size in range(0, len(data), 389):
        yield f"truncated to {size} bytes", data[:size]


def test_it_answers_every_corrupted_bundle_with_broken_or_the_same_content(
    analyst_client, checked_claim, tmp_path
):
    path = download(analyst_client, checked_claim, tmp_path)
    original = path.read_bytes()
    contents = read_bundle(path)["files"]
    broken = tried = 0
    for what, data in corruptions(original):
        tried += 1
        path.write_bytes(data)
        try:
            verify_bundle(path)
        except CommandError as exc:
            assert str(exc).startswith("Broken: "), what
            broken += 1
        else:
            # Accepted: only bytes the ZIP does not check changed (times, attributes).
            assert read_bundle(path)["files"] == contents, what
    # Most of them break it; the rest hit bytes of the ZIP that nothing reads.
    assert broken >= 0.9 * tried, (broken, tried)


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
