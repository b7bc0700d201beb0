"""Extraction quality and cost of newsmon against plain trafilatura, per corpus, in one run.

Usage: python bench/extract_quality.py CORPUS_DIR [CORPUS_DIR ...] [--repeat N] [--config PATH]
e.g.   python bench/extract_quality.py ../shared/corpus/*/

Each corpus folder holds items.tsv (id, url, html_path, truth_path, site, lang) with gzipped
HTML as served and hand-made main texts. Quality is the corpus README's metric: token 4-gram
precision, recall and F1 of the text (title left out, for every system alike), averaged over
pages. Compared on the same pages:

  trafilatura              trafilatura.extract(html, url=url), as in the README
  trafilatura precision    the same with favor_precision=True
  newsmon generic          extract_article with no site rules and no learned template:
                           what any unseen site gets
  newsmon + site rules     with the drop/body rules of the config's source for the page's host
  newsmon + learned        with the template learned from the corpus's earlier pages of the
                           same site, fed in file order as a crawl would (through a real
                           archive in a temporary file)
  newsmon + both           the two together: what a crawl of a configured source does

Site rules written from corpus pages flatter the figures for those pages; the generic line
is the honest one for sites nobody has looked at.

Cost: extract_article (with the page's site rules) per page as a multiple of
trafilatura.extract alone, on the same pages in the same process, taking turns on which goes
first, --repeat times over every corpus; and language detection per page.

In this process trafilatura.extract runs with the parser setting that importing
crawler.extract makes (every element one class, chosen in C): about 8 % faster than
in a process of its own, so the ratio errs against newsmon.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import logging
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.boilerplate import Dropped, SiteRules  # noqa: E402
from crawler.config import Config, load_config  # noqa: E402
from crawler.extract import Extracted, Site, extract_article  # noqa: E402
from crawler.language import detect_language  # noqa: E402
from crawler.urls import on_site, source_domains  # noqa: E402
from storage.db import Archive  # noqa: E402

_TOKEN = re.compile(r"\w+")
WARM_UP_PAGES = 5
WORST = 10
SYSTEMS = (
    "trafilatura",
    "trafilatura precision",
    "newsmon generic",
    "newsmon + site rules",
    "newsmon + learned",
    "newsmon + both",
)

Scores = tuple[float, float, float]


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    html: bytes
    truth: str
    site: str


@dataclass
class Tally:
    """What was measured on one corpus."""

    scores: dict[str, list[Scores]] = field(default_factory=lambda: defaultdict(list))
    worst: list[tuple[Scores, str]] = field(default_factory=list)
    plain_ms: list[float] = field(default_factory=list)
    ours_ms: list[float] = field(default_factory=list)
    lang_ms: list[float] = field(default_factory=list)
    ruled_pages: int = 0
    learned: Counter[str] = field(default_factory=Counter)


def load_corpus(folder: Path) -> list[Page]:
    with (folder / "items.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        Page(
            id=row["id"],
            url=row["url"],
            html=gzip.decompress((folder / row["html_path"]).read_bytes()),
            truth=(folder / row["truth_path"]).read_text(encoding="utf-8"),
            site=row.get("site") or "",
        )
        for row in rows
    ]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(zip(tokens, tokens[1:], tokens[2:], tokens[3:], strict=False))


def prf(extracted: str, truth: str) -> Scores:
    """Token 4-gram precision, recall and F1; both empty is 1, one empty is 0."""
    got, want = shingles(extracted), shingles(truth)
    if not got and not want:
        return 1.0, 1.0, 1.0
    if not got or not want:
        return 0.0, 0.0, 0.0
    shared = sum((got & want).values())
    precision, recall = shared / got.total(), shared / want.total()
    f1 = 2 * precision * recall / (precision + recall) if shared else 0.0
    return precision, recall, f1


def site_rules(config: Config, url: str) -> SiteRules:
    """The rules of the first configured source whose sites hold ``url``."""
    for source in config.sources:
        if (source.drop or source.body) and on_site(url, source_domains(source)):
            return source.rules
    return SiteRules()


def text_of(result: Any) -> str:
    return result.text if isinstance(result, Extracted) else ""


# -- quality -------------------------------------------------------------------------------


def score_corpus(pages: list[Page], config: Config, tally: Tally) -> None:
    for page in pages:
        rules = site_rules(config, page.url)
        tally.ruled_pages += rules != SiteRules()
        plain = trafilatura.extract(page.html, url=page.url) or ""
        precise = trafilatura.extract(page.html, url=page.url, favor_precision=True) or ""
        generic = text_of(extract_article(page.html, page.url))
        ruled = text_of(extract_article(page.html, page.url, site=Site(rules)))
        for name, text in zip(SYSTEMS, (plain, precise, generic, ruled), strict=False):
            tally.scores[name].append(prf(text, page.truth))
    for name, with_rules in (("newsmon + learned", False), ("newsmon + both", True)):
        for page, text in zip(pages, learn_in_order(pages, config, with_rules, tally), strict=True):
            tally.scores[name].append(prf(text, page.truth))
    both = tally.scores["newsmon + both"][-len(pages) :]
    tally.worst = sorted(zip(both, (p.url for p in pages), strict=True))[:WORST]


def learn_in_order(pages: list[Page], config: Config, with_rules: bool, tally: Tally) -> list[str]:
    """Texts of ``pages`` extracted in order, each site's template learned as they come."""
    texts = []
    with tempfile.TemporaryDirectory() as folder, Archive(Path(folder) / "bench.db") as archive:
        for page in pages:
            rules = site_rules(config, page.url) if with_rules else SiteRules()
            dropped: list[Dropped] = []
            site = Site(rules, archive.template(page.site))
            result = extract_article(page.html, page.url, site=site, explain=dropped)
            if isinstance(result, Extracted):
                archive.learn_template(page.site, result.blocks)
            learned = [d for d in dropped if d.rule == "site template"]
            if learned and not with_rules:
                tally.learned["lines"] += len(learned)
                tally.learned["pages"] += 1
            texts.append(text_of(result))
    return texts


