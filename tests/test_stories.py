"""Reading stories back: an article's copies, its story, one row per story."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Archive
from storage.stories import StoryRow, collapse, duplicates_of, story_of
from tests import storytexts as t
from tests.test_dedupe import row


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "newsmon.db") as opened:
        opened.store(row(1, "ukrinform", t.EXCHANGE_UK, title=t.EXCHANGE_UK_TITLE))
        opened.store(row(2, "regional", t.EXCHANGE_UK_COPY))
        opened.store(row(3, "suspilne", t.EXCHANGE_UK_OWN))
        opened.store(row(4, "interfax-ru", t.EXCHANGE_RU, language="ru"))
        opened.store(row(5, "kyiv-city", t.SHELTER_UK, title=t.SHELTER_UK_TITLE))
        opened.store(row(6, "ukrinform", t.EXCHANGE_UK))  # the same text again
        yield opened


def test_duplicates_of_an_original_or_of_a_copy(archive: Archive) -> None:
    copies = duplicates_of(archive, 1)
    assert [(m.id, m.source, m.kind) for m in copies] == [
        (2, "regional", "near_copy"),
        (6, "ukrinform", "copy"),
    ]
    near = copies[0]
    assert near.other_id == 1 and near.duplicate_of == 1
    assert near.similarity is not None and near.similarity >= 0.4
    assert near.reason == f"word 5-gram Jaccard {near.similarity:.2f}"
    assert near.url == "https://regional.example/news/2.html"
    assert [m.id for m in duplicates_of(archive, 2)] == [2, 6]  # asked of a copy
    assert duplicates_of(archive, 5) == [] and duplicates_of(archive, 99) == []


def test_story_of_lists_every_member_with_why(archive: Archive) -> None:
    members = story_of(archive, 4)
    assert [(m.id, m.source, m.kind, m.other_id) for m in members] == [
        (1, "ukrinform", None, None),
        (2, "regional", "near_copy", 1),
        (3, "suspilne", "story", 1),
        (4, "interfax-ru", "story", 3),  # closest to the other own-words report
        (6, "ukrinform", "copy", 1),
    ]
    assert members[0].title == t.EXCHANGE_UK_TITLE and members[0].reason is None
    assert "shares" in (members[3].reason or "") and "95" in (members[3].reason or "")
    assert [m.id for m in story_of(archive, 5)] == [5]
    assert story_of(archive, 99) == []


def test_collapse_gives_one_row_per_story_in_hit_order(archive: Archive) -> None:
    rows = collapse(archive, [5, 3, 1, 4, 6])
    assert rows == [
        StoryRow(
            story_id=5,
            title=t.SHELTER_UK_TITLE,
            url="https://kyiv-city.example/news/5.html",
            source="kyiv-city",
            first_fetched="2026-11-20T09:05:00+00:00",
            last_fetched="2026-11-20T09:05:00+00:00",
            articles=1,
            outlets=1,
            copies=0,
        ),
        StoryRow(
            story_id=1,
            title=t.EXCHANGE_UK_TITLE,
            url="https://ukrinform.example/news/1.html",
            source="ukrinform",
            first_fetched="2026-11-20T09:01:00+00:00",
            last_fetched="2026-11-20T09:06:00+00:00",
            articles=5,
            outlets=4,
            copies=2,
        ),
    ]
    assert collapse(archive, []) == []
