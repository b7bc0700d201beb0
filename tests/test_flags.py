"""Verdicts of the configured topics: the Flagger, the verdicts table, reflag's core."""

from __future__ import annotations

import pickle
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import Config, parse_config
from crawler.errors import ConfigError, StorageError
from crawler.flags import Flagger, marked_sentences
from crawler.reflag import parse_since, reflag
from crawler.topics import Match, Verdict
from storage.db import Archive, ArticleRow
from tests import texts

GENERATOR_TERM = '[topics.captivity.uk.terms.civilian_hostage]\n"генератор" = 1.0\n'
WATCHLIST = f'[watchlist]\npeople = ["{texts.WATCHED}"]\n'


def config(text: str = "") -> Config:
    return parse_config(text, Path("/etc/newsmon/config.toml"))


def article(n: int, title: str, paragraphs: list[str], language: str = "uk") -> ArticleRow:
    url = f"https://example.ua/news/{n}.html"
    return ArticleRow(
        url=url,
        canonical_url=url,
        source="test-uk",
        title=title,
        text="\n".join(paragraphs),
        content_hash=f"hash-{n}",
        language=language,
        language_score=1.0,
        fetched=f"2026-11-{10 + n:02d}T08:00:00+00:00",
    )


POW = article(1, texts.POW_UK_TITLE, texts.POW_UK)
BUDGET = article(2, texts.BUDGET_UK_TITLE, texts.BUDGET_UK)
GENERATOR = article(3, texts.GENERATOR_UK_TITLE, texts.GENERATOR_UK)
VOLUNTEER = article(4, texts.VOLUNTEER_UK_TITLE, texts.VOLUNTEER_UK)


@pytest.fixture(scope="module")
def flagger() -> Flagger:
    return Flagger.from_config(config())


def flags(flagger: Flagger, row: ArticleRow) -> bool:
    (verdict,) = flagger.rows(row.title, row.text, row.language)
    return verdict.flag


# --- the Flagger ------------------------------------------------------------------------


def test_verdict_rows_carry_evidence_from_the_article(flagger: Flagger) -> None:
    (row,) = flagger.rows(POW.title, POW.text, "uk")
    assert row.topic == "captivity" and row.flag and row.score >= 0.5
    assert {"pow", "exchange"} <= set(row.categories)
    assert row.evidence and row.watchlist == ()
    for match in row.evidence:
        field = POW.title if match["field"] == "title" else POW.text
        assert field[match["start"] : match["end"]] == match["term"]
        assert match["sentence"] in field
    assert row.vocabulary == flagger.topics[0].vocabulary
    assert datetime.fromisoformat(row.classified).tzinfo is not None


def test_a_term_from_the_config_flags_what_the_packaged_vocabulary_does_not(
    flagger: Flagger,
) -> None:
    assert not flags(flagger, GENERATOR)
    extended = Flagger.from_config(config(GENERATOR_TERM))
    assert flags(extended, GENERATOR)
    (row,) = extended.rows(GENERATOR.title, GENERATOR.text, "uk")
    assert "генератор" in {m["entry"] for m in row.evidence}
    assert not flags(extended, BUDGET)


def test_a_watchlist_name_flags_an_article_otherwise_unflagged(flagger: Flagger) -> None:
    assert not flags(flagger, VOLUNTEER)
    watching = Flagger.from_config(config(WATCHLIST))
    (row,) = watching.rows(VOLUNTEER.title, VOLUNTEER.text, "uk")
    assert row.flag and row.watchlist == (texts.WATCHED,)
    named = [m for m in row.evidence if m["category"] == "watchlist"]
    assert {m["entry"] for m in named} == {texts.WATCHED}
    assert {m["term"] for m in named} >= {"Олександр Шумков", "Олександрові Шумкову"}