# -- cost ----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def time_page(page: Page, rules: SiteRules, tally: Tally, ours_first: bool) -> None:
    def plain() -> Any:
        return trafilatura.extract(page.html, url=page.url)

    def ours() -> Any:
        return extract_article(page.html, page.url, site=Site(rules))

    if ours_first:
        article, ours_ms = timed(ours)
        _, plain_ms = timed(plain)
    else:
        _, plain_ms = timed(plain)
        article, ours_ms = timed(ours)
    tally.plain_ms.append(plain_ms)
    tally.ours_ms.append(ours_ms)
    if isinstance(article, Extracted):
        _, lang_ms = timed(lambda: detect_language(f"{article.title}\n{article.text}"))
        tally.lang_ms.append(lang_ms)


def warm_up(pages: list[Page]) -> None:
    """First calls load dateparser's locales, langdetect's profiles and fill caches."""
    for page in pages[:WARM_UP_PAGES]:
        trafilatura.extract(page.html, url=page.url)
        result = extract_article(page.html, page.url)
        if isinstance(result, Extracted):
            detect_language(result.text)


# -- report --------------------------------------------------------------------------------


def mean(scores: list[Scores]) -> str:
    p, r, f = (fmean(s[i] for s in scores) for i in range(3))
    return f"{p:.3f}  {r:.3f}  {f:.3f}"


def report(name: str, tally: Tally, pages: int) -> None:
    print(f"\n== {name}: {pages} pages")
    print(f"  {'':24}  P      R      F1")
    for system in SYSTEMS:
        note = ""
        if system == "newsmon + site rules":
            note = f"   (rules for {tally.ruled_pages} of the pages)"
        elif system == "newsmon + learned":
            note = f"   (learned blocks dropped: {tally.learned['lines']} lines"
            note += f" on {tally.learned['pages']} pages)"
        print(f"  {system:24}{mean(tally.scores[system])}{note}")
    if tally.plain_ms:
        plain, ours = fmean(tally.plain_ms), fmean(tally.ours_ms)
        lang = fmean(tally.lang_ms) if tally.lang_ms else 0.0
        print(
            f"  time per page: trafilatura.extract {plain:.1f} ms, newsmon {ours:.1f} ms"
            f" = {ours / plain:.2f}x; language detection {lang:.2f} ms"
            f" ({len(tally.plain_ms)} timings)"
        )
    if tally.worst:
        print("  worst pages, newsmon + both (P R F1):")
        for (p, r, f), url in tally.worst:
            print(f"    {p:.3f} {r:.3f} {f:.3f}  {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="folders with items.tsv")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over every corpus")
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml", help="site rules")
    args = parser.parse_args()
    # trafilatura logs a warning for every page it discards; that is not news here.
    logging.disable(logging.WARNING)
    config = load_config(args.config)
    corpora = {folder.resolve().name: load_corpus(folder) for folder in args.corpora}
    tallies = {name: Tally() for name in corpora}
    for name, pages in corpora.items():
        score_corpus(pages, config, tallies[name])
    for pages in corpora.values():
        warm_up(pages)
    turn = 0
    for _ in range(args.repeat):
        for name, pages in corpora.items():
            for page in pages:
                time_page(page, site_rules(config, page.url), tallies[name], turn % 2 == 1)
                turn += 1
    for name, tally in tallies.items():
        report(name, tally, len(corpora[name]))
    if len(tallies) > 1:
        report("all corpora", merge(list(tallies.values())), sum(map(len, corpora.values())))


def merge(tallies: list[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        for system, scores in tally.scores.items():
            total.scores[system] += scores
        total.plain_ms += tally.plain_ms
        total.ours_ms += tally.ours_ms
        total.lang_ms += tally.lang_ms
        total.ruled_pages += tally.ruled_pages
        total.learned += tally.learned
    return total


if __name__ == "__main__":
    main()
