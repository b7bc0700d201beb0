"""Per-article cost of the near-copy and story checks with 10,000 and 1,000,000 articles
already stored, in the same run, and the memory they use.

    nice python bench/dedupe.py ../shared/corpus/* [--sizes 10000 1000000] [--new 600]

Each archive is filled fast, by bulk inserts: articles at a steady news rate (--per-day,
1,400 a day: a million articles is two years of the 42 shipped sources), each original
with its LSH band rows (random 64-bit keys for the old ones: distinct texts' keys are as
good as random), and the articles of the last STORY_WINDOW with their real texts and
story features. Texts are made of sentences of the corpora in ../shared (read here,
never copied). Then --new articles are placed (a third near copies of recent ones with a
new lead and boilerplate, a third sharing the facts of a recent one, a third new) and
each one's checks are timed: `dedupe.place` (near-copy lookup and verification, story
lookup) plus `dedupe.record` (its index rows and the window's pruning), as
`Archive.store` runs them. The MinHash itself is computed in the extraction workers and
timed apart.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from crawler.fingerprint import STORY_WINDOW, fingerprint, pack_stems
from storage import dedupe
from storage.db import Archive

BANDS_PER_ARTICLE = 24
SENTENCE = re.compile(r"(?<=[.!?])\s+")
BOILERPLATE = "Підписуйтеся на наш Telegram-канал, щоб першими дізнаватися головні новини."


def sentences(corpora: list[Path]) -> dict[str, list[str]]:
    """Sentences of 6 to 60 words of the corpora's hand-made texts, by language."""
    pool: dict[str, list[str]] = {}
    for folder in corpora:
        items = folder / "items.tsv"
        if not items.exists():
            continue
        with items.open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                text = (folder / row["truth_path"]).read_text(encoding="utf-8")
                for s in SENTENCE.split(text.replace("\n", " ")):
                    if 6 <= len(s.split()) <= 60:
                        pool.setdefault(row["lang"] or "en", []).append(s.strip())
    return pool


def make_text(pool: dict[str, list[str]], rnd: random.Random, n: int = 8) -> tuple[str, str]:
    language = rnd.choice(sorted(pool))
    return language, " ".join(rnd.choices(pool[language], k=n))


def build(path: Path, size: int, per_day: int, pool: dict[str, list[str]], seed: int) -> datetime:
    """An archive of ``size`` articles at ``per_day`` a day, the last at the returned time."""
    rnd = random.Random(seed)
    end = datetime(2026, 11, 20, tzinfo=UTC)
    step = timedelta(days=1) / per_day
    recent = int(per_day * STORY_WINDOW / 86400) + per_day // 4  # the window, and some
    with Archive(path) as archive:
        db = archive.db
        # The full-text index is not part of these checks: filled without it, for speed.
        db.execute("drop trigger articles_ai")
        with db.conn:
            old = size - recent
            filler = "Old article text. " * 10
            db.conn.executemany(
                "insert into articles (id, url, canonical_url, source, title, text, fetched,"
                " content_hash, language, story_id)"
                " values (?, ?, ?, 'bench', '', ?, ?, ?, 'uk', ?)",
                (
                    (
                        i,
                        f"https://bench.invalid/{i}",
                        f"https://bench.invalid/{i}",
                        filler,
                        (end - step * (size - i)).isoformat(timespec="seconds"),
                        str(i),
                        i,
                    )
                    for i in range(1, old + 1)
                ),
            )
            db.execute("create temp table bands (key integer, article_id integer)")
            db.conn.executemany(
                "insert into temp.bands values (?, ?)",
                (
                    (rnd.getrandbits(64) - 2**63, i)
                    for i in range(1, old + 1)
                    for _ in range(BANDS_PER_ARTICLE)
                ),
            )
            # Sorted in SQLite: the index is then built in order, not by random inserts.
            db.execute(
                "insert or ignore into near_copy_bands select key, article_id from temp.bands"
                " order by key, article_id"
            )
            db.execute("drop table temp.bands")
            for i in range(old + 1, size + 1):
                _insert_recent(db, i, end - step * (size - i), pool, rnd)
            # as storing does every COMMON_EVERY articles
            start = dedupe.window_start(db, end.isoformat(timespec="seconds"))
            dedupe.count_common(db, start or 1)
        db.execute(
            "create trigger articles_ai after insert on articles begin insert into"
            " articles_fts (rowid, title, text) values (new.rowid, new.title, new.text); end"
        )
    return end


