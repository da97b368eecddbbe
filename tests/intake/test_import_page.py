import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Claim, Evidence

from . import spreadsheet_corpus as corpus

pytestmark = pytest.mark.django_db

CSV = (
    "Rumour,Ref,Rating,Link,Headline,Position\n"
    "Ministers will meet,r1,yes,https://dawn.com/a,Dawn,pro\n"
    "Ministers will meet,r1,yes,https://fo.gov.pk/b,FO,con\n"
)


def upload(client, data: str = CSV, name: str = "tracker.csv"):
    return client.post(
        reverse("intake:import"), {"file": SimpleUploadedFile(name, data.encode(), "text/csv")}
    )


def mapping(**extra) -> dict:
    return {
        "col_claim": "Rumour",
        "col_external_id": "Ref",
        "col_verdict": "Rating",
        "col_url": "Link",
        "col_title": "Headline",
        "col_stance": "Position",
        "verdicts": "yes = confirmed\nno = denied",
        "stances": "pro = supports\ncon = denies",
        **extra,
    }


def test_it_uploads_maps_previews_and_imports(editor_client, run_import_jobs):
    response = upload(editor_client)
    assert response.status_code == 302
    review_url = response["Location"]
    page = editor_client.get(review_url).content.decode()
    assert "tracker.csv" in page
    assert "2 rows" in page
    # Guessed from the header, and every verdict and stance value is listed to map.
    assert re.search(r'<option value="Rumour" selected>', page)
    verdicts = re.search(r'<textarea name="verdicts"[^>]*>(.*?)</textarea>', page, re.S)[1]
    assert verdicts.strip() == "yes ="
    stances = re.search(r'<textarea name="stances"[^>]*>(.*?)</textarea>', page, re.S)[1]
    assert stances.split() == ["pro", "=", "con", "="]

    # The preview is the worker's: the page says it waits for it, then shows its report.
    started = editor_client.post(review_url, mapping(action="preview"))
    assert started.status_code == 302
    waiting = editor_client.get(review_url).content.decode()
    assert "Waiting for the worker to take it." in waiting
    assert 'hx-trigger="every 1s"' in waiting
    assert 'value="import"' not in waiting
    assert run_import_jobs() == ["done"]
    preview = editor_client.get(review_url).content.decode()
    assert "Preview: nothing written yet" in preview
    assert "would create 1 claims" in preview
    assert 'value="import"' in preview
    assert 'hx-trigger="every 1s"' not in preview
    # The form keeps the mapping the preview ran with.
    assert "pro = supports" in preview
    assert not Claim.objects.exists()

    assert editor_client.post(review_url, mapping(action="import")).status_code == 302
    assert run_import_jobs() == ["done"]
    done = editor_client.get(review_url)
    assert done.status_code == 302 and done["Location"] == reverse("claims:list")
    listed = editor_client.get(done["Location"]).content.decode()
    assert "Imported tracker.csv: 2 rows: created 1 claims" in listed
    claim = Claim.objects.get(external_id="r1")
    assert claim.status == "confirmed"
    assert dict(Evidence.objects.values_list("source__url", "stance")) == {
        "https://dawn.com/a": "supports",
        "https://fo.gov.pk/b": "denies",
    }
    # The upload is used up.
    assert editor_client.get(review_url).status_code == 404


def test_it_shows_row_errors_and_imports_nothing(editor_client, run_import_jobs):
    review_url = upload(editor_client)["Location"]
    editor_client.post(review_url, mapping(stances="pro = supports", action="import"))
    assert run_import_jobs() == ["done"]
    page = editor_client.get(review_url).content.decode()
    assert "Errors: nothing was imported" in page
    assert "line 3: the stance &#x27;con&#x27; is not mapped" in page
    assert 'value="import"' not in page
    assert not Claim.objects.exists()


def test_it_refuses_a_bad_value_mapping(editor_client):
    review_url = upload(editor_client)["Location"]
    response = editor_client.post(review_url, mapping(verdicts="yes = true", action="preview"))
    assert response.status_code == 422
    assert "is not one of" in response.content.decode()


def test_it_refuses_a_file_that_is_not_csv_text(editor_client):
    response = editor_client.post(
        reverse("intake:import"),
        {"file": SimpleUploadedFile("x.csv", b"claim\n\x93Caf\xe9\x94 will close\n")},
    )
    assert response.status_code == 422
    assert "not UTF-8" in response.content.decode()
    assert "cp1252" in response.content.decode()


def test_it_reads_a_cp1252_file_when_told_its_encoding(editor_client):
    response = editor_client.post(
        reverse("intake:import"),
        {
            "file": SimpleUploadedFile("x.csv", b"claim\n\x93Caf\xe9\x94 will close\n"),
            "encoding": "cp1252",
        },
    )
    review = editor_client.get(response["Location"])
    assert "Read as: CSV, cp1252 (given)" in review.content.decode()
    assert "\u201cCafé\u201d will close" in review.content.decode()


