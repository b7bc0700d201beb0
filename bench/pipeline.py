"""What the crawl-to-archive pipeline costs, against trafilatura alone, measured in one run.

Usage: python bench/pipeline.py CORPUS... [--articles 2000] [--rounds 5]
e.g.   python bench/pipeline.py ../shared/corpus/scrapinghub ../shared/corpus/daniel-ru \
           ../shared/corpus/uk-sites

Part 1, per article: newsmon's extract + language + store (one SQLite transaction
per article, full-text index included) against ``trafilatura.extract(html_bytes,
url=url)`` on the same pages; rounds alternate so that machine noise hits both.

In this process trafilatura.extract runs with the parser setting that importing
crawler.extract makes (every element one class, chosen in C): about 8 % faster than
in a process of its own, so the ratio errs against newsmon.

Part 2, a backfill: a local site on 127.0.0.1 serves N article pages made from the
corpus pages (each round through them with its words reordered, so that no page is a
copy of another; the output says how many were stored as copies all the same) and a
sitemap of them; ``newsmon crawl`` archives them all with delays off, and a minimal
Scrapy spider that only runs ``trafilatura.extract`` on each page crawls the same site.
Both are whole processes, timed from start to exit; peak memory is the largest sum of
the proportional set sizes (Pss) of the process and its children, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import decode_html  # noqa: E402
from crawler.process import Page, process_page  # noqa: E402
from storage.db import Archive, ArticleRow  # noqa: E402


def load_pages(corpora: list[Path]) -> list[tuple[str, bytes]]:
    pages = []
    for corpus in corpora:
        with open(corpus / "items.tsv", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                html = gzip.decompress((corpus / row["html_path"]).read_bytes())
                pages.append((row["url"], html))
    return pages


# -- part 1 ------------------------------------------------------------------------------


def time_trafilatura(pages: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    for url, html in pages:
        trafilatura.extract(html, url=url)
    return time.perf_counter() - start


def time_pipeline(pages: list[tuple[str, bytes]], folder: Path, round_no: int) -> float:
    archive = Archive(folder / f"round{round_no}.db")
    start = time.perf_counter()
    for url, html in pages:
        page = Page(url=url, requested_url=url, source="bench", language="", domains=(), body=html)
        result = process_page(page).result
        if isinstance(result, ArticleRow):
            archive.store(result)
        else:
            archive.record_skip([url], "bench", result.reason)
    elapsed = time.perf_counter() - start
    archive.close()
    return elapsed


def per_article(pages: list[tuple[str, bytes]], rounds: int) -> float:
    """Print the per-article figures; return trafilatura's seconds per page."""
    n = len(pages)
    # one warm-up of each: imports, lazily built models, the page cache
    time_trafilatura(pages[:20])
    with tempfile.TemporaryDirectory() as tmp:
        time_pipeline(pages[:20], Path(tmp), -1)
        base, ours = [], []
        for r in range(rounds):
            base.append(time_trafilatura(pages))
            ours.append(time_pipeline(pages, Path(tmp), r))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"Per article, {n} pages, median of {rounds} rounds")
    print(f"  trafilatura.extract alone         {b / n * 1000:7.2f} ms")
    print(f"  newsmon extract+language+store    {o / n * 1000:7.2f} ms")
    print(f"  ratio                             {o / b:7.2f}x   (goal <= 1.3x)")
    return b / n


# -- part 2 ------------------------------------------------------------------------------


