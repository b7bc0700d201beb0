"""Time and score extract_article and detect_language against plain trafilatura.extract.

Usage: python bench/extract_speed.py CORPUS_DIR [CORPUS_DIR ...] [--repeat N]

Each corpus folder holds items.tsv (id, url, html_path, truth_path, site, lang) with gzipped
HTML as served and hand-made main texts. All three are timed in one run on the same pages,
taking turns on which goes first so that neither inherits the other's warm caches. Scores
are token 4-gram precision, recall and F1 against the truth (see the corpus README).
"""

import argparse
import csv
import gzip
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract import Extracted, extract_article
from crawler.language import detect_language

_TOKEN = re.compile(r"\w+")
WARM_UP_PAGES = 5


@dataclass(frozen=True)
class Page:
    url: str
    html: bytes
    truth: str
    lang: str


@dataclass
class Tally:
    """Per-page measurements of one corpus."""

    plain_ms: list[float] = field(default_factory=list)
    ours_ms: list[float] = field(default_factory=list)
    lang_ms: list[float] = field(default_factory=list)
    plain_prf: list[tuple[float, float, float]] = field(default_factory=list)
    ours_prf: list[tuple[float, float, float]] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)


def load_corpus(folder: Path) -> list[Page]:
    with (folder / "items.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        Page(
            url=row["url"],
            html=gzip.decompress((folder / row["html_path"]).read_bytes()),
            truth=(folder / row["truth_path"]).read_text(encoding="utf-8"),
            lang=row.get("lang") or "",
        )
        for row in rows
    ]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(zip(tokens, tokens[1:], tokens[2:], tokens[3:], strict=False))


def prf(extracted: str, truth: str) -> tuple[float, float, float]:
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


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def measure_page(page: Page, tally: Tally, ours_first: bool) -> None:
    def plain() -> str | None:
        return trafilatura.extract(page.html, url=page.url)

    def ours() -> Any:
        return extract_article(page.html, page.url)

    if ours_first:
        article, ours_ms = timed(ours)
        text, plain_ms = timed(plain)
    else:
        text, plain_ms = timed(plain)
        article, ours_ms = timed(ours)
    tally.plain_ms.append(plain_ms)
    tally.ours_ms.append(ours_ms)
    tally.plain_prf.append(prf(text or "", page.truth))
    if isinstance(article, Extracted):
        tally.outcomes["article"] += 1
        (code, _), lang_ms = timed(lambda: detect_language(f"{article.title}\n{article.text}"))
        tally.lang_ms.append(lang_ms)
        tally.languages[f"{page.lang or '?'}->{code}"] += 1
        tally.ours_prf.append(prf(article.text, page.truth))
    else:
        tally.outcomes[article.reason] += 1
        tally.lang_ms.append(0.0)  # a skipped page costs no language detection
        tally.ours_prf.append(prf("", page.truth))


def warm_up(pages: list[Page]) -> None:
    """First calls load dateparser's locales, langdetect's profiles and fill caches."""
    for page in pages[:WARM_UP_PAGES]:
        trafilatura.extract(page.html, url=page.url)
        result = extract_article(page.html, page.url)
        if isinstance(result, Extracted):
            detect_language(result.text)


def mean_prf(scores: list[tuple[float, float, float]]) -> str:
    p, r, f = (fmean(s[i] for s in scores) for i in range(3))
    return f"P {p:.3f}  R {r:.3f}  F1 {f:.3f}"


def report(name: str, tally: Tally) -> None:
    plain, ours, lang = fmean(tally.plain_ms), fmean(tally.ours_ms), fmean(tally.lang_ms)
    print(f"\n== {name}: {len(tally.plain_ms)} page measurements")
    print(f"  trafilatura.extract     {plain:8.2f} ms/page   1.00x")
    print(f"  extract_article         {ours:8.2f} ms/page   {ours / plain:.2f}x")
    print(f"  detect_language         {lang:8.3f} ms/page   {lang / plain:.3f}x")
    print(f"  extract + language      {ours + lang:8.2f} ms/page   {(ours + lang) / plain:.2f}x")
    print(f"  text, plain trafilatura {mean_prf(tally.plain_prf)}")
    print(f"  text, extract_article   {mean_prf(tally.ours_prf)}")
    print(f"  outcomes  {dict(tally.outcomes)}")
    print(f"  languages {dict(tally.languages)}")


def merge(tallies: list[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.plain_ms += tally.plain_ms
        total.ours_ms += tally.ours_ms
        total.lang_ms += tally.lang_ms
        total.plain_prf += tally.plain_prf
        total.ours_prf += tally.ours_prf
        total.outcomes += tally.outcomes
        total.languages += tally.languages
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="folders with items.tsv")
    parser.add_argument("--repeat", type=int, default=1, help="passes over every corpus")
    args = parser.parse_args()
    # trafilatura logs a warning for every page it discards; that is not news here.
    logging.disable(logging.WARNING)
    corpora = {folder.name: load_corpus(folder) for folder in args.corpora}
    for pages in corpora.values():
        warm_up(pages)
    tallies = {name: Tally() for name in corpora}
    turn = 0
    for _ in range(args.repeat):
        for name, pages in corpora.items():
            for page in pages:
                measure_page(page, tallies[name], ours_first=turn % 2 == 1)
                turn += 1
    for name, tally in tallies.items():
        report(name, tally)
    if len(tallies) > 1:
        report("all corpora", merge(list(tallies.values())))


if __name__ == "__main__":
    main()
