"""The command line as users meet it: extract, help, versions, errors and exit codes."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time

from sqlite_utils import Database

from storage.migrations import migrations
from tests.conftest import NEWSMON, Newsmon
from tests.pages import article_html, listing_html, rss2
from tests.sitekit import Route

MIGRATIONS = "_sqlite_migrations"  # sqlite-utils' record of the applied migrations
NEWEST = migrations.pending(Database(memory=True))[-1].name  # what a new archive is at


def test_extract_prints_the_article_as_json(newsmon: Newsmon):
    newsmon.configure("")  # --json classifies with the config's topics and watchlist
    page = newsmon.tmp_path / "page.html"
    html = article_html(
        "Україна повернула з полону 95 захисників", canonical="https://example.ua/news/1.html"
    )
    page.write_bytes(html.encode("cp1251").replace(b'charset="utf-8"', b'charset="windows-1251"'))

    result = newsmon.run(
        "extract", "--json", "--url", "https://example.ua/news/1.html?utm_source=x", str(page)
    )

    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["title"] == "Україна повернула з полону 95 захисників"
    assert record["text"].startswith("Уряд ухвалив рішення")
    assert record["author"] == "Олена Коваленко"
    assert record["published"] == "2026-11-20T10:15:00+02:00"
    assert record["language"] == "uk"
    assert record["encoding"] == "cp1251"
    assert record["canonical_url"] == "https://example.ua/news/1.html"


def test_extract_reads_stdin_and_prints_text(newsmon: Newsmon):
    result = newsmon.run("extract", "-", input=article_html("Заголовок новини").encode())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Заголовок новини\n\nУряд ухвалив рішення")


def test_extract_of_a_page_without_article_exits_1_with_the_reason(newsmon: Newsmon):
    links = [f"/news/{i}.html" for i in range(30)]
    result = newsmon.run("extract", "-", input=listing_html(links).encode())
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Error: no article on this page" in result.stderr


PROMO = "Наш фонд збирає на дрони для бригади, долучайтеся до збору вже сьогодні"
READ_ALSO = "Читайте також: Україна повернула з полону 95 захисників"


def _page_with_boilerplate() -> bytes:
    html = article_html("Укриття в гімназії відремонтували")
    extra = (
        f'<p class="promo">{PROMO}</p><p><b>Читайте також:</b> <a href="/news/2">Україна '
        "повернула з полону 95 захисників</a></p>"
    )
    return html.replace('<div class="article-body">', '<div class="article-body">' + extra).encode()


def test_extract_explain_lists_what_was_left_out_with_the_source_s_rules(newsmon: Newsmon):
    newsmon.configure(
        '[[sources]]\nname = "zt-uk"\nlanguage = "uk"\nfeeds = ["https://zt.example.ua/rss"]\n'
        'drop = ["p.promo"]\n'
    )
    page = newsmon.tmp_path / "page.html"
    page.write_bytes(_page_with_boilerplate())
    url = "https://zt.example.ua/news/1.html"

    plain = newsmon.run("extract", "--url", url, str(page))
    assert plain.returncode == 0, plain.stderr
    assert PROMO not in plain.stdout and READ_ALSO not in plain.stdout
    assert "left out" not in plain.stdout
    assert "шкільних укриттів" in plain.stdout

    explained = newsmon.run("extract", "--explain", "--url", url, str(page))
    assert explained.returncode == 0, explained.stderr
    text, _, left_out = explained.stdout.partition("\n-- left out --\n")
    assert text == plain.stdout, "the same text, the explanation after it"
    assert f"[read-also line] {READ_ALSO}" in left_out.splitlines()
    rule = next(line for line in left_out.splitlines() if PROMO in line)
    assert rule.startswith("[site rule p.promo] ")

    as_json = newsmon.run("extract", "--json", "--explain", "--url", url, str(page))
    record = json.loads(as_json.stdout)
    assert {"rule": "read-also line", "text": READ_ALSO} in record["left_out"]


def test_extract_elsewhere_than_a_source_uses_the_generic_rules_only(newsmon: Newsmon):
    newsmon.configure(
        '[[sources]]\nname = "zt-uk"\nlanguage = "uk"\nfeeds = ["https://zt.example.ua/rss"]\n'
        'drop = ["p.promo"]\n'
    )
    result = newsmon.run(
        "extract", "--url", "https://other.example.ua/1", "-", input=_page_with_boilerplate()
    )
    assert result.returncode == 0, result.stderr
    assert PROMO in result.stdout and READ_ALSO not in result.stdout


def test_a_bad_config_exits_2_naming_file_line_and_key(newsmon: Newsmon):
    newsmon.config_path.write_text("[crawl]\ndelay = 1\nspeed = 3\n", encoding="utf-8")
    result = newsmon.run("crawl")
    assert result.returncode == 2
    assert f"{newsmon.config_path}:3: crawl.speed: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_source_is_named_with_the_known_ones(newsmon: Newsmon):
    newsmon.configure(
        '[[sources]]\nname = "a"\nlanguage = "uk"\nfeeds = ["http://127.0.0.1:9/f"]\n'
    )
    result = newsmon.run("crawl", "--source", "b")
    assert result.returncode == 2
    assert "no source named 'b'" in result.stderr and "configured sources: a" in result.stderr


def test_help_and_version(newsmon: Newsmon):
    help_text = newsmon.run("--help").stdout
    for command in ("crawl", "extract", "migrate"):
        assert command in help_text
    assert newsmon.run("--version").stdout.startswith("newsmon, version ")


def test_migrate_creates_the_archive(newsmon: Newsmon):
    newsmon.configure(
        '[[sources]]\nname = "a"\nlanguage = "uk"\nfeeds = ["http://127.0.0.1:9/f"]\n'
    )
    result = newsmon.run("migrate")
    assert result.returncode == 0, result.stderr
    applied = [r["name"] for r in newsmon.rows(f"select name from {MIGRATIONS} order by rowid")]
    assert applied[0] == "m001_initial" and "m003_templates" in applied
    assert applied[-1] == NEWEST
    assert result.stdout.endswith(f"schema at {NEWEST}\n")
    tables = {r["name"] for r in newsmon.rows("select name from sqlite_master where type='table'")}
    assert {"articles", "articles_fts", "urls", "feed_state", "crawl_runs", "verdicts"} <= tables
    assert {"template_pages", "template_blocks"} <= tables


def test_kill_9_mid_crawl_leaves_no_half_article_and_the_next_crawl_finishes(newsmon: Newsmon):
    site = newsmon.site
    links = []
    for i in range(40):
        path = f"/news/k-{i}.html"
        # every page is slow, so that the crawl is surely in the middle when it is killed
        site.add(
            path,
            Route(article_html(f"Новина {i} про укриття").encode(), behaviour="sleep", seconds=0.2),
        )
        links.append(site.url(path))
    site.add("/rss.xml", rss2(links))
    newsmon.configure(
        f'[[sources]]\nname = "k"\nlanguage = "uk"\nfeeds = ["{site.url("/rss.xml")}"]\n',
        concurrency=2,
    )
    proc = subprocess.Popen(
        [str(NEWSMON), "--config", str(newsmon.config_path), "crawl"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _stored(newsmon):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored_at_kill = _stored(newsmon)
    assert 0 < stored_at_kill < 40

    assert newsmon.rows("pragma integrity_check") == [{"integrity_check": "ok"}]
    unjudged = newsmon.rows(
        "select count(*) as n from articles a left join verdicts v on v.article_id = a.id"
        " where v.article_id is null"
    )
    assert unjudged == [{"n": 0}], "every stored article has its verdict"
    result = newsmon.run("crawl")
    assert result.returncode == 0, result.stderr
    assert _stored(newsmon) == 40
    assert newsmon.rows("select count(*) as n from articles where text = '' or title = ''") == [
        {"n": 0}
    ]
    fts = newsmon.rows("select count(*) as n from articles_fts")
    assert fts == [{"n": 40}], "the index holds exactly the stored articles"


def _stored(newsmon: Newsmon) -> int:
    if not newsmon.db_path.exists():
        return 0
    try:
        return int(newsmon.rows("select count(*) as n from articles")[0]["n"])
    except sqlite3.OperationalError:  # the schema may not exist yet at the very start
        return 0


def test_newsmon_config_variable_picks_the_file(newsmon: Newsmon):
    newsmon.configure(
        '[[sources]]\nname = "a"\nlanguage = "uk"\nfeeds = ["http://127.0.0.1:9/f"]\n'
    )
    env = {"PATH": "/usr/bin:/bin", "NEWSMON_CONFIG": str(newsmon.config_path)}
    result = subprocess.run(
        [str(NEWSMON), "migrate"], capture_output=True, text=True, env=env, cwd="/", timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{newsmon.db_path}: schema at {NEWEST}")
