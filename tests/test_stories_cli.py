"""`newsmon query --collapse` and `newsmon show` on copies and stories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.process import content_hash
from storage.db import Archive, ArticleRow
from tests import storytexts as t
from tests.test_search_cli import Run

REPORTS = [
    # (source, language, title, paragraphs)
    ("agency-uk", "uk", t.EXCHANGE_UK_TITLE, t.EXCHANGE_UK),
    ("daily-uk", "uk", t.EXCHANGE_UK_OWN_TITLE, t.EXCHANGE_UK_OWN),
    ("daily-ru", "ru", t.EXCHANGE_RU_TITLE, t.EXCHANGE_RU),
    ("regional-uk", "uk", "Ще 95 українців удома", t.EXCHANGE_UK_COPY),
    ("daily-uk", "uk", t.SHELTER_UK_TITLE, t.SHELTER_UK),
]


def _archive(tmp_path: Path) -> dict[str, int]:
    fetched = datetime.now(UTC) - timedelta(hours=3)
    ids = {}
    with Archive(tmp_path / "newsmon.db") as archive:
        for i, (source, language, title, paragraphs) in enumerate(REPORTS):
            text = t.text(paragraphs)
            row = ArticleRow(
                url=f"https://{source}.example/{i}",
                canonical_url=f"https://{source}.example/{i}",
                source=source,
                title=title,
                text=text,
                content_hash=content_hash(text),
                language=language,
                language_score=0.99,
                fetched=(fetched + timedelta(minutes=i)).isoformat(timespec="seconds"),
            )
            ids[source + str(i)] = archive.store(row).article_id
    return ids


def test_collapse_shows_each_story_once_with_its_outlets(tmp_path: Path) -> None:
    ids = _archive(tmp_path)
    run = Run(tmp_path)
    stories = json.loads(run.ok("query", "--collapse", "--json", "--duplicates", "show"))
    by_id = {s["story_id"]: s for s in stories}
    exchange = by_id[ids["agency-uk0"]]
    assert (exchange["articles"], exchange["outlets"], exchange["copies"]) == (4, 4, 1)
    assert exchange["title"] == t.EXCHANGE_UK_TITLE
    assert by_id[ids["daily-uk4"]]["articles"] == 1  # the shelter story stands alone
    assert len(stories) == 2
    assert "story #" in run.ok("query", "--collapse")


def test_show_says_why_an_article_is_a_copy_and_lists_its_story(tmp_path: Path) -> None:
    ids = _archive(tmp_path)
    run = Run(tmp_path)
    copy = ids["regional-uk3"]
    shown = run.ok("show", str(copy))
    assert f"copy of:       #{ids['agency-uk0']} (near_copy: word 5-gram Jaccard" in shown
    assert "story:         4 articles, 4 outlets:" in shown
    assert f"#{ids['daily-ru2']}  daily-ru  same event of #" in shown
    record = json.loads(run.ok("show", str(copy), "--json"))
    assert [m["id"] for m in record["story"]] == sorted(
        ids[k] for k in ("agency-uk0", "daily-uk1", "daily-ru2", "regional-uk3")
    )