def test_the_vocabulary_hash_follows_what_verdicts_depend_on(flagger: Flagger) -> None:
    def vocabulary(text: str) -> str:
        return Flagger.from_config(config(text)).topics[0].vocabulary

    plain = vocabulary("")
    assert plain == flagger.topics[0].vocabulary and len(plain) == 12
    assert vocabulary(GENERATOR_TERM) != plain
    assert vocabulary(WATCHLIST) != plain
    two = '[watchlist]\npeople = ["Олександр Шумков", "Олена Коваленко"]\n'
    swapped = '[watchlist]\npeople = ["Олена Коваленко", "Олександр Шумков"]\n'
    assert vocabulary(two) == vocabulary(swapped), "the order of the names changes nothing"


def test_a_topic_defined_in_the_config_alone(tmp_path: Path) -> None:
    text = (
        '[topics]\nenabled = ["captivity", "corruption"]\n'
        '[topics.corruption.uk.terms.bribe]\n"хабар" = 1.0\n"корупція" = 1.0\n'
    )
    two = Flagger.from_config(config(text))
    verdicts = two.classify(
        "НАБУ затримало чиновника на хабарі",
        "Детективи затримали посадовця міськради на хабарі. Йдеться про корупцію в Україні.",
        "uk",
    )
    assert set(verdicts) == {"captivity", "corruption"}
    assert verdicts["corruption"].flag and not verdicts["captivity"].flag
    assert two.only("corruption").topics == (two.topics[1],)


def test_an_enabled_topic_without_vocabulary_is_a_config_error() -> None:
    empty = Flagger.from_config(config('[topics]\nenabled = ["nothing_here"]\n'))
    with pytest.raises(ConfigError, match="topic 'nothing_here' has no vocabulary") as info:
        empty.prepare()
    assert "/etc/newsmon/config.toml" in str(info.value)
    assert "topics.enabled" in (info.value.hint or "")


def test_an_unknown_scoring_setting_is_a_config_error() -> None:
    typo = Flagger.from_config(config("[topics.captivity.topic]\ntreshold = 1.2\n"))
    with pytest.raises(ConfigError, match=r"topics\.captivity\.topic\.treshold: unknown setting"):
        typo.prepare()


def test_an_unknown_topic_is_named_with_the_enabled_ones(flagger: Flagger) -> None:
    with pytest.raises(ConfigError, match="topic 'war' is not enabled") as info:
        flagger.only("war")
    assert "captivity" in (info.value.hint or "")


def test_the_flagger_and_its_errors_cross_to_worker_processes(flagger: Flagger) -> None:
    assert pickle.loads(pickle.dumps(flagger)) == flagger
    error = pickle.loads(pickle.dumps(ConfigError("bad vocabulary", hint="fix it")))
    assert (type(error), error.message, error.hint) == (ConfigError, "bad vocabulary", "fix it")


def test_evidence_sentences_are_marked_in_reading_order() -> None:
    title = "Обмін полоненими"
    text = "Перше речення. Друге речення про полон і Шумкова."
    second = text[15:]

    def match(term: str, category: str, field: str, entry: str) -> Match:
        where = title if field == "title" else text
        start = where.index(term)
        sentence = title if field == "title" else second
        return Match(term, category, sentence, start, start + len(term), field, entry)

    verdict = Verdict(
        flag=True,
        score=1.0,
        categories=("pow",),
        evidence=(
            match("полон", "pow", "text", "полон"),
            match("Обмін полоненими", "exchange", "title", "обмін полонений"),
            match("Шумкова", "watchlist", "text", "X"),
            match("полон і Шумкова", "pow", "text", "y"),  # overlaps both: one mark
        ),
    )
    lines = list(marked_sentences(verdict, {"title": title, "text": text}))
    assert lines == [
        ("title", "[[Обмін полоненими]]", ["exchange: обмін полонений"]),
        (
            "text",
            "Друге речення про [[полон і Шумкова]].",
            ["pow: полон", "watchlist: X", "pow: y"],
        ),
    ]


# --- the verdicts table -------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "newsmon.db") as a:
        yield a