class Site:
    """N article pages and a sitemap of them, served from memory.

    There are fewer corpus pages than N, so the k-th round through them serves each page
    with the words of every text run reordered (see ``reordered``): a different text
    with the same words, length and markup. An added paragraph would not do: newsmon
    leaves it out as boilerplate, and four in five pages were stored as copies of the
    first round, which is cheaper (no near-copy or story search) than a real backfill.
    """

    def __init__(self, pages: list[tuple[str, bytes]], count: int) -> None:
        self.routes: dict[str, tuple[bytes, str]] = {}
        locs = []
        for i in range(count):
            _, html = pages[i % len(pages)]
            body = reordered(html, i // len(pages))
            path = f"/a/{i}.html"
            self.routes[path] = (body, "text/html")
            locs.append(path)
        self.routes["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
        self.locs = locs
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.base = base
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in locs)
        sitemap = (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        ).encode()
        self.routes["/sitemap.xml"] = (sitemap, "application/xml")
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                body, ctype = routes.get(self.path, (b"not found", "text/plain"))
                self.send_response(200 if self.path in routes else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


_MARKUP = re.compile(r"(<script.*?</script>|<style.*?</style>|<!--.*?-->|<[^>]*>)", re.S | re.I)
_TOKENS = re.compile(r"\w+|\W+")


def reordered(html: bytes, variant: int) -> bytes:
    """The page with the words of each text run between tags put in another order: the
    same words, so lemmas, language and costs stay alike, but none of the word 5-grams
    that newsmon's copy detection compares. Variant 0 is the page as it is."""
    if variant == 0:
        return html
    text, encoding = decode_html(html)
    parts = _MARKUP.split(text)
    for i in range(0, len(parts), 2):  # the even parts are text, the odd ones markup
        parts[i] = _reorder_words(parts[i], variant)
    return "".join(parts).encode(encoding, errors="xmlcharrefreplace")


def _reorder_words(run: str, variant: int) -> str:
    tokens = _TOKENS.findall(run)
    slots = [i for i, t in enumerate(tokens) if t[0].isalnum() or t[0] == "_"]
    words = [tokens[i] for i in slots]
    step = variant + 1  # every step-th word, then the next ones: no two neighbours stay so
    words = [w for start in range(step) for w in words[start::step]]
    for i, word in zip(slots, words, strict=True):
        tokens[i] = word
    return "".join(tokens)


MINIMAL_SPIDER = """
import sys, scrapy, trafilatura
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider

class Minimal(SitemapSpider):
    name = "minimal"
    sitemap_urls = [sys.argv[1]]
    def parse(self, response):
        text = trafilatura.extract(response.body, url=response.url)
        yield {"url": response.url, "chars": len(text or "")}

process = CrawlerProcess({"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "DOWNLOAD_DELAY": 0, "ROBOTSTXT_OBEY": True,
    "TELNETCONSOLE_ENABLED": False})
process.crawl(Minimal)
process.start()
"""


def run_measured(cmd: list[str], cwd: Path) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Wall time and peak resident memory (process tree, bytes) of one command."""
    # Output goes to files: a pipe nobody reads while polling fills up and hangs the child.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())
    return elapsed, peak, result


def tree_rss(pid: int) -> int:
    """Proportional set size (Pss) of a process and all its descendants, in bytes.

    Pss, not RSS: worker processes forked from one server share most of their pages,
    and summing their RSS would count the shared pages once per worker.
    """
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()
            total += 1024 * int(next(ln.split()[1] for ln in rollup if ln.startswith("Pss:")))
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def backfill(pages: list[tuple[str, bytes]], count: int, seconds_per_page: float) -> None:
    site = Site(pages, count)
    newsmon = Path(sys.executable).parent / "newsmon"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "config.toml").write_text(
            '[storage]\npath = "bench.db"\n[crawl]\ndelay = 0\nconcurrency = 16\n'
            f'max_age = "0"\nmax_articles = {count + 10}\nretries = 0\n'
            f'[[sources]]\nname = "bench"\nlanguage = "uk"\n'
            f'sitemaps = ["{site.base}/sitemap.xml"]\n',
            encoding="utf-8",
        )
        (folder / "minimal.py").write_text(MINIMAL_SPIDER, encoding="utf-8")
        t_min, m_min, r_min = run_measured(
            [sys.executable, "minimal.py", f"{site.base}/sitemap.xml"], folder
        )
        t_new, m_new, r_new = run_measured([str(newsmon), "crawl"], folder)
        import sqlite3

        conn = sqlite3.connect(folder / "bench.db")
        stored = conn.execute("select count(*) from articles").fetchone()[0]
        copies = conn.execute(
            "select count(*) from articles where duplicate_of is not null"
        ).fetchone()[0]
        states = dict(conn.execute("select state, count(*) from urls group by state").fetchall())
        conn.close()
    for r in (r_min, r_new):
        if r.returncode != 0:
            print(f"  command failed ({r.returncode}): {r.args}\n{r.stderr[-2000:]}")
    print(f"\nBackfill of {count} articles from a local site, delays off, {os.cpu_count()} cores")
    print(
        f"  minimal Scrapy + trafilatura.extract  {count / t_min:6.1f} pages/s   "
        f"peak {m_min / 2**20:6.0f} MB"
    )
    print(
        f"  newsmon crawl (every page stored)     {count / t_new:6.1f} pages/s   "
        f"peak {m_new / 2**20:6.0f} MB   ({stored} articles, {copies} of them stored as "
        f"copies; URLs by state: {states})"
    )
    print(
        f"  newsmon / minimal                     {t_min / t_new:6.2f}x throughput   "
        f"(goal >= 30 pages/s)"
    )
    cores = os.cpu_count() or 1
    print(
        f"  ceiling: {cores} cores running only trafilatura.extract on these pages: "
        f"{cores / seconds_per_page:.1f} pages/s"
    )
    site.server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-backfill", action="store_true")
    args = parser.parse_args()
    pages = load_pages(args.corpora)
    seconds_per_page = per_article(pages, args.rounds)
    if not args.skip_backfill:
        backfill(pages, args.articles, seconds_per_page)


if __name__ == "__main__":
    main()
