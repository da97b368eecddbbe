"""manage.py match_articles FILE.jsonl [--top K]: one JSON line per input line, in order."""

import json

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, ClaimEvent
from discovery.models import Article, Suggestion

pytestmark = pytest.mark.django_db


def run(tmp_path, capsys, lines: list[str], *args) -> list[dict]:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("match_articles", str(path), *args)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_it_writes_matches_in_the_input_order_and_nothing_to_the_database(
    meeting, tmp_path, capsys
):
    lines = [
        json.dumps(
            {
                "url": "https://a.example/1",
                "title": "Pakistan denies reports of Asif-Singh meeting in Qingdao",
            }
        ),
        json.dumps(
            {"url": "https://a.example/2", "title": "Monsoon reaches Delhi", "text": "Rain."}
        ),
    ]
    events = ClaimEvent.objects.count()
    out = run(tmp_path, capsys, lines)
    assert [o["url"] for o in out] == ["https://a.example/1", "https://a.example/2"]
    (match,) = out[0]["matches"]
    assert match["claim"] == str(meeting.code) and match["statement"] == meeting.statement
    assert 0 < match["score"] <= 1 and match["stance"] == "denies"
    assert 0 < match["stance_confidence"] <= 1
    assert out[1]["matches"] == []
    assert ClaimEvent.objects.count() == events
    assert not Article.objects.exists() and not Suggestion.objects.exists()


def test_it_keeps_at_most_top_k_best_first(analyst, tmp_path, capsys):
    from claims import services

    for n in range(5):
        services.claim_create(
            statement=f"Asif and Singh will meet in Qingdao, day {n}", actor=analyst
        )
    out = run(
        tmp_path,
        capsys,
        [json.dumps({"url": None, "title": "Asif and Singh meet in Qingdao"})],
        "--top",
        "2",
    )
    scores = [m["score"] for m in out[0]["matches"]]
    assert len(scores) == 2 and scores == sorted(scores, reverse=True)
    assert Claim.objects.count() == 5


def test_it_names_bad_lines_keeps_their_place_and_fails_at_the_end(meeting, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text('{"title": "Asif in Qingdao"}\nnot json\n[1]\n{"url": "x"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="3 line"):
        call_command("match_articles", str(path))
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert "matches" in out[0]
    assert [o.get("line") for o in out[1:]] == [2, 3, 4]
    assert 'needs a "title"' in out[3]["error"]
    assert "line 2: not a JSON object" in captured.err


def test_it_bounds_its_input(meeting, tmp_path, capsys, settings):
    settings.DISCOVERY_MATCH_MAX_LINES = 2
    path = tmp_path / "in.jsonl"
    path.write_text('{"title": "a b c"}\n' * 3, encoding="utf-8")
    with pytest.raises(CommandError, match="More than 2 lines"):
        call_command("match_articles", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("match_articles", str(tmp_path / "missing.jsonl"))
