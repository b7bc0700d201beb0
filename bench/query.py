"""Search speed on a large archive: median and p95 of the queries users run most.

Usage: python bench/query.py CORPUS... [--articles 1000000] [--archive PATH] [--repeat 30]
e.g.   nice -n 10 python bench/query.py ../shared/corpus/* ../shared/labels/dev.jsonl

Builds (once; later runs reuse it) an archive of N articles whose texts are assembled
from the sentences of the corpora (folders with items.tsv and truth texts, or JSON Lines
with text and lang), read from ../shared at run time and never copied into the project.
Articles are spread over 30 sources, uk/ru/en and three years ending now; 3% are flagged
(categories, evidence), 0.2% name a watchlist person, 3% are copies of an earlier
article. Rows are inserted in bulk with the full-text triggers off, and both full-text
indexes are built after: the same tables and tokens as `newsmon crawl` writes.

Then each query runs --repeat times through the code `newsmon query` uses (parse, compile,
SQL, snippets), in this process: a rare word (a surname in 0.003% of articles, searched
in another inflection), a common word with --limit 20, flagged articles of the last 7
days, and one source's month. Printed: median and p95 per query, the archive's bytes per
article, and the size of each full-text index.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.search import parse_time, search  # noqa: E402
from crawler.words import index_text  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.search import Filters  # noqa: E402

SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
UK_LETTERS = re.compile(r"[іїєґ]", re.IGNORECASE)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# (share of sources, language)
LANGUAGES = (("uk", 0.6), ("ru", 0.2), ("en", 0.2))
SOURCES = 30
YEARS = 3
RARE_FORMS = ("Олександра Шумкова", "Олександру Шумкову", "Олександром Шумковим")
RARE_SHARE = 0.00003
CATEGORIES = ("pow", "exchange", "political_prisoner", "civilian_hostage", "missing", "torture")
BUILD_VERSION = "1"  # bump when the generated archive changes shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument(
        "--archive",
        type=Path,
        default=Path(tempfile.gettempdir()) / "newsmon-bench-query.db",
        help="where to build (and next time reuse) the archive",
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pools = read_pools(args.corpora)
    print("sentences: " + ", ".join(f"{lang} {len(p)}" for lang, p in pools.items()))
    if not built(args.archive, args.articles):
        build(args.archive, args.articles, pools, random.Random(args.seed))
    report(args.archive, args.articles, pools, args.repeat)


# ----------------------------------------------------------------------------- corpora


def read_pools(paths: list[Path]) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {"uk": [], "ru": [], "en": []}
    for path in paths:
        for text, lang in _texts(path):
            for sentence in SENTENCE_END.split(text):
                sentence = " ".join(sentence.replace("*", "").split())
                if 30 <= len(sentence) <= 400:
                    pools[lang or _language(sentence)].append(sentence)
    for lang, pool in pools.items():
        if not pool:
            raise SystemExit(f"no {lang} sentences in {', '.join(map(str, paths))}")
        pools[lang] = sorted(set(pool))
    return pools


def _texts(path: Path) -> list[tuple[str, str]]:
    if path.is_dir() and (path / "items.tsv").exists():
        with (path / "items.tsv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        return [
            ((path / r["truth_path"]).read_text(encoding="utf-8"), r.get("lang") or "")
            for r in rows
            if r.get("truth_path") and (path / r["truth_path"]).exists()
        ]
    if path.suffix == ".jsonl":
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return [(i["text"], i.get("lang") or "") for i in items if i.get("text")]
    return []


def _language(sentence: str) -> str:
    if UK_LETTERS.search(sentence):
        return "uk"
    return "ru" if CYRILLIC.search(sentence) else "en"


# ----------------------------------------------------------------------------- building


def built(path: Path, articles: int) -> bool:
    if not path.exists():
        return False
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("select articles, version from bench_meta").fetchone()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return row == (articles, BUILD_VERSION)


def build(path: Path, articles: int, pools: dict[str, list[str]], rng: random.Random) -> None:
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with Archive(path):
        pass  # the schema, by the migrations
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("pragma journal_mode=off")
    conn.execute("pragma synchronous=off")
    conn.execute("pragma cache_size=-500000")
    triggers = conn.execute(
        "select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'articles'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"drop trigger {name}")
    tokens = {lang: [index_text("", s, lang) for s in pool] for lang, pool in pools.items()}
    rare = {form: index_text("", f"Звільнено {form}.", "uk") for form in RARE_FORMS}
    print(f"tokenised the sentences in {time.perf_counter() - started:.0f} s", flush=True)
    sources = [(f"source-{i:02d}", _pick(LANGUAGES, i / SOURCES)) for i in range(SOURCES)]
    end = datetime.now(UTC)
    start = end - timedelta(days=365 * YEARS)
    step = (end - start) / articles
    generator = _Articles(pools, tokens, rare, sources, rng)
    batch: list[tuple[Any, ...]] = []
    for i in range(1, articles + 1):
        batch.append(generator.make(i, start + step * i))
        if len(batch) == 10_000 or i == articles:
            _insert(conn, batch)
            batch = []
            if i % 100_000 == 0:
                print(f"  {i} articles, {time.perf_counter() - started:.0f} s", flush=True)
    compounds = generator.compounds
    conn.execute("begin")
    conn.executemany("insert or ignore into word_compounds values (?, ?)", sorted(compounds))
    conn.execute("commit")
    print("rebuilding articles_fts", flush=True)
    conn.execute("insert into articles_fts (articles_fts) values ('rebuild')")
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("create table bench_meta (articles int, version text)")
    conn.execute("insert into bench_meta values (?, ?)", [articles, BUILD_VERSION])
    # No ANALYZE: newsmon never runs it, so the query plans are those users get.
    conn.execute("pragma journal_mode=wal")
    conn.close()
    print(f"built {articles} articles in {time.perf_counter() - started:.0f} s", flush=True)


def _pick(choices: tuple[tuple[str, float], ...], x: float) -> str:
    for value, share in choices:
        if x < share:
            return value
        x -= share
    return choices[-1][0]


class _Articles:
    def __init__(
        self,
        pools: dict[str, list[str]],
        tokens: dict[str, list[Any]],
        rare: dict[str, Any],
        sources: list[tuple[str, str]],
        rng: random.Random,
    ) -> None:
        self.pools, self.tokens, self.rare, self.sources, self.rng = (
            pools,
            tokens,
            rare,
            sources,
            rng,
        )
        self.compounds: set[tuple[str, str]] = set()
        self.originals: list[int] = []

    def make(self, i: int, fetched: datetime) -> tuple[Any, ...]:
        rng = self.rng
        source, lang = self.sources[rng.randrange(SOURCES)]
        pool, tokens = self.pools[lang], self.tokens[lang]
        picks = [rng.randrange(len(pool)) for _ in range(rng.randint(8, 24))]
        title_pick = rng.randrange(len(pool))
        text = " ".join(pool[p] for p in picks)
        words = " ".join(tokens[p].text for p in picks)
        for p in picks:
            self.compounds |= tokens[p].compounds
        if lang == "uk" and rng.random() < RARE_SHARE / 0.6:
            form = rng.choice(RARE_FORMS)
            text += f" Звільнено {form}."
            words += " " + self.rare[form].text
        duplicate_of = None
        if self.originals and rng.random() < 0.03:
            duplicate_of = rng.choice(self.originals[-1000:])
        else:
            self.originals.append(i)
        published = None
        if rng.random() > 0.02:
            local = fetched - timedelta(minutes=rng.randint(1, 360)) + timedelta(hours=2)
            published = local.strftime("%Y-%m-%dT%H:%M:%S+02:00")
        flagged = rng.random() < 0.03
        watch = flagged and rng.random() < 0.07
        categories = rng.sample(CATEGORIES, rng.randint(1, 2)) if flagged else []
        evidence = (
            [{"term": "полон", "category": categories[0], "sentence": pool[picks[0]][:200]}]
            if flagged
            else []
        )
        return (
            i,
            f"https://{source}.example/{i}",
            source,
            pool[title_pick][:120],
            text,
            published,
            fetched.isoformat(timespec="seconds"),
            lang,
            f"{i:x}",
            duplicate_of,
            self.tokens[lang][title_pick].text,
            words,
            1 if flagged else 0,
            round(rng.uniform(0.5, 1.0) if flagged else rng.uniform(0, 0.3), 3),
            json.dumps(categories),
            json.dumps(evidence, ensure_ascii=False),
            json.dumps(["Олександр Шумков"] if watch else [], ensure_ascii=False),
        )


def _insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.execute("begin")
    conn.executemany(
        "insert into articles (id, url, canonical_url, source, title, text, published, fetched,"
        " language, language_score, content_hash, duplicate_of, tags)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1.0, ?, ?, '[]')",
        [(r[0], r[1], r[1], *r[2:10]) for r in rows],
    )
    conn.executemany(
        "insert into articles_words (rowid, title, text) values (?, ?, ?)",
        [(r[0], r[10], r[11]) for r in rows],
    )
    conn.executemany(
        "insert into verdicts (article_id, topic, flag, score, categories, evidence, watchlist,"
        " vocabulary, classified) values (?, 'captivity', ?, ?, ?, ?, ?, 'bench', ?)",
        [(r[0], *r[12:17], r[6]) for r in rows],
    )
    conn.execute("commit")


# ----------------------------------------------------------------------------- measuring


def report(path: Path, articles: int, pools: dict[str, list[str]], repeat: int) -> None:
    conn = sqlite3.connect(path)
    common = _common_word(pools["uk"])
    month_end = datetime.now(UTC).date().replace(day=1)
    month_start = (month_end - timedelta(days=1)).replace(day=1)
    queries: list[tuple[str, str | None, Filters, int]] = [
        ("rare word: Шумкову", "Шумкову", Filters(), 20),
        (f"common word: {common} --limit 20", common, Filters(), 20),
        ("--flagged --since 7d", None, Filters(flagged=True, since=parse_time("7d")), 1000),
        (
            f"--source source-00 --since {month_start} --until {month_end}",
            None,
            Filters(
                sources=("source-00",), since=month_start.isoformat(), until=month_end.isoformat()
            ),
            5000,
        ),
    ]
    print(f"\n{articles} articles, {repeat} runs each (ms):")
    print(f"{'query':58} {'median':>8} {'p95':>8} {'hits':>6}")
    for label, text, filters, limit in queries:
        times, hits = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            hits = len(list(search(conn, text, filters, limit=limit).rows))
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"{label:58} {statistics.median(times):8.1f} {p95:8.1f} {hits:6}")
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    print(f"\narchive: {size / 1e9:.2f} GB, {size / articles:.0f} bytes per article")
    for name, pages in _index_sizes(conn):
        print(f"  {name:18} {pages / articles:6.0f} bytes per article")
    conn.close()


def _common_word(pool: list[str]) -> str:
    counts = Counter(w for s in pool for w in set(re.findall(r"\w{6,}", s.lower())))
    return counts.most_common(1)[0][0]


def _index_sizes(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    try:
        rows = conn.execute("select name, sum(pgsize) from dbstat group by name").fetchall()
    except sqlite3.Error:
        return []
    groups: Counter[str] = Counter()
    for name, size in rows:
        for prefix in ("articles_fts", "articles_words", "verdicts", "word_compounds"):
            if name.startswith(prefix):
                groups[prefix] += size
                break
        else:
            groups["articles + indexes" if "articles" in name else "other"] += size
    return sorted(groups.items(), key=lambda kv: -kv[1])


if __name__ == "__main__":
    main()
