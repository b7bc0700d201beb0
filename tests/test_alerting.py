"""What the daemon offers subscribers: fresh flagged reports, once, by mode."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.alerting import fresh_reports, health_subscribers, queue_new_reports
from crawler.config import Config, parse_config
from storage.db import Archive, ArticleRow, VerdictRow

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ALERTS = """
[alerts]
to = ["monitor@example.org"]
[[alerts.subscribers]]
name = "families"
to = ["family@example.org"]
mode = "digest"
"""


def _config(tmp_path: Path) -> Config:
    return parse_config(ALERTS, tmp_path / "config.toml")


def _store(archive: Archive, n: int, flag: bool, fetched: datetime) -> int:
    article = ArticleRow(
        url=f"https://example.ua/{n}",
        canonical_url=f"https://example.ua/{n}",
        source="unian-uk",
        title=f"Україна повернула з полону {n} захисників",
        text=f"Україна повернула з полону {n} захисників, повідомив штаб.",
        content_hash=str(n),
        language="uk",
        language_score=1.0,
        fetched=fetched.isoformat(timespec="seconds"),
    )
    match = {
        "term": "полону",
        "category": "pow",
        "sentence": article.text,
        "start": 20,
        "end": 26,
        "field": "text",
        "entry": "полон",
    }
    verdict = VerdictRow("captivity", flag, 1.0, ("pow",), (match,), (), "v1")
    return archive.store(article, verdicts=[replace(verdict, flag=flag)]).article_id


def test_only_fresh_flagged_reports_are_offered(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        _store(archive, 1, True, NOW - timedelta(days=5))  # an old article, reflagged
        fresh = _store(archive, 2, True, NOW - timedelta(hours=1))
        _store(archive, 3, False, NOW - timedelta(minutes=5))
        reports = fresh_reports(archive, NOW)
    assert [r.article_id for r in reports] == [fresh]
    assert reports[0].evidence[0].spans == ((20, 26),)


def test_instant_and_digest_subscribers_each_get_a_report_once(tmp_path: Path) -> None:
    config = _config(tmp_path)
    with Archive(tmp_path / "a.db") as archive:
        _store(archive, 1, True, NOW - timedelta(minutes=10))
        assert queue_new_reports(config, archive, NOW, "instant") == 1
        assert queue_new_reports(config, archive, NOW, "instant") == 0  # already queued
        assert queue_new_reports(config, archive, NOW, "digest") == 1
        _store(archive, 2, True, NOW - timedelta(minutes=5))
        # One digest a day: the second article waits for tomorrow's.
        assert queue_new_reports(config, archive, NOW, "digest") == 0
        tomorrow = NOW + timedelta(days=1)
        assert queue_new_reports(config, archive, tomorrow, "digest") == 1
        rows = list(archive.db.query("select subscriber, kind, article_ids from outbox"))
    assert [(r["subscriber"], r["kind"], r["article_ids"]) for r in rows] == [
        ("default", "report", "[1]"),
        ("families", "digest", "[1]"),
        ("families", "digest", "[2]"),
    ]


def test_health_notices_go_to_the_operator(tmp_path: Path) -> None:
    assert [s.name for s in health_subscribers(_config(tmp_path))] == ["default"]
    only_families = ALERTS.replace('to = ["monitor@example.org"]', "to = []")
    config = parse_config(only_families, tmp_path / "config.toml")
    assert [s.name for s in health_subscribers(config)] == ["families"]
