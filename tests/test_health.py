"""Source health: judged from crawl_runs rows, one notice per change of state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from crawler.health import Health, assess, summarize

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


def change(source: str, state: str, previous: str = "ok") -> dict[str, str]:
    return {"source": source, "state": state, "previous": previous, "detail": "3 failed crawls"}


def test_a_notice_names_one_change() -> None:
    subject, lines = summarize([change("unian-uk", "failing")])
    assert subject == "newsmon: unian-uk is failing"
    assert lines == ["unian-uk is failing: 3 failed crawls"]
    subject, lines = summarize([change("unian-uk", "ok", previous="blocked")])
    assert subject == "newsmon: unian-uk is back"
    assert lines == ["unian-uk works again (it was blocked)."]


def test_many_changes_at_once_make_one_notice() -> None:
    changes = [change(f"s{i}", "failing") for i in range(40)] + [change("x", "ok", "silent")]
    subject, lines = summarize(changes)
    assert subject == "newsmon: 41 sources changed health (1 back, 40 failing)"
    assert len(lines) == 41


def test_the_archive_keeps_the_state_and_owes_one_notice_per_change(tmp_path) -> None:
    from storage.db import Archive
    from storage.health import mark_notified, owed_notices, reported, save_health

    with Archive(tmp_path / "a.db") as archive:
        assert not save_health(archive, "s", Health("ok"))  # first judgement, healthy
        assert not save_health(archive, "s", Health("ok"))
        assert owed_notices(archive) == []
        assert save_health(archive, "s", Health("failing", "3 failed crawls"))
        assert not save_health(archive, "s", Health("failing", "4 failed crawls"))
        [owed] = owed_notices(archive)
        assert (owed["state"], owed["previous"], owed["detail"]) == (
            "failing",
            "ok",
            "4 failed crawls",
        )
        mark_notified(archive, ["s"])
        assert owed_notices(archive) == []
        assert reported(archive, "s") == Health("failing", "4 failed crawls")
