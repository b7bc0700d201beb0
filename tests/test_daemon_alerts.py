"""End to end: a real daemon, a local news site and a real SMTP server on 127.0.0.1.

A captivity report published on the site reaches the inbox once; a kill -9 and an SMTP
outage of several crawl cycles lose nothing and duplicate nothing.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests import storytexts as t
from tests.conftest import Newsmon
from tests.pages import article_html, rss2
from tests.smtpkit import SmtpServer, free_port
from tests.test_daemon import _count, _wait_for
from tests.test_daemon import start as start  # the fixture

EXCHANGE = [
    "Україна повернула з полону 95 захисників, серед них медики з Маріуполя.",
    "Обмін полоненими відбувся за посередництва ОАЕ, повідомив Координаційний штаб.",
    "Родини військовополонених чекали на цей день понад рік.",
    "Звільнених доправили до лікарень на Чернігівщині, де вони пройдуть реабілітацію.",
]
# Another captivity story of the same days (not the exchange): its own alert.
RALLY = [
    "У неділю на Михайлівській площі в Києві зібралися кількасот родичів військових, які "
    "перебувають у полоні.",
    "Учасники акції тримали фотографії своїх рідних і закликали не забувати про тих, хто "
    "досі чекає на обмін полоненими.",
    "Організатори передали звернення до Офісу Президента та Червоного Хреста.",
]
SHELTER = [
    "У школах Києва відкрили нові укриття для дітей та вчителів.",
    "Міська рада виділила кошти на ремонт підвалів у сорока закладах.",
    "Батьки просили про це з початку навчального року.",
    "Наступного тижня комісія перевірить, чи готові укриття до зими.",
]


class Site:
    """The test site's feed and articles, republished as a newsroom would."""

    def __init__(self, newsmon: Newsmon) -> None:
        self.newsmon = newsmon
        self.paths: list[str] = []

    def publish(self, slug: str, title: str, paragraphs: list[str]) -> None:
        path = f"/news/{slug}.html"
        self.newsmon.site.add(path, article_html(title, paragraphs))
        self.paths.append(path)
        self.newsmon.site.add("/feed.xml", rss2([self.newsmon.site.url(p) for p in self.paths]))


def _configure(newsmon: Newsmon, port: int) -> None:
    feed = newsmon.site.url("/feed.xml")
    newsmon.configure(
        f'[[sources]]\nname = "test-uk"\nlanguage = "uk"\nfeeds = ["{feed}"]\nevery = "1s"\n'
        '[alerts]\nfrom = "newsmon@example.org"\nto = ["monitor@example.org"]\nretry = "1s"\n'
        f'[alerts.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout = 5\n'
    )


@pytest.fixture
def smtp() -> Iterator[Callable[[int | None], SmtpServer]]:
    servers: list[SmtpServer] = []

    def serve(port: int | None = None) -> SmtpServer:
        server = SmtpServer(port=port).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


def _stop(daemon: subprocess.Popen[str]) -> str:
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=15)
    assert daemon.returncode == 0, stderr
    return stderr


def test_a_new_captivity_report_reaches_the_inbox_once(
    newsmon: Newsmon, start: Callable[..., subprocess.Popen[str]], smtp
):
    server = smtp(None)
    _configure(newsmon, server.port)
    site = Site(newsmon)
    site.publish("shelters", "У школах відкрили нові укриття", SHELTER)
    site.publish("exchange", "Україна повернула з полону 95 захисників", EXCHANGE)
    daemon = start()

    _wait_for(lambda: len(server.received) == 1)
    first = server.received[0].message
    assert "Україна повернула з полону 95 захисників" in first["Subject"]
    text = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert newsmon.site.url("/news/exchange.html") in text
    assert "Обмін полоненими" in text and "<mark>" in html
    assert "укриття" not in first["Subject"]

    site.publish("rally", "Родини полонених вийшли на акцію в Києві", RALLY)
    _wait_for(lambda: len(server.received) == 2)
    second = server.received[1].message
    assert "Родини полонених" in second["Subject"]
    assert "95 захисників" not in second.get_body(("plain",)).get_content()

    runs = _count(newsmon, "select count(*) n from crawl_runs")
    _wait_for(lambda: _count(newsmon, "select count(*) n from crawl_runs") >= runs + 3)
    _stop(daemon)
    assert len(server.received) == 2  # later cycles sent nothing again


