"""End-to-end crawls of a local site with Scrapy: the SQLite rows and the requests seen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from crawler import template as tpl
from tests import storytexts as t
from tests.conftest import Newsmon
from tests.pages import (
    article_html,
    atom,
    listing_html,
    news_sitemap,
    own_paragraphs,
    rdf,
    rss2,
    sitemap_index,
)
from tests.sitekit import Route, gz, send


def _source(newsmon: Newsmon, *, name: str = "test-uk", **endpoints: object) -> str:
    lines = ["[[sources]]", f'name = "{name}"', 'language = "uk"']
    for key, value in endpoints.items():
        if isinstance(value, list):
            lines.append(f"{key} = {json.dumps([newsmon.site.url(v) for v in value])}")
        else:
            lines.append(f"{key} = '{value}'")
    return "\n".join(lines) + "\n"


def _articles(newsmon: Newsmon, *names: str) -> list[str]:
    paths = [f"/news/{n}.html" for n in names]
    for n, path in zip(names, paths, strict=True):
        newsmon.site.add(path, article_html(f"Новина про укриття {n}"))
    return paths


def test_feed_crawl_archives_each_article_once_and_second_crawl_costs_a_304(newsmon: Newsmon):
    site = newsmon.site
    paths = _articles(newsmon, "a-1", "b-2", "c-3")
    site.add(
        "/rss.xml",
        Route(
            rss2([site.url(p) for p in paths]), content_type="application/rss+xml", conditional=True
        ),
    )
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))

    first = newsmon.run("crawl")
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", "a clean crawl prints its table and nothing else"
    rows = newsmon.rows("select * from articles order by url")
    assert [r["url"] for r in rows] == [site.url(p) for p in paths]
    row = rows[0]
    assert row["title"] == "Новина про укриття a-1"
    assert "шкільних укриттів" in row["text"]
    assert "Читайте також" not in row["text"]
    assert row["author"] == "Олена Коваленко"
    assert row["published"].startswith("2026-11-20T10:15:00")
    assert row["language"] == "uk" and row["language_score"] > 0.5
    assert row["source"] == "test-uk" and row["duplicate_of"] is None
    assert newsmon.rows("select rowid from articles_fts where articles_fts match ?", ["укриття"]), (
        "the full-text index follows the table"
    )
    run = newsmon.rows("select * from crawl_runs")[0]
    assert (run["status"], run["new_articles"], run["errors"]) == ("ok", 3, 0)
    assert "test-uk" in first.stdout and "ok" in first.stdout

    site.reset_log()
    second = newsmon.run("crawl")
    assert second.returncode == 0, second.stderr
    assert site.requests_to("/news/") == []
    feed_hits = site.requests_to("/rss.xml")
    assert [h.status for h in feed_hits] == [304]
    assert feed_hits[0].headers.get("If-None-Match")
    assert len(newsmon.rows("select id from articles")) == 3
    run = newsmon.rows("select * from crawl_runs order by id desc")[0]
    assert (run["status"], run["not_modified"], run["new_articles"]) == ("ok", 1, 0)


def test_discovers_from_rdf_atom_news_sitemap_gzipped_index_and_listing(newsmon: Newsmon):
    site = newsmon.site
    paths = _articles(newsmon, *(f"n-{i}" for i in range(1, 8)))
    site.add("/rdf.xml", rdf([site.url(paths[0])]), content_type="application/rdf+xml")
    site.add("/atom.xml", atom([site.url(paths[1])]), content_type="application/atom+xml")
    site.add(
        "/news-sitemap.xml", news_sitemap([site.url(paths[2])]), content_type="application/xml"
    )
    now = datetime.now(UTC)
    site.add(
        "/sitemap-index.xml",
        sitemap_index(
            [
                (site.url("/sitemaps/2026-11.xml.gz"), now),
                (site.url("/sitemaps/plain.xml"), None),
            ]
        ),
        content_type="application/xml",
    )
    site.add(
        "/sitemaps/2026-11.xml.gz",
        gz(news_sitemap([site.url(paths[3])])),
        content_type="application/x-gzip",
    )
    site.add("/sitemaps/plain.xml", news_sitemap([site.url(paths[4])]), content_type="text/xml")
    site.add("/latest/", listing_html([site.url(p) for p in paths[5:]] + ["/about/"]))
    site.add("/about/", article_html("Про нас"))
    newsmon.configure(
        _source(
            newsmon,
            feeds=["/rdf.xml", "/atom.xml"],
            sitemaps=["/news-sitemap.xml", "/sitemap-index.xml"],
            listings=["/latest/"],
            article_pattern=r"/news/n-\d+\.html$",
        )
    )

    result = newsmon.run("crawl")

    assert result.returncode == 0, result.stderr
    stored = {r["url"] for r in newsmon.rows("select url from articles")}
    assert stored == {site.url(p) for p in paths}
    assert site.requests_to("/about/") == [], "links that do not match article_pattern"


def test_old_entries_are_ignored_by_max_age(newsmon: Newsmon):
    site = newsmon.site
    paths = _articles(newsmon, "new-1", "old-2")
    old = datetime.now(UTC) - timedelta(days=30)
    site.add(
        "/sitemap.xml",
        sitemap_index([(site.url("/recent.xml"), None), (site.url("/2019.xml"), old)]),
    )
    site.add("/recent.xml", news_sitemap([site.url(paths[0])]))
    site.add("/2019.xml", news_sitemap([site.url(paths[1])]))
    newsmon.configure(_source(newsmon, sitemaps=["/sitemap.xml"]), max_age="3d")

    assert newsmon.run("crawl").returncode == 0

    assert site.requests_to("/2019.xml") == []
    assert [r["url"] for r in newsmon.rows("select url from articles")] == [site.url(paths[0])]


def test_canonical_urls_tracking_parameters_and_offsite_links(newsmon: Newsmon):
    site = newsmon.site
    (path,) = _articles(newsmon, "same-1")
    site.add(
        "/news/amp/same-1.html", article_html("Новина про укриття same-1", canonical=site.url(path))
    )
    links = [
        site.url(path) + "?utm_source=rss&utm_medium=feed#comments",
        site.url(path),
        site.url("/news/amp/same-1.html"),
        "http://localhost:9/news/elsewhere-1.html",
    ]
    site.add("/rss.xml", rss2(links))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))

    assert newsmon.run("crawl").returncode == 0

    assert len(site.requests_to(path)) == 1, "tracking parameters and fragments are dropped"
    rows = newsmon.rows("select url, canonical_url from articles")
    assert rows == [{"url": site.url(path), "canonical_url": site.url(path)}]
    known = newsmon.rows(
        "select state, article_id from urls where url = ?", [site.url("/news/amp/same-1.html")]
    )
    assert known == [{"state": "stored", "article_id": 1}], "the AMP URL is an alias"

    site.reset_log()
    newsmon.run("crawl")
    assert site.requests_to("/news/") == [], "neither URL is fetched again"


def test_same_text_under_another_url_is_stored_as_duplicate(newsmon: Newsmon):
    site = newsmon.site
    html = article_html("Передрук новини про укриття")
    site.add("/news/original-1.html", html)
    site.add("/news/copy-2.html", html.replace("Тестові новини", "Інше видання"))
    site.add("/rss.xml", rss2([site.url("/news/original-1.html")]))
    site.add("/rss2.xml", rss2([site.url("/news/copy-2.html")]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))
    assert newsmon.run("crawl").returncode == 0
    newsmon.configure(
        _source(newsmon, feeds=["/rss.xml"])
        + _source(newsmon, name="other-uk", feeds=["/rss2.xml"])
    )
    assert newsmon.run("crawl").returncode == 0

    rows = newsmon.rows("select id, source, duplicate_of from articles order by id")
    assert rows == [
        {"id": 1, "source": "test-uk", "duplicate_of": None},
        {"id": 2, "source": "other-uk", "duplicate_of": 1},
    ]


def test_a_copy_with_small_edits_on_another_site_is_a_near_duplicate(newsmon: Newsmon):
    site = newsmon.site
    site.add("/news/exchange-1.html", article_html(t.EXCHANGE_UK_TITLE, t.EXCHANGE_UK))
    # another outlet: its own lead, a caption, the last paragraph cut, its boilerplate
    copy = article_html("Ще 95 українців повернулися додому", t.EXCHANGE_UK_COPY)
    site.add("/other/95-ukrainciv-2.html", copy)
    site.add("/rss.xml", rss2([site.url("/news/exchange-1.html")]))
    site.add("/rss2.xml", rss2([site.url("/other/95-ukrainciv-2.html")]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))
    assert newsmon.run("crawl").returncode == 0
    newsmon.configure(
        _source(newsmon, feeds=["/rss.xml"])
        + _source(newsmon, name="other-uk", feeds=["/rss2.xml"])
    )
    assert newsmon.run("crawl").returncode == 0

    rows = newsmon.rows(
        "select a.id, a.source, a.duplicate_of, a.story_id, m.kind, m.similarity, m.reason"
        " from articles a left join matches m on m.article_id = a.id order by a.id"
    )
    assert [(r["source"], r["duplicate_of"], r["story_id"], r["kind"]) for r in rows] == [
        ("test-uk", None, 1, None),
        ("other-uk", 1, 1, "near_copy"),
    ]
    assert 0.4 <= rows[1]["similarity"] < 1.0
    assert rows[1]["reason"].startswith("word 5-gram Jaccard 0.")
    runs = newsmon.rows("select source, new_articles, duplicates from crawl_runs order by id")
    assert runs[-1] == {"source": "other-uk", "new_articles": 0, "duplicates": 1}


def test_frontier_keeps_what_one_crawl_could_not_fetch(newsmon: Newsmon):
    site = newsmon.site
    paths = _articles(newsmon, *(f"f-{i}" for i in range(5)))
    site.add("/rss.xml", Route(rss2([site.url(p) for p in paths]), conditional=True))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]), max_articles=2)

    first = newsmon.run("crawl")
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", "a clean crawl prints its table and nothing else"
    assert len(newsmon.rows("select id from articles")) == 2
    assert len(newsmon.rows("select url from urls where state = 'pending'")) == 3

    newsmon.run("crawl")
    newsmon.run("crawl")
    assert len(newsmon.rows("select id from articles")) == 5, "the feed said 304; the queue did it"
    assert newsmon.rows("select url from urls where state = 'pending'") == []


def test_robots_txt_is_obeyed(newsmon: Newsmon):
    site = newsmon.site
    site.add("/private/secret-1.html", article_html("Закрита сторінка"))
    (path,) = _articles(newsmon, "open-1")
    site.add("/rss.xml", rss2([site.url("/private/secret-1.html"), site.url(path)]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))

    assert newsmon.run("crawl").returncode == 0

    assert site.requests_to("/private/") == []
    assert len(site.requests_to("/robots.txt")) == 1
    skipped = newsmon.rows("select reason from urls where state = 'skipped'")
    assert len(skipped) == 1 and "robots" in skipped[0]["reason"]


def test_a_source_whose_endpoints_all_fail_exits_1_naming_it(newsmon: Newsmon):
    site = newsmon.site
    (path,) = _articles(newsmon, "ok-1")
    site.add("/rss.xml", rss2([site.url(path)]))
    site.add("/broken.xml", Route(b"oops", status=500))
    newsmon.configure(
        _source(newsmon, feeds=["/rss.xml"])
        + _source(newsmon, name="dead-uk", feeds=["/broken.xml"])
    )

    result = newsmon.run("crawl")

    assert result.returncode == 1
    assert "dead-uk" in result.stderr and "test-uk" not in result.stderr
    runs = {r["source"]: r for r in newsmon.rows("select * from crawl_runs")}
    assert runs["dead-uk"]["status"] == "failed"
    assert json.loads(runs["dead-uk"]["errors_by_kind"]) == {"server_error": 1}
    assert runs["test-uk"]["status"] == "ok" and runs["test-uk"]["new_articles"] == 1


def test_retry_with_backoff_gets_the_page_after_a_503(newsmon: Newsmon):
    site = newsmon.site
    path = "/news/flaky-1.html"
    body = article_html("Новина, що вийшла з другої спроби").encode()
    calls = []

    def flaky(handler):
        calls.append(1)
        if len(calls) == 1:
            send(handler, 503, b"busy", "text/plain", {"Retry-After": "1"})
        else:
            send(handler, 200, body, "text/html; charset=utf-8")

    site.add(path, Route(handler=flaky))
    site.add("/rss.xml", rss2([site.url(path)]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]), retries=2)

    assert newsmon.run("crawl").returncode == 0

    assert len(calls) == 2
    assert len(newsmon.rows("select id from articles")) == 1


def test_a_redirect_off_the_source_s_sites_is_not_followed(newsmon: Newsmon):
    site = newsmon.site
    elsewhere = f"http://localhost:{site.port}/news/elsewhere-1.html"  # another host name
    site.add("/news/away-1.html", Route(status=302, headers={"Location": elsewhere}))
    site.add("/news/elsewhere-1.html", article_html("Чужий сайт"))
    site.add("/rss.xml", rss2([site.url("/news/away-1.html")]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))

    assert newsmon.run("crawl").returncode == 0

    assert site.requests_to("/news/elsewhere-1.html") == []
    assert newsmon.rows("select id from articles") == []
    (row,) = newsmon.rows("select state, reason from urls")
    assert row["state"] == "skipped" and row["reason"].startswith("offsite")


def test_a_feed_whose_links_are_all_off_site_is_reported(newsmon: Newsmon):
    site = newsmon.site
    site.add("/rss.xml", rss2([f"http://localhost:{site.port}/news/a-1.html"]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))

    result = newsmon.run("crawl")

    assert result.returncode == 0
    assert "none of the 1 links found is on 127.0.0.1: set domains" in result.stderr
    assert site.requests_to("/news/") == []


def test_a_cyrillic_slug_is_one_url_fetched_once(newsmon: Newsmon):
    site = newsmon.site
    site.add("/news/обмін-полоненими-1.html", article_html("Новина про укриття з кирилицею"))
    site.add("/rss.xml", rss2([site.url("/news/обмін-полоненими-1.html")]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))

    assert newsmon.run("crawl").returncode == 0
    assert newsmon.run("crawl").returncode == 0

    # One key per URL, the percent-encoded form Scrapy sends; nothing left pending.
    urls = newsmon.rows("select url, state from urls")
    assert urls == [
        {
            "url": site.url(
                "/news/%D0%BE%D0%B1%D0%BC%D1%96%D0%BD-%D0%BF%D0%BE%D0%BB%D0%BE%D0%BD%D0%B5%D0%BD%D0%B8%D0%BC%D0%B8-1.html"
            ),
            "state": "stored",
        }
    ]
    assert len(site.requests_to("/news/")) == 1


PROMO = "Долучайтеся до збору на дрони для бригади: кожна гривня наближає нашу перемогу"
TOWNS = ("Коростені", "Овручі", "Бердичеві", "Звягелі", "Малині", "Радомишлі", "Олевську")


def _story_page(i: int) -> str:
    town = TOWNS[i % len(TOWNS)]
    paragraphs = [
        f"У {town} після ремонту відкрили амбулаторію, роботи тривали з весни і завершилися "
        f"раніше, ніж обіцяв підрядник громаді {town}.",
        PROMO,
        f"Мешканці {town} кажуть, що давно чекали, коли лікарі знову прийматимуть у селі.",
    ]
    # Words of its own, or the pages would be near copies of each other (and a copy
    # teaches nothing about the template).
    title = f"Новина з {town}, випуск {i}"
    return article_html(title, paragraphs + own_paragraphs(title, 2))


def test_a_crawl_learns_a_source_s_template_and_leaves_it_out_of_later_pages(newsmon: Newsmon):
    site = newsmon.site
    first = tpl.MIN_PAGES
    paths = [f"/news/story-{i}.html" for i in range(first + 2)]
    for i, path in enumerate(paths):
        site.add(path, _story_page(i))
    site.add("/rss.xml", rss2([site.url(p) for p in paths[:first]]))
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]))
    assert newsmon.run("crawl").returncode == 0
    texts = [r["text"] for r in newsmon.rows("select text from articles")]
    assert len(texts) == first and all(PROMO in t for t in texts), "nothing dropped yet"
    learned = newsmon.rows(
        "select pages, stories, sample from template_blocks where source = 'test-uk'"
    )
    assert {"pages": first, "stories": tpl.MIN_STORIES, "sample": PROMO} in learned

    site.add("/rss.xml", rss2([site.url(p) for p in paths]))
    assert newsmon.run("crawl").returncode == 0
    later = [site.url(p) for p in paths[first:]]
    rows = newsmon.rows("select url, text from articles where id > ? order by id", [first])
    assert sorted(r["url"] for r in rows) == sorted(later)
    assert all(PROMO not in r["text"] and "амбулаторію" in r["text"] for r in rows)


def test_a_source_s_drop_rule_applies_in_a_crawl(newsmon: Newsmon):
    site = newsmon.site
    site.add("/news/story-1.html", _story_page(1))
    site.add("/rss.xml", rss2([site.url("/news/story-1.html")]))
    rule = "drop = [\"//p[contains(., 'збору на дрони')]\"]\n"
    newsmon.configure(_source(newsmon, feeds=["/rss.xml"]) + rule)
    result = newsmon.run("crawl")
    assert result.returncode == 0, result.stderr
    [row] = newsmon.rows("select text from articles")
    assert PROMO not in row["text"] and "амбулаторію" in row["text"]