def _insert_recent(
    db: Database, i: int, when: datetime, pool: dict[str, list[str]], rnd: random.Random
) -> None:
    language, text = make_text(pool, rnd)
    fp = fingerprint(text)
    fetched = when.isoformat(timespec="seconds")
    db.execute(
        "insert into articles (id, url, canonical_url, source, title, text, fetched,"
        " published, content_hash, language, story_id) values (?, ?, ?, 'bench', '', ?, ?, ?,"
        " ?, ?, ?)",
        [i, f"https://bench.invalid/{i}", f"https://bench.invalid/{i}", text, fetched, fetched,
         str(i), language, i],
    )  # fmt: skip
    db.conn.executemany(
        "insert or ignore into near_copy_bands values (?, ?)", [(k, i) for k in fp.bands]
    )
    db.execute(
        "insert into story_features values (?, ?, ?, ?, ?, ?)",
        [i, i, language, fetched, json.dumps(fp.anchors), pack_stems(fp.stems)],
    )
    db.conn.executemany(
        "insert or ignore into story_anchors values (?, ?)", [(a, i) for a in fp.anchors]
    )


def new_articles(
    path: Path, count: int, pool: dict[str, list[str]], seed: int
) -> list[tuple[str, str]]:
    """(language, text) of new articles: near copies, same facts, and new ones."""
    rnd = random.Random(seed)
    with Archive(path) as archive:
        recent = archive.db.execute(
            "select language, text from articles order by id desc limit 2000"
        ).fetchall()
    made = []
    for n in range(count):
        language, text = recent[rnd.randrange(len(recent))]
        parts = SENTENCE.split(text)
        if n % 3 == 0:  # a republished copy: another lead, the last sentence cut, boilerplate
            _, lead = make_text({language: pool[language]}, rnd, 1)
            made.append((language, " ".join([lead, *parts[1:-1], BOILERPLATE])))
        elif n % 3 == 1:  # the same facts (two sentences) in an article of its own
            _, own = make_text({language: pool[language]}, rnd, 6)
            made.append((language, " ".join([*parts[:2], own])))
        else:
            made.append(make_text(pool, rnd))
    return made


def measure(path: Path, end: datetime, articles: list[tuple[str, str]]) -> list[float]:
    """Milliseconds of the checks (place + record) of each new article, stored in turn."""
    costs = []
    with Archive(path) as archive:
        db = archive.db
        next_id = db.execute("select max(id) from articles").fetchone()[0] + 1
        for n, (language, text) in enumerate(articles):
            fp = fingerprint(text)  # in a worker, in the crawl: not counted
            fetched = (end + timedelta(seconds=30 * (n + 1))).isoformat(timespec="seconds")
            with db.conn:
                start = time.perf_counter()
                placement = dedupe.place(db, text, language, fetched, fetched, fp, None)
                checked = time.perf_counter()
                db.execute(
                    "insert into articles (id, url, canonical_url, source, text, fetched,"
                    " content_hash, language, duplicate_of, story_id)"
                    " values (?, ?, ?, 'new', ?, ?, ?, ?, ?, ?)",
                    [next_id, f"https://new.invalid/{n}", f"https://new.invalid/{n}", text,
                     fetched, f"new{n}", language, placement.duplicate_of, placement.story_id],
                )  # fmt: skip
                inserted = time.perf_counter()
                dedupe.record(
                    db, next_id, placement, fp, language=language, seen=fetched, fetched=fetched
                )
                done = time.perf_counter()
            costs.append(((checked - start) + (done - inserted)) * 1000)
            next_id += 1
        outcomes = db.execute(
            "select count(duplicate_of), count(*) filter (where story_id != id"
            " and duplicate_of is null) from articles where source = 'new'"
        ).fetchone()
    print(f"    placed: {outcomes[0]} near copies, {outcomes[1]} joined a story")
    return costs


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", type=Path, nargs="+")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--new", type=int, default=600)
    parser.add_argument("--per-day", type=int, default=1400)
    args = parser.parse_args()
    pool = sentences(args.corpora)
    print(f"sentences: {', '.join(f'{k} {len(v)}' for k, v in sorted(pool.items()))}")
    sample = [make_text(pool, random.Random(i))[1] for i in range(300)]
    start = time.perf_counter()
    for text in sample:
        fingerprint(text)
    worker_ms = (time.perf_counter() - start) / len(sample) * 1000
    print(f"fingerprint (in the extraction worker): {worker_ms:.2f} ms an article")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"{size}.db"
            began = time.perf_counter()
            end = build(path, size, args.per_day, pool, seed=size)
            built = time.perf_counter() - began
            megabytes = path.stat().st_size / 2**20
            print(f"{size:,} articles stored: built in {built:.0f} s, {megabytes:,.0f} MB")
            before = rss_mb()
            costs = measure(path, end, new_articles(path, args.new, pool, seed=1))
            costs.sort()
            median, p90 = statistics.median(costs), costs[int(len(costs) * 0.9)]
            results[size] = median
            print(
                f"    checks: median {median:.2f} ms, p90 {p90:.2f} ms, max {costs[-1]:.2f} ms;"
                f" memory {before:.0f} -> {rss_mb():.0f} MB RSS"
            )
            path.unlink()
    small, large = min(results), max(results)
    if small != large:
        print(
            f"median at {large:,} / median at {small:,}: {results[large] / results[small]:.2f}"
            " (goal: at most 2; median goal: under 5 ms)"
        )


if __name__ == "__main__":
    main()