def test_kill_9_and_an_smtp_outage_lose_nothing_and_send_nothing_twice(
    newsmon: Newsmon, start: Callable[..., subprocess.Popen[str]], smtp
):
    port = free_port()  # nobody listens: the mail server is down
    _configure(newsmon, port)
    site = Site(newsmon)
    site.publish("exchange", "Україна повернула з полону 95 захисників", EXCHANGE)
    daemon = start()

    failed = "select count(*) n from outbox where sent is null and attempts >= 2"
    _wait_for(lambda: _count(newsmon, failed) == 1)  # queued, tried, retried: not lost
    runs = _count(newsmon, "select count(*) n from crawl_runs")
    _wait_for(lambda: _count(newsmon, "select count(*) n from crawl_runs") >= runs + 2)
    daemon.kill()  # kill -9, most likely mid-cycle (a crawl a second)
    daemon.communicate()
    site.publish("rally", "Родини полонених вийшли на акцію в Києві", RALLY)

    server = smtp(port)  # the server is back
    daemon = start()
    _wait_for(lambda: len(server.received) == 2)
    runs = _count(newsmon, "select count(*) n from crawl_runs")
    _wait_for(lambda: _count(newsmon, "select count(*) n from crawl_runs") >= runs + 3)
    _stop(daemon)

    subjects = sorted(r.message["Subject"] for r in server.received)
    assert len(subjects) == 2, subjects
    assert any("95 захисників" in s for s in subjects)
    assert any("Родини полонених" in s for s in subjects)
    outbox = newsmon.rows("select message_id, sent from outbox order by id")
    assert all(row["sent"] for row in outbox)
    # The first alert went out with the Message-ID it was queued with before the kill.
    assert server.received[0].message["Message-ID"] == outbox[0]["message_id"]


def test_three_outlets_report_one_exchange_and_one_alert_lists_them_all(
    newsmon: Newsmon, start: Callable[..., subprocess.Popen[str]], smtp
):
    server = smtp(None)
    outlets = {
        # source: (language, path, title, paragraphs): the agency's report, another
        # outlet's own words, a Russian edition, and a republished copy with small edits
        "agency-uk": ("uk", "/agency/1.html", t.EXCHANGE_UK_TITLE, t.EXCHANGE_UK),
        "daily-uk": ("uk", "/daily/2.html", t.EXCHANGE_UK_OWN_TITLE, t.EXCHANGE_UK_OWN),
        "daily-ru": ("ru", "/daily-ru/3.html", t.EXCHANGE_RU_TITLE, t.EXCHANGE_RU),
        "regional-uk": ("uk", "/regional/4.html", "Ще 95 українців удома", t.EXCHANGE_UK_COPY),
    }
    sources = ""
    for name, (language, path, title, paragraphs) in outlets.items():
        newsmon.site.add(path, article_html(title, paragraphs, lang=language))
        feed = f"/{name}.xml"
        newsmon.site.add(feed, rss2([newsmon.site.url(path)]))
        sources += (
            f'[[sources]]\nname = "{name}"\nlanguage = "{language}"\n'
            f'feeds = ["{newsmon.site.url(feed)}"]\nevery = "1s"\n'
        )
    newsmon.configure(
        sources + '[alerts]\nfrom = "newsmon@example.org"\nto = ["monitor@example.org"]\n'
        'retry = "1s"\ngather = "4s"\n'
        f'[alerts.smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        "timeout = 5\n"
    )
    daemon = start()
    _wait_for(lambda: len(server.received) == 1)
    runs = _count(newsmon, "select count(*) n from crawl_runs")
    _wait_for(lambda: _count(newsmon, "select count(*) n from crawl_runs") >= runs + 8)
    _stop(daemon)

    assert len(server.received) == 1  # one story, one alert
    message = server.received[0].message
    assert message["Subject"] == f"1 captivity report: {t.EXCHANGE_UK_TITLE} (4 outlets)"
    text = message.get_body(("plain",)).get_content()
    lead, also = text.split("Also reported by:")
    assert t.EXCHANGE_UK_TITLE in lead and newsmon.site.url("/agency/1.html") in lead
    for name, (language, path, title, _) in list(outlets.items())[1:]:
        assert f"{name} · {language}: {title}" in also
        assert newsmon.site.url(path) in also
    rows = newsmon.rows("select source, duplicate_of, story_id from articles order by id")
    assert {r["story_id"] for r in rows} == {rows[0]["story_id"]}
    copies = [r["source"] for r in rows if r["duplicate_of"] is not None]
    assert copies == ["regional-uk"]