def test_an_article_is_stored_with_its_verdicts_or_not_at_all(
    archive: Archive, flagger: Flagger
) -> None:
    rows = flagger.rows(POW.title, POW.text, "uk")
    stored = archive.store(POW, verdicts=rows)
    assert archive.verdicts(stored.article_id) == {"captivity": rows[0]}

    broken = replace(rows[0], topic=None)  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        archive.store(BUDGET, verdicts=[broken])
    count = archive.db.execute("select count(*) from articles").fetchone()[0]
    assert count == 1, "the failed verdict took its article with it"


def test_the_flagged_of_the_last_days_query_is_an_index_range_scan(archive: Archive) -> None:
    plan = archive.db.execute(
        "explain query plan select a.id from verdicts v join articles a on a.id = v.article_id"
        " where v.topic = ? and v.flag = 1 and v.article_id >= (select id from articles"
        " where fetched >= ? order by fetched limit 1) order by v.article_id desc",
        ["captivity", "2026-11-01"],
    ).fetchall()
    details = " | ".join(row[3] for row in plan)
    assert "idx_verdicts_topic_flag_article_id (topic=? AND flag=? AND article_id>?)" in details
    assert "idx_articles_fetched" in details
    assert "SCAN" not in details


def test_texts_to_reflag_are_the_stale_ones_in_batches(archive: Archive, flagger: Flagger) -> None:
    current = flagger.topics[0].vocabulary
    for row in (POW, BUDGET, GENERATOR, VOLUNTEER):
        archive.store(row, verdicts=flagger.rows(row.title, row.text, "uk"))
    archive.db.execute("update verdicts set vocabulary = 'old' where article_id in (2, 3)")
    archive.db.execute("delete from verdicts where article_id = 4")

    batches = list(archive.texts_to_reflag("captivity", current, batch=2))
    assert [[t.id for t in b] for b in batches] == [[2, 3], [4]]
    assert [t.flag for t in batches[0] + batches[1]] == [False, False, None]
    assert archive.count_to_reflag("captivity", current) == 3
    every = archive.texts_to_reflag("captivity", current, everything=True)
    assert [t.id for b in every for t in b] == [1, 2, 3, 4]
    recent = archive.texts_to_reflag("captivity", current, since="2026-11-13")
    assert [t.id for b in recent for t in b] == [3, 4]


def test_reflag_counts_and_commits_each_batch(archive: Archive, flagger: Flagger) -> None:
    for row in (POW, BUDGET, GENERATOR, VOLUNTEER):
        archive.store(row, verdicts=flagger.rows(row.title, row.text, "uk"))
    changed = Flagger.from_config(config(GENERATOR_TERM + WATCHLIST))
    seen = []

    (counts,) = reflag(archive, changed, batch=3, progress=lambda c: seen.append(c.checked))

    assert (counts.total, counts.checked, counts.flagged, counts.unflagged) == (4, 4, 2, 0)
    assert counts.unchanged == 2 and seen == [3, 4]
    assert archive.verdicts(3)["captivity"].flag and archive.verdicts(4)["captivity"].flag
    assert archive.count_to_reflag("captivity", changed.topics[0].vocabulary) == 0
    (again,) = reflag(archive, flagger)  # the packaged vocabulary again
    assert (again.checked, again.flagged, again.unflagged, again.unchanged) == (4, 0, 2, 2)


def test_parse_since() -> None:
    assert parse_since("2026-11-20") == "2026-11-20"
    assert parse_since("2026-11-20T08:00") == "2026-11-20T08:00:00+00:00"
    assert parse_since("2026-11-20T10:00+02:00") == "2026-11-20T08:00:00+00:00"
    week_ago = datetime.fromisoformat(parse_since("7d"))
    assert abs(datetime.now(UTC) - timedelta(days=7) - week_ago) < timedelta(minutes=1)
    with pytest.raises(ValueError, match="is not a date"):
        parse_since("last week")


def test_verdicts_table_rejects_a_verdict_of_no_article(archive: Archive) -> None:
    archive.db.execute("pragma foreign_keys = on")
    with pytest.raises(sqlite3.IntegrityError):
        archive.db.execute(
            "insert into verdicts (article_id, topic, flag, score, vocabulary, classified)"
            " values (99, 'captivity', 0, 0, 'x', 'now')"
        )
