"""`newsmon run` as a real process: schedule, stop on signals, one daemon per archive."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NEWSMON, Newsmon
from tests.pages import article_html, rss2
from tests.sitekit import Route


def _source(newsmon: Newsmon, every: str = "1s") -> str:
    feed = json.dumps([newsmon.site.url("/feed.xml")])
    return f'[[sources]]\nname = "test-uk"\nlanguage = "uk"\nfeeds = {feed}\nevery = "{every}"\n'


def _publish(newsmon: Newsmon, *names: str) -> None:
    for name in names:
        newsmon.site.add(f"/news/{name}.html", article_html(f"Новина про укриття {name}"))
    newsmon.site.add(
        "/feed.xml",
        Route(rss2([newsmon.site.url(f"/news/{n}.html") for n in names])),
    )


class Running(subprocess.Popen[str]):
    """``newsmon run`` with its stderr in a file, as journald would take it: a pipe that
    nobody reads fills up and blocks the daemon mid-write (64 KB of tracebacks will do)."""

    log: Path

    def communicate(self, input: Any = None, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        return "", self.log.read_text(encoding="utf-8")


@pytest.fixture
def start(newsmon: Newsmon) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def launch(*args: str) -> Running:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
        env.update(no_proxy="*", NO_PROXY="*")
        log = newsmon.tmp_path / f"daemon-{len(started)}.log"
        with log.open("w", encoding="utf-8") as stderr:
            process = Running(
                [str(NEWSMON), "--config", str(newsmon.config_path), "run", *args],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                text=True,
                env=env,
                cwd=newsmon.tmp_path,
            )
        process.log = log
        started.append(process)
        return process

    yield launch
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def _count(newsmon: Newsmon, sql: str) -> int:
    if not newsmon.db_path.exists():
        return 0
    try:
        return int(newsmon.rows(sql)[0]["n"])
    except Exception:  # the table may not exist yet while the daemon creates the archive
        return 0


def test_daemon_crawls_each_interval_and_stops_cleanly_on_sigterm(
    newsmon: Newsmon, start: Callable[..., subprocess.Popen[str]]
):
    newsmon.configure(_source(newsmon))
    _publish(newsmon, "a-1")
    daemon = start()

    _wait_for(lambda: _count(newsmon, "select count(*) n from articles") == 1)
    _publish(newsmon, "a-1", "b-2")  # a new article appears on the site
    _wait_for(lambda: _count(newsmon, "select count(*) n from articles") == 2)
    _wait_for(lambda: _count(newsmon, "select count(*) n from crawl_runs") >= 3)

    began = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=15)
    assert time.monotonic() - began < 10
    assert daemon.returncode == 0, stderr
    assert "test-uk: ok" in stderr  # the per-crawl heartbeat line
    runs = newsmon.rows("select status from crawl_runs")
    assert "running" not in {r["status"] for r in runs}
    # Each article was fetched once, however many crawls ran.
    fetched = [h.path for h in newsmon.site.hits if h.path.startswith("/news/")]
    assert sorted(fetched) == ["/news/a-1.html", "/news/b-2.html"]


def test_a_second_daemon_on_the_same_archive_refuses_to_start(
    newsmon: Newsmon, start: Callable[..., subprocess.Popen[str]]
):
    newsmon.configure(_source(newsmon, every="1h"))
    _publish(newsmon, "a-1")
    first = start()
    _wait_for(lambda: _count(newsmon, "select count(*) n from articles") == 1)

    second = start()
    _, stderr = second.communicate(timeout=60)

    assert second.returncode == 3  # contrib/newsmon.service does not restart on it
    assert f"another newsmon daemon (pid {first.pid})" in stderr
    assert first.poll() is None  # the first one carries on
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=15)
    assert first.returncode == 0


def test_a_crawl_longer_than_max_duration_is_stopped_and_recorded(
    newsmon: Newsmon, start: Callable[..., subprocess.Popen[str]]
):
    newsmon.configure(_source(newsmon, every="1h"), timeout=60, max_duration="2s")
    slow = Route(article_html("Повільна"), behaviour="sleep", seconds=30)
    newsmon.site.add("/news/slow.html", slow)
    newsmon.site.add("/feed.xml", Route(rss2([newsmon.site.url("/news/slow.html")])))
    daemon = start()

    _wait_for(
        lambda: _count(newsmon, "select count(*) n from crawl_runs where status = 'timeout'") == 1
    )
    assert daemon.poll() is None  # the daemon survives its crawl's timeout
    daemon.send_signal(signal.SIGTERM)
    daemon.communicate(timeout=15)
    assert daemon.returncode == 0
    # The slow article stays queued for the next crawl: nothing is lost.
    pending = newsmon.rows("select state from urls where url like '%slow%'")
    assert [r["state"] for r in pending] == ["pending"]


def test_a_blocked_source_is_reported_once_then_its_recovery(
    newsmon: Newsmon, start: Callable[..., subprocess.Popen[str]]
):
    alerts = '[alerts]\nfrom = "newsmon@example.org"\nto = ["ops@example.org"]\nretry = "1s"\n'
    newsmon.configure(_source(newsmon) + alerts, failures=2)
    newsmon.site.add("/feed.xml", Route(b"Forbidden", status=403))
    daemon = start()
    blocked = "select count(*) n from source_health where state = 'blocked'"
    _wait_for(lambda: _count(newsmon, blocked) == 1)
    _wait_for(lambda: _count(newsmon, "select count(*) n from crawl_runs") >= 4)
    _publish(newsmon, "a-1")  # the site lets us in again
    _wait_for(lambda: _count(newsmon, "select count(*) n from source_health where state = 'ok'"))
    _wait_for(lambda: len(list((newsmon.tmp_path / "alerts").glob("*.eml"))) == 2)

    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=15)
    assert stderr.count("newsmon.daemon: test-uk is blocked by the site") == 1, stderr
    assert stderr.count("newsmon.daemon: test-uk works again (it was blocked)") == 1, stderr

    # No SMTP host: the two notices are .eml files beside the archive.
    notices = sorted(
        email.message_from_bytes(p.read_bytes())["Subject"]
        for p in (newsmon.tmp_path / "alerts").glob("*.eml")
    )
    assert notices == ["newsmon: test-uk is back", "newsmon: test-uk is blocked by the site"]

    status = newsmon.run("status", "--json")
    assert status.returncode == 0, status.stderr
    record = json.loads(status.stdout)
    assert record["articles"] == 1
    assert record["alerts"] == {"queued": 0, "failed": 0, "sent": 2}
    [source] = record["sources"]
    assert (source["source"], source["health"], source["failures_in_a_row"]) == ("test-uk", "ok", 0)
    lines = newsmon.run("status").stdout.splitlines()
    assert lines[1].startswith("alerts: 0 waiting, 2 sent, 0 refused for good")
    assert lines[3].split()[0] == "test-uk"
