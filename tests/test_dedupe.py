"""Near copies and stories, in a real archive file: what storing an article decides."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.fingerprint import (
    BANDS,
    NEAR_COPY,
    anchors,
    band_keys,
    fingerprint,
    name_skeleton,
    shingles,
    similarity,
)
from crawler.process import content_hash
from storage import dedupe
from storage.db import Archive, ArticleRow
from tests import storytexts as t

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "newsmon.db") as opened:
        yield opened


def row(
    n: int,
    source: str,
    paragraphs: list[str],
    *,
    title: str = "",
    language: str = "uk",
    at: datetime = T0,
    url: str | None = None,
) -> ArticleRow:
    text = t.text(paragraphs)
    link = url or f"https://{source}.example/news/{n}.html"
    return ArticleRow(
        url=link,
        canonical_url=link,
        source=source,
        title=title or f"Новина {n}",
        text=text,
        content_hash=content_hash(text),
        language=language,
        language_score=1.0,
        published=at.isoformat(timespec="seconds"),
        fetched=(at + timedelta(minutes=n)).isoformat(timespec="seconds"),
    )


# --------------------------------------------------------------------------- fingerprints


def test_band_keys_are_stable_and_depend_only_on_the_words() -> None:
    keys = band_keys(shingles(t.text(t.EXCHANGE_UK)))
    assert len(keys) == BANDS and len(set(keys)) == BANDS
    assert keys == band_keys(shingles(t.text(t.EXCHANGE_UK).upper().replace("\n", "  ")))
    assert band_keys(set()) == ()
    # Pinned: the keys stored in a live archive must not change under an upgrade of
    # datasketch or numpy (a new scheme needs a new SCHEME and the originals reindexed).
    assert band_keys({"україна повернула з полону 95"})[:2] == (
        9187008260200403720,
        -5370816229288658082,
    )


def test_a_republished_copy_is_similar_and_other_news_is_not() -> None:
    original = t.text(t.EXCHANGE_UK)
    assert similarity(original, t.text(t.EXCHANGE_UK_COPY)) >= NEAR_COPY
    assert similarity(original, t.text(t.EXCHANGE_UK_OWN)) < 0.1
    assert similarity(original, t.text(t.RALLY_UK)) < 0.05


def test_anchors_meet_across_languages() -> None:
    uk, ru, en = (anchors(t.text(p)) for p in (t.EXCHANGE_UK, t.EXCHANGE_RU, t.EXCHANGE_EN))
    for mark in ("n:95", "n:58", "d:11-20", "p:mariu", "p:lubin", "p:koord"):
        assert mark in uk and mark in ru and mark in en, mark
    assert "n:2022" not in anchors("з 2022 року")  # years are not anchors
    assert anchors("відбувся 1 000-й день") == ("n:1000",)
    assert "d:05-20" not in anchors("20 травмованих")  # not May
    assert name_skeleton("Харків") == name_skeleton("Kharkiv") == "harkiv"
    assert name_skeleton("Зеленський")[:5] == name_skeleton("Zelensky")[:5]


def test_the_first_word_of_a_sentence_is_not_a_name() -> None:
    found = anchors("Звільнених доправили до лікарень. Лікарі кажуть, що Олег одужує.")
    assert found == ("p:oleh",)


# --------------------------------------------------------------------------- near copies


def test_a_near_copy_is_a_duplicate_of_the_first_with_its_similarity(archive: Archive) -> None:
    first = archive.store(row(1, "ukrinform", t.EXCHANGE_UK))
    copy = archive.store(row(2, "regional", t.EXCHANGE_UK_COPY))
    assert (first.outcome, copy.outcome) == ("new", "duplicate")
    assert copy.duplicate_of == first.article_id == copy.story_id
    [match] = archive.db.query("select * from matches")
    assert match["article_id"] == copy.article_id and match["other_id"] == first.article_id
    assert match["kind"] == "near_copy" and match["similarity"] >= NEAR_COPY
    assert match["reason"] == f"word 5-gram Jaccard {match['similarity']:.2f}"


def test_the_same_source_under_an_amp_url_is_a_copy(archive: Archive) -> None:
    archive.store(row(1, "unian", t.EXCHANGE_UK, url="https://unian.example/news/1.html"))
    amp = row(2, "unian", t.EXCHANGE_UK_COPY, url="https://unian.example/amp/news/1-2.html")
    assert archive.store(amp).duplicate_of == 1


def test_an_exact_copy_stays_a_copy_with_similarity_one(archive: Archive) -> None:
    archive.store(row(1, "a", t.EXCHANGE_UK))
    stored = archive.store(row(2, "b", t.EXCHANGE_UK))
    assert (stored.duplicate_of, stored.kind, stored.similarity) == (1, "copy", 1.0)


def test_a_copy_of_a_copy_points_to_the_original(archive: Archive) -> None:
    archive.store(row(1, "a", t.EXCHANGE_UK))
    archive.store(row(2, "b", t.EXCHANGE_UK_COPY))
    third = archive.store(row(3, "c", [*t.EXCHANGE_UK[:4], "Джерело: агентство"]))
    assert third.duplicate_of == 1
    # copies are not indexed themselves: one original, one set of band rows
    indexed = archive.db.execute("select distinct article_id from near_copy_bands").fetchall()
    assert indexed == [(1,)]


def test_different_articles_are_not_copies(archive: Archive) -> None:
    for n, (paragraphs, language) in enumerate(
        [
            (t.EXCHANGE_UK, "uk"),
            (t.EXCHANGE_UK_OWN, "uk"),
            (t.RALLY_UK, "uk"),
            (t.SHELTER_UK, "uk"),
            (t.COURT_RU, "ru"),
        ],
        start=1,
    ):
        assert archive.store(row(n, f"s{n}", paragraphs, language=language)).duplicate_of is None


# --------------------------------------------------------------------------- stories


def test_one_event_in_three_languages_is_one_story(archive: Archive) -> None:
    first = archive.store(row(1, "ukrinform", t.EXCHANGE_UK))
    own = archive.store(row(2, "suspilne", t.EXCHANGE_UK_OWN))
    ru = archive.store(row(3, "interfax-ru", t.EXCHANGE_RU, language="ru"))
    en = archive.store(row(4, "kyivindependent", t.EXCHANGE_EN, language="en"))
    assert [s.outcome for s in (own, ru, en)] == ["new"] * 3
    assert {first.story_id, own.story_id, ru.story_id, en.story_id} == {first.article_id}
    assert own.kind == "story" and own.other_id == 1
    reasons = {r["article_id"]: r["reason"] for r in archive.db.query("select * from matches")}
    assert "95" in reasons[own.article_id] and "20.11" in reasons[own.article_id]
    assert reasons[en.article_id].startswith("shares ")  # no shared words across languages


def test_other_events_of_the_same_days_are_other_stories(archive: Archive) -> None:
    archive.store(row(1, "a", t.EXCHANGE_UK))
    rally = archive.store(row(2, "b", t.RALLY_UK))
    shelter = archive.store(row(3, "c", t.SHELTER_UK))
    court = archive.store(row(4, "d", t.COURT_RU, language="ru"))
    assert [s.story_id for s in (rally, shelter, court)] == [2, 3, 4]


def test_a_report_after_the_window_starts_a_new_story(archive: Archive) -> None:
    archive.store(row(1, "a", t.EXCHANGE_UK))
    later = archive.store(row(2, "b", t.EXCHANGE_UK_OWN, at=T0 + timedelta(days=4)))
    assert later.story_id == later.article_id


def test_the_story_index_keeps_only_the_window(archive: Archive) -> None:
    archive.store(row(1, "a", t.EXCHANGE_UK))
    archive.store(row(2, "b", t.SHELTER_UK, at=T0 + timedelta(days=5)))
    indexed = [r[0] for r in archive.db.execute("select article_id from story_features")]
    assert indexed == [2]
    assert {r[0] for r in archive.db.execute("select article_id from story_anchors")} == {2}
    # the near-copy index keeps every original
    bands = {r[0] for r in archive.db.execute("select article_id from near_copy_bands")}
    assert bands == {1, 2}


def test_fingerprints_from_the_worker_are_used_as_given(archive: Archive) -> None:
    article = row(1, "a", t.EXCHANGE_UK)
    given = fingerprint(article.text)
    assert archive.store(article, features=given).story_id == 1
    bands = sorted(r[0] for r in archive.db.execute("select key from near_copy_bands"))
    assert bands == sorted(given.bands)


def test_migrating_an_older_archive_gives_every_article_a_story(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from storage.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m007_stories")
    text = t.text(t.EXCHANGE_UK)
    for n, duplicate_of in ((1, None), (2, 1)):
        db.table("articles").insert(
            {
                "id": n,
                "url": f"https://x/{n}",
                "canonical_url": f"https://x/{n}",
                "source": "x",
                "text": text,
                "fetched": "2026-11-20T09:00:00+00:00",
                "content_hash": "h",
                "duplicate_of": duplicate_of,
            }
        )
    db.close()
    with Archive(tmp_path / "old.db") as archive:
        stories = [tuple(r) for r in archive.db.execute("select id, story_id from articles")]
        assert stories == [(1, 1), (2, 1)]
        [match] = archive.db.query("select * from matches")
        assert (match["article_id"], match["kind"], match["other_id"]) == (2, "copy", 1)
        assert archive.db.execute(
            "select count(*) from articles_fts where articles_fts match 'полону'"
        ).fetchone() == (2,)  # each article indexed once
        # Older originals join the near-copy index when reindexed; copies are left out.
        assert dedupe.reindex(archive.db) == 1
        assert dedupe.reindex(archive.db) == 1  # again: nothing doubled
        indexed = archive.db.execute("select distinct article_id from near_copy_bands")
        assert indexed.fetchall() == [(1,)]
        copy = row(3, "regional", t.EXCHANGE_UK_COPY, at=T0 + timedelta(days=30))
        assert archive.store(copy).duplicate_of == 1
