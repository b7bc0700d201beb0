"""A crawl survives every kind of bad page and feed, counts it, and harms nothing stored."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Newsmon
from tests.pages import article_html, rss2
from tests.sitekit import Route

WIN1251_TITLE = "Новина у кодуванні windows-1251"


def _site_with_bad_pages(newsmon: Newsmon) -> dict[str, str]:
    """Routes for every bad case; returns the kind of error each should count as."""
    site = newsmon.site
    site.add("/bad/missing.html", Route(b"<html>gone</html>", status=404))
    site.add("/bad/error.html", Route(b"<html>oops</html>", status=500))
    site.add("/bad/slow.html", Route(article_html("Повільна"), behaviour="sleep", seconds=4))
    site.add("/bad/reset.html", Route(behaviour="reset"))
    site.add("/bad/loop-a.html", Route(status=302, headers={"Location": "/bad/loop-b.html"}))
    site.add("/bad/loop-b.html", Route(status=302, headers={"Location": "/bad/loop-a.html"}))
    site.add("/bad/huge.html", Route(behaviour="stream", size=50 * 1024 * 1024))
    site.add("/bad/binary.html", Route(bytes(range(256)) * 400))
    site.add("/bad/empty.html", Route(b""))
    cp1251 = article_html(WIN1251_TITLE, charset_meta=None).encode("cp1251")
    site.add("/bad/cp1251.html", Route(cp1251, content_type="text/html"))
    return {
        "/bad/missing.html": "not_found",
        "/bad/error.html": "server_error",
        "/bad/slow.html": "timeout",
        "/bad/reset.html": "connection",
        "/bad/loop-a.html": "redirect_loop",
        "/bad/huge.html": "too_large",
    }


@pytest.fixture
def crawled_once(newsmon: Newsmon) -> Newsmon:
    """An archive holding one good article before the bad crawl starts."""
    site = newsmon.site
    site.add("/news/good-1.html", article_html("Добра новина про укриття"))
    site.add("/rss.xml", rss2([site.url("/news/good-1.html")]))
    newsmon.configure(_config(newsmon))
    assert newsmon.run("crawl").returncode == 0
    return newsmon


def _config(newsmon: Newsmon) -> str:
    feeds = json.dumps([newsmon.site.url(p) for p in ("/rss.xml", "/broken.xml")])
    return f'[[sources]]\nname = "test-uk"\nlanguage = "uk"\nfeeds = {feeds}\n'


def test_bad_pages_and_feeds_are_counted_and_nothing_stored_is_harmed(crawled_once: Newsmon):
    newsmon, site = crawled_once, crawled_once.site
    before = newsmon.rows("select * from articles")
    expected = _site_with_bad_pages(newsmon)
    bad = [site.url(p) for p in expected] + [
        site.url(p) for p in ("/bad/binary.html", "/bad/empty.html", "/bad/cp1251.html")
    ]
    site.add("/rss.xml", rss2([site.url("/news/good-1.html"), *bad]))
    site.add("/broken.xml", Route(b"<rss><channel><item><title>unclosed", content_type="text/xml"))
    newsmon.configure(_config(newsmon), timeout=1, max_page_size="2MB")

    result = newsmon.run("crawl")

    assert result.returncode == 0, result.stderr  # the source as a whole worked
    run = newsmon.rows("select * from crawl_runs order by id desc")[0]
    errors = json.loads(run["errors_by_kind"])
    for kind in set(expected.values()) | {"bad_feed"}:
        assert errors.get(kind, 0) >= 1, (kind, errors)
    assert run["status"] == "partial"
    assert run["skipped"] >= 2  # binary and empty pages: no article
    after = newsmon.rows("select * from articles where id = ?", [before[0]["id"]])
    assert after == before[:1]
    titles = [r["title"] for r in newsmon.rows("select title from articles")]
    assert titles == ["Добра новина про укриття", WIN1251_TITLE]
    reasons = {r["url"]: r["reason"] for r in newsmon.rows("select url, reason from urls")}
    assert "binary" in reasons[site.url("/bad/binary.html")]
    assert "empty" in reasons[site.url("/bad/empty.html")]


def test_transient_failures_stay_queued_and_give_up_after_max_attempts(newsmon: Newsmon):
    site = newsmon.site
    site.add("/bad/error.html", Route(b"oops", status=500))
    site.add("/rss.xml", Route(rss2([site.url("/bad/error.html")]), conditional=True))
    newsmon.configure(
        f'[[sources]]\nname = "t"\nlanguage = "uk"\nfeeds = ["{site.url("/rss.xml")}"]\n',
        max_attempts=2,
    )

    newsmon.run("crawl")
    assert newsmon.rows("select state, attempts from urls") == [{"state": "pending", "attempts": 1}]
    newsmon.run("crawl")
    assert newsmon.rows("select state, attempts from urls") == [{"state": "failed", "attempts": 2}]
    site.reset_log()
    newsmon.run("crawl")
    assert site.requests_to("/bad/") == []


def test_a_feed_of_5000_items_is_read_and_queued(newsmon: Newsmon):
    site = newsmon.site
    links = [site.url(f"/many/{i}.html") for i in range(5000)]
    for link in links[:50]:
        site.add(link.removeprefix(site.base), article_html(f"Новина номер {link}"))
    site.add("/big.xml", rss2(links))
    newsmon.configure(
        f'[[sources]]\nname = "big"\nlanguage = "uk"\nfeeds = ["{site.url("/big.xml")}"]\n',
        max_articles=20,
    )

    result = newsmon.run("crawl")

    assert result.returncode == 0, result.stderr
    assert len(newsmon.rows("select id from articles")) == 20
    assert len(newsmon.rows("select url from urls where state = 'pending'")) == 4980
    assert len(site.requests_to("/many/")) == 20