@pytest.mark.parametrize("encoding", ["rot13", "zlib_codec", "base64"])
def test_it_refuses_a_codec_that_is_no_text_encoding(editor_client, encoding):
    response = editor_client.post(
        reverse("intake:import"),
        {"file": SimpleUploadedFile("x.csv", b"claim,url\nx,y\n"), "encoding": encoding},
    )
    assert response.status_code == 422
    assert f"&#x27;{encoding}&#x27; is not a text encoding" in response.content.decode()


def test_it_says_so_when_the_file_has_a_header_and_no_rows(editor_client):
    response = editor_client.post(
        reverse("intake:import"), {"file": SimpleUploadedFile("x.csv", b"claim,url\n")}
    )
    assert response.status_code == 422
    assert "no rows" in response.content.decode()


def test_it_lets_only_editors_import(analyst_client, client, outsider):
    assert analyst_client.get(reverse("intake:import")).status_code == 403
    assert upload(analyst_client).status_code == 403
    client.force_login(outsider)
    assert upload(client).status_code == 403


def test_it_keeps_an_upload_to_its_uploader(editor_client, client, make_user):
    review_url = upload(editor_client)["Location"]
    client.force_login(make_user("edna", "Editors"))
    assert client.get(review_url).status_code == 404
    assert client.post(review_url, mapping(action="import")).status_code == 404
    assert not Claim.objects.exists()


def test_it_forgets_uploads_nobody_imported_within_a_day(editor_client):
    import os
    import time

    from intake.jobs import IMPORT_DIR

    first = upload(editor_client)["Location"]
    old = IMPORT_DIR / (first.rstrip("/").rsplit("/", 1)[1] + ".upload")
    a_day_ago = time.time() - 25 * 3600
    os.utime(old, (a_day_ago, a_day_ago))
    upload(editor_client)
    assert not old.exists()
    assert editor_client.get(first).status_code == 404


def test_it_reads_a_workbooks_named_sheet_and_maps_its_columns(editor_client, run_import_jobs):
    ods = SimpleUploadedFile("tracker.ods", corpus.libreoffice_ods())
    response = editor_client.post(reverse("intake:import"), {"file": ods})
    assert response.status_code == 422
    assert "The workbook&#x27;s sheets: Read me, Claims" in response.content.decode()

    ods.seek(0)
    response = editor_client.post(reverse("intake:import"), {"file": ods, "sheet": "Claims"})
    review_url = response["Location"]
    page = editor_client.get(review_url).content.decode()
    assert "Read as: ods workbook, sheet &#x27;Claims&#x27; (given of 2)" in page
    assert '<time datetime="2025-06-24T00:00:00+00:00">' in page  # date cells need no format
    form = {
        "col_claim": "Claim",
        "col_external_id": "Claim ID",
        "col_claimant": "Claimed by",
        "col_verdict": "Verdict",
        "col_url": "Article URL",
        "col_title": "Headline",
        "col_stance": "Stance",
        "col_date": "Published",
        "verdicts": "unknown = unverified\nfalse = denied\ntrue = confirmed",
        "stances": "for = supports\nagainst = denies",
        "action": "import",
    }
    assert editor_client.post(review_url, form).status_code == 302
    assert run_import_jobs() == ["done"]
    assert sorted(Claim.objects.values_list("claimant", flat=True)) == [
        "",
        "Le Matin",
        "Turkish media",
    ]
    assert Evidence.objects.count() == 4


def test_it_refuses_a_date_format_it_cannot_use_and_keeps_the_mapping(editor_client):
    review_url = upload(editor_client)["Location"]
    response = editor_client.post(review_url, mapping(date_format="%H:%M", action="preview"))
    assert response.status_code == 422
    assert "needs a day, a month and a year" in response.content.decode()
    assert not Claim.objects.exists()


def test_it_names_the_pages_own_date_format_field_not_the_commands_option(
    editor_client, run_import_jobs
):
    response = editor_client.post(
        reverse("intake:import"),
        {"file": SimpleUploadedFile("export.csv", corpus.google_sheets_csv())},
    )
    review_url = response["Location"]
    form = {
        "col_claim": "Claim",
        "col_url": "Article URL",
        "col_stance": "Stance",
        "col_date": "Published",
        "stances": "for = supports\nagainst = denies\nobserving = neutral",
        "action": "preview",
    }
    assert editor_client.post(review_url, form).status_code == 302
    assert run_import_jobs() == ["done"]
    page = editor_client.get(review_url).content.decode()
    assert "every value reads as %m/%d/%y: type %m/%d/%y in the Date format field" in page
    assert (
        "or ignore the column: choose &quot;(none)&quot; for &quot;When the source appeared" in page
    )
    assert "--date-format" not in page and "--map" not in page
