"""Rate of `newsmon reflag` on a temporary archive built from labelled texts, in articles/s.

    python bench/reflag_speed.py ../shared/labels/dev.jsonl [--articles 4000] [--workers 0 1 2]

Copies of the texts (each under its own URL) fill a temporary archive; every run then
reclassifies all of them (as `reflag --all`), in this process (workers 0) or in a pool.
The texts are read from ../shared and never copied into the project.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from crawler.config import parse_config
from crawler.flags import Flagger
from crawler.reflag import reflag
from crawler.workers import Workers
from storage.db import Archive, ArticleRow


def fill(archive: Archive, labels: Path, count: int) -> None:
    items = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    for i in range(count):
        item = items[i % len(items)]
        url = f"https://example.invalid/{i}"
        archive.store(
            ArticleRow(
                url=url,
                canonical_url=url,
                source="bench",
                title=item.get("title") or "",
                text=item["text"],
                content_hash=str(i),
                language=item["lang"],
                language_score=1.0,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--articles", type=int, default=4000)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    flagger = Flagger.from_config(parse_config(""))
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "bench.db") as archive:
        fill(archive, args.labels, args.articles)
        for count in args.workers:
            workers = Workers(count, prepare=flagger.prepare) if count else None
            if workers is None:
                flagger.prepare()  # compiling is start-up cost, as in the workers
            else:
                workers.start()
            start = time.perf_counter()
            try:
                (result,) = reflag(archive, flagger, everything=True, workers=workers)
            finally:
                if workers is not None:
                    workers.shutdown()
            seconds = time.perf_counter() - start
            where = f"{count} worker(s)" if count else "in process"
            print(
                f"{where:12}: {result.checked} articles in {seconds:.1f} s = "
                f"{result.checked / seconds:.0f} articles/s ({result.flagged} newly flagged)"
            )


if __name__ == "__main__":
    main()
