"""The captivity flag end to end: crawl, classify, extract --json and reflag, as users run them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from typing import Any

from storage.db import Archive, ArticleRow
from tests import texts
from tests.conftest import NEWSMON, Newsmon
from tests.pages import article_html, rss2

GENERATOR_TERM = '[topics.captivity.uk.terms.civilian_hostage]\n"генератор" = 1.0\n'
WATCHLIST = f'[watchlist]\npeople = ["{texts.WATCHED}"]\n'

ARTICLES = {
    "pow-uk": (texts.POW_UK_TITLE, texts.POW_UK, "uk"),
    "pow-ru": (texts.POW_RU_TITLE, texts.POW_RU, "ru"),
    "budget-uk": (texts.BUDGET_UK_TITLE, texts.BUDGET_UK, "uk"),
    "generator-uk": (texts.GENERATOR_UK_TITLE, texts.GENERATOR_UK, "uk"),
    "volunteer-uk": (texts.VOLUNTEER_UK_TITLE, texts.VOLUNTEER_UK, "uk"),
}


def _publish(newsmon: Newsmon, *names: str, extra_config: str = "") -> None:
    site = newsmon.site
    for name in names:
        title, paragraphs, lang = ARTICLES[name]
        site.add(f"/news/{name}.html", article_html(title, paragraphs, lang=lang))
    site.add("/rss.xml", rss2([site.url(f"/news/{n}.html") for n in names]))
    _configure(newsmon, extra_config)


def _configure(newsmon: Newsmon, extra_config: str) -> None:
    source = (
        f'[[sources]]\nname = "test-uk"\nlanguage = "uk"\n'
        f'feeds = ["{newsmon.site.url("/rss.xml")}"]\n'
    )
    newsmon.configure(extra_config + source)


def _verdicts(newsmon: Newsmon) -> dict[str, dict[str, Any]]:
    """Verdict rows by article URL slug, JSON columns decoded."""
    rows = newsmon.rows(
        "select a.url, a.title, a.text, a.fetched, v.* from articles a"
        " join verdicts v on v.article_id = a.id order by a.id"
    )
    out = {}
    for row in rows:
        for key in ("categories", "evidence", "watchlist"):
            row[key] = json.loads(row[key])
        out[row["url"].rsplit("/", 1)[1].removesuffix(".html")] = row
    return out


def _flags(newsmon: Newsmon) -> dict[str, int]:
    return {name: row["flag"] for name, row in _verdicts(newsmon).items()}


# --- the crawl ------------------------------------------------------------------------------


def test_a_crawl_stores_a_verdict_with_evidence_for_every_article(newsmon: Newsmon):
    _publish(newsmon, *ARTICLES, extra_config=WATCHLIST)

    result = newsmon.run("crawl")

    assert result.returncode == 0, result.stderr
    verdicts = _verdicts(newsmon)
    assert set(verdicts) == set(ARTICLES), "every article has its verdict"
    assert newsmon.rows("select count(*) as n from verdicts") == [{"n": len(ARTICLES)}]
    assert {name: v["flag"] for name, v in verdicts.items()} == {
        "pow-uk": 1,
        "pow-ru": 1,
        "budget-uk": 0,
        "generator-uk": 0,
        "volunteer-uk": 1,
    }
    for name in ("pow-uk", "pow-ru"):
        row = verdicts[name]
        assert row["topic"] == "captivity" and row["score"] >= 0.5
        assert "pow" in row["categories"] and row["watchlist"] == []
        for match in row["evidence"]:
            field = row["title"] if match["field"] == "title" else row["text"]
            assert field[match["start"] : match["end"]] == match["term"]
            assert match["sentence"] in field
    assert verdicts["budget-uk"]["evidence"] == [] and verdicts["budget-uk"]["categories"] == []
    volunteer = verdicts["volunteer-uk"]
    assert volunteer["watchlist"] == [texts.WATCHED]
    assert {m["entry"] for m in volunteer["evidence"]} == {texts.WATCHED}
    assert {m["sentence"] for m in volunteer["evidence"]} == {
        texts.VOLUNTEER_UK[0],
        texts.VOLUNTEER_UK[1],
    }
    assert len({v["vocabulary"] for v in verdicts.values()}) == 1
    assert all(v["classified"] >= v["fetched"][:10] for v in verdicts.values())

    # The same archive without the watchlist: only the name flagged the volunteer story.
    _configure(newsmon, "")
    result = newsmon.run("reflag")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "captivity: 5 checked, 0 newly flagged, 1 unflagged, 4 unchanged\n"
    assert _flags(newsmon)["volunteer-uk"] == 0


def test_a_crawl_with_no_topics_stores_articles_without_verdicts(newsmon: Newsmon):
    _publish(newsmon, "pow-uk", extra_config="[topics]\nenabled = []\n")
    assert newsmon.run("crawl").returncode == 0
    assert len(newsmon.rows("select id from articles")) == 1
    assert newsmon.rows("select * from verdicts") == []


def test_a_topic_without_vocabulary_stops_the_crawl_before_it_starts(newsmon: Newsmon):
    _publish(newsmon, "pow-uk", extra_config='[topics]\nenabled = ["captivity", "war_crimes"]\n')

    result = newsmon.run("crawl")

    assert result.returncode == 2
    assert f"Error: {newsmon.config_path}: topic 'war_crimes' has no vocabulary" in result.stderr
    assert "Hint: newsmon ships no topic of that name" in result.stderr
    assert "Traceback" not in result.stderr
    assert newsmon.site.requests_to("/news/") == []
    assert not newsmon.db_path.exists(), "no archive opened, no crawl run recorded"


# --- reflag ----------------------------------------------------------------------------


def test_reflag_after_a_new_term_flips_only_the_articles_it_names(newsmon: Newsmon):
    _publish(newsmon, "pow-uk", "budget-uk", "generator-uk")
    assert newsmon.run("crawl").returncode == 0
    before = _verdicts(newsmon)
    assert _flags(newsmon) == {"pow-uk": 1, "budget-uk": 0, "generator-uk": 0}

    up_to_date = newsmon.run("reflag")
    assert up_to_date.returncode == 0, up_to_date.stderr
    assert up_to_date.stdout == "captivity: 0 checked, 0 newly flagged, 0 unflagged, 0 unchanged\n"

    _configure(newsmon, GENERATOR_TERM)
    result = newsmon.run("reflag")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "captivity: 3 checked, 1 newly flagged, 0 unflagged, 2 unchanged\n"
    after = _verdicts(newsmon)
    assert {n: v["flag"] for n, v in after.items()} == {
        "pow-uk": 1,
        "budget-uk": 0,
        "generator-uk": 1,
    }
    assert "генератор" in {m["entry"] for m in after["generator-uk"]["evidence"]}
    assert after["generator-uk"]["vocabulary"] != before["generator-uk"]["vocabulary"]
    for name in after:
        assert after[name]["fetched"] == before[name]["fetched"], "the article's time stays"
        assert after[name]["classified"] >= before[name]["classified"]

    again = newsmon.run("reflag")
    assert again.stdout == "captivity: 0 checked, 0 newly flagged, 0 unflagged, 0 unchanged\n"
    forced = newsmon.run("reflag", "--all", "--topic", "captivity")
    assert forced.stdout == "captivity: 3 checked, 0 newly flagged, 0 unflagged, 3 unchanged\n"
    future = newsmon.run("reflag", "--all", "--since", "2999-01-01")
    assert future.stdout == "captivity: 0 checked, 0 newly flagged, 0 unflagged, 0 unchanged\n"


def test_reflag_rejects_a_bad_date_and_an_unknown_topic(newsmon: Newsmon):
    _configure(newsmon, "")
    bad_date = newsmon.run("reflag", "--since", "last week")
    assert bad_date.returncode == 2
    assert "Invalid value for --since: 'last week' is not a date" in bad_date.stderr
    unknown = newsmon.run("reflag", "--topic", "war")
    assert unknown.returncode == 2
    assert "Error: topic 'war' is not enabled" in unknown.stderr
    assert "Hint: enabled topics: captivity" in unknown.stderr
    _configure(newsmon, "[topics]\nenabled = []\n")
    none = newsmon.run("reflag")
    assert none.returncode == 2 and "Error: no topics to recompute" in none.stderr


def test_reflag_killed_midway_loses_nothing_and_a_second_run_finishes(newsmon: Newsmon):
    _configure(newsmon, "")
    total = 4000
    stories = [ARTICLES[n] for n in ("pow-uk", "budget-uk", "generator-uk", "volunteer-uk")]
    with Archive(newsmon.db_path) as archive:  # an archive from before verdicts existed
        for i in range(total):
            title, paragraphs, lang = stories[i % len(stories)]  # every 4th a POW report
            url = f"https://example.ua/news/{i}.html"
            row = ArticleRow(
                url=url,
                canonical_url=url,
                source="test-uk",
                title=f"{title} ({i})",
                text="\n".join(paragraphs),
                content_hash=str(i),
                language=lang,
                language_score=1.0,
            )
            archive.store(row)
    proc = subprocess.Popen(
        [str(NEWSMON), "--config", str(newsmon.config_path), "reflag"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, to see its workers go
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None and not _classified(newsmon):
            time.sleep(0.02)
        proc.kill()  # the main process only, as a crash would
        proc.wait()
        assert _group_ends(proc.pid, within=15), "worker processes outlived their parent"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    saved = _classified(newsmon)
    assert 0 < saved < total, "killed in the middle"
    assert saved % 500 == 0, "whole batches or nothing"
    assert newsmon.rows("pragma integrity_check") == [{"integrity_check": "ok"}]

    result = newsmon.run("reflag")

    assert result.returncode == 0, result.stderr
    # Batches are saved in id order: the first run classified articles 1..saved.
    flagged_first = newsmon.rows(
        "select count(*) as n from verdicts where flag = 1 and article_id <= ?", [saved]
    )[0]["n"]
    flagged_now = total // 4 - flagged_first
    assert result.stdout == (
        f"captivity: {total - saved} checked, {flagged_now} newly flagged, 0 unflagged,"
        f" {total - saved - flagged_now} unchanged\n"
    )
    assert _classified(newsmon) == total
    flagged = newsmon.rows("select count(*) as n from verdicts where flag = 1")
    assert flagged == [{"n": total // 4}], "every POW report flagged, nothing else"


def _group_ends(group: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _classified(newsmon: Newsmon) -> int:
    try:
        return int(newsmon.rows("select count(*) as n from verdicts")[0]["n"])
    except sqlite3.OperationalError:  # busy or not yet migrated
        return 0


# --- classify and extract ------------------------------------------------------------------


def test_classify_prints_flag_score_categories_and_marked_evidence(newsmon: Newsmon):
    _configure(newsmon, WATCHLIST)
    text = "\n".join(texts.POW_UK + texts.VOLUNTEER_UK[:1])
    result = newsmon.run("classify", "--title", texts.POW_UK_TITLE, "-", input=text.encode())

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("captivity: flagged (score ")
    assert lines[1] == "language: uk"
    assert lines[2].startswith("categories: ") and "pow" in lines[2]
    assert lines[3] == f"watchlist: {texts.WATCHED}"
    assert lines[4] == "evidence:"
    evidence = lines[5:]
    assert evidence[0].startswith("  title: ") and "[[" in evidence[0]
    assert (
        f"  text: Ноутбуки для сільської школи передав волонтер [[{texts.WATCHED}]].  "
        f"(watchlist: {texts.WATCHED})"
    ) in evidence
    for line in evidence:
        field, _, rest = line.strip().partition(": ")
        sentence = rest.rsplit("  (", 1)[0]
        source = texts.POW_UK_TITLE if field == "title" else text
        assert sentence.replace("[[", "").replace("]]", "") in source


def test_classify_an_unflagged_text_from_a_file_with_json(newsmon: Newsmon):
    _configure(newsmon, "")
    path = newsmon.tmp_path / "budget.txt"
    path.write_text("\n".join(texts.BUDGET_UK), encoding="utf-8")

    plain = newsmon.run("classify", str(path))
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == (
        "captivity: not flagged (score 0.00; 0.50 and above flags)\n"
        "language: uk\ncategories: none\nevidence: none\n"
    )
    as_json = newsmon.run("classify", "--json", "--lang", "uk", str(path))
    assert json.loads(as_json.stdout) == {
        "topic": "captivity",
        "language": "uk",
        "flag": False,
        "score": 0.0,
        "categories": [],
        "evidence": [],
        "watchlist": [],
    }


def test_classify_json_detects_russian_and_keeps_offsets(newsmon: Newsmon):
    _configure(newsmon, "")
    text = "\n".join(texts.POW_RU)
    result = newsmon.run("classify", "--json", "-", input=text.encode())
    record = json.loads(result.stdout)
    assert (record["language"], record["flag"]) == ("ru", True)
    for match in record["evidence"]:
        assert text[match["start"] : match["end"]] == match["term"]


def test_classify_jsonl_gives_a_line_per_line_and_goes_on_after_a_bad_one(newsmon: Newsmon):
    _configure(newsmon, "")
    lines = [
        json.dumps({"id": "a1", "text": "\n".join(texts.POW_UK), "title": texts.POW_UK_TITLE}),
        '{"id": "a2", "text": ',
        json.dumps({"id": 3, "text": "\n".join(texts.POW_EN), "lang": "en"}),
        "",
        json.dumps({"id": "a4", "title": "no text"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "a6", "text": "\n".join(texts.BUDGET_UK), "lang": "de"}),
        json.dumps({"id": "a7", "text": "\n".join(texts.BUDGET_UK)}),
    ]
    result = newsmon.run("classify", "--jsonl", "-", input="\n".join(lines).encode())

    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a1", None, 3, None, None, None, "a7"]
    assert (out[0]["flag"], out[0]["language"], out[0]["topic"]) == (True, "uk", "captivity")
    assert (out[2]["flag"], out[2]["language"]) == (True, "en")
    assert (out[6]["flag"], out[6]["language"]) == (False, "uk")
    assert out[1]["line"] == 2 and out[1]["error"].startswith("not JSON: ")
    assert out[3] == {"line": 5, "error": "item 'a4': needs a \"text\" string"}
    assert out[4] == {"line": 6, "error": "not a JSON object"}
    assert out[5] == {"line": 7, "error": "item 'a6': \"lang\" must be uk, ru or en, not 'de'"}
    assert "Error: 4 input line(s) could not be classified" in result.stderr


def test_classify_jsonl_of_good_lines_exits_0(newsmon: Newsmon):
    _configure(newsmon, "")
    path = newsmon.tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 1, "text": texts.POW_EN[0]}) + "\n", encoding="utf-8")
    result = newsmon.run("classify", "--jsonl", "--lang", "en", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == 1


def test_classify_rejects_what_it_cannot_read(newsmon: Newsmon):
    _configure(newsmon, "")
    path = newsmon.tmp_path / "cp1251.txt"
    path.write_bytes("Обмін полоненими".encode("cp1251"))
    not_utf8 = newsmon.run("classify", str(path))
    assert not_utf8.returncode == 1
    assert f"Error: {path}: not UTF-8 text" in not_utf8.stderr
    assert "Hint: convert it first" in not_utf8.stderr
    mixed = newsmon.run("classify", "--jsonl", "--title", "T", "-", input=b"")
    assert mixed.returncode == 2
    assert "--jsonl takes the title from each line" in mixed.stderr


def test_classify_and_extract_need_no_config_file(newsmon: Newsmon):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    page = article_html(texts.POW_UK_TITLE, texts.POW_UK).encode()
    for args in (["classify", "--json", "-"], ["extract", "--json", "-"]):
        result = subprocess.run(
            [str(NEWSMON), *args],
            input=page if args[0] == "extract" else "\n".join(texts.POW_UK).encode(),
            capture_output=True,
            cwd=newsmon.tmp_path,  # no config.toml here
            env=env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        record = json.loads(result.stdout)
        verdict = record["verdicts"]["captivity"] if args[0] == "extract" else record
        assert verdict["flag"] is True


def test_extract_json_includes_the_verdict_of_each_topic(newsmon: Newsmon):
    _configure(newsmon, WATCHLIST)
    page = article_html(texts.VOLUNTEER_UK_TITLE, texts.VOLUNTEER_UK)

    result = newsmon.run("extract", "--json", "-", input=page.encode())

    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record["verdicts"]) == {"captivity"}
    verdict = record["verdicts"]["captivity"]
    assert set(verdict) == {"flag", "score", "categories", "evidence", "watchlist"}
    assert verdict["flag"] is True and verdict["watchlist"] == [texts.WATCHED]
    assert verdict["evidence"][0]["sentence"] == texts.VOLUNTEER_UK[0]
