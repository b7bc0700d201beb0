"""Source health: judged from crawl_runs rows, one notice per change of state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from crawler.health import Health, assess, notice

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def run(status: str, **errors: int) -> dict[str, object]:
    return {"status": status, "errors_by_kind": json.dumps(errors), "message": "feed: boom"}


def judge(runs: list[dict[str, object]], last_new: datetime | None = NOW) -> Health:
    first = NOW - timedelta(days=30)
    return assess(runs, last_new, first, NOW, failures=3, silence=86400)


def test_three_failed_crawls_in_a_row_are_failing_two_are_not() -> None:
    assert judge([run("failed"), run("failed"), run("ok")]).state == "ok"
    health = judge([run("failed", timeout=2)] * 3)
    assert health.state == "failing"
    assert "3 failed crawls in a row" in health.detail


def test_refusals_are_reported_as_blocked() -> None:
    assert judge([run("failed", blocked=1)] * 3).state == "blocked"


def test_a_partial_crawl_breaks_the_run_of_failures() -> None:
    assert judge([run("failed"), run("partial"), run("failed"), run("failed")]).state == "ok"


def test_silence_longer_than_allowed_is_reported_once_crawls_succeed() -> None:
    quiet_since = NOW - timedelta(days=2)
    assert judge([run("ok")], last_new=quiet_since).state == "silent"
    assert judge([run("ok")], last_new=NOW - timedelta(hours=5)).state == "ok"


def test_a_new_source_gets_its_whole_allowance_before_it_is_silent() -> None:
    young = assess([run("ok")], None, NOW - timedelta(hours=3), NOW, failures=3, silence=86400)
    assert young.state == "ok"


def test_notices_on_changes_only() -> None:
    failing = Health("failing", "3 failed crawls in a row")
    assert notice("unian-uk", Health("ok"), Health("ok")) is None
    assert notice("unian-uk", failing, failing) is None
    subject, body = notice("unian-uk", Health("ok"), failing) or ("", "")
    assert subject == "newsmon: unian-uk is failing"
    assert "3 failed crawls" in body
    back = notice("unian-uk", failing, Health("ok"))
    assert back is not None and "back" in back[0]
