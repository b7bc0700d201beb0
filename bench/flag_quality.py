"""Measure the topic flag: quality on a labelled set, speed against extraction.

Usage: python bench/flag_quality.py LABELS.jsonl [--corpus DIR ...] [--topic captivity]

Quality: per language, precision, recall and F1 of ``flag`` with label ``positive`` as the
positive class and ``negative`` as the negative one; ``mention`` and ``borderline`` items
are not scored but their flag rate is printed. Every error is listed with its id, label,
language, score and the evidence that fired (or "none").

Speed: on the pages of each corpus folder (items.tsv + gzipped HTML, as in
bench/extract_quality.py), ``extract_article`` and then ``classify`` on the extracted text
are timed in the same run; flagging time is printed as a share of extraction time. The
lemma cache starts cold, as in a fresh crawl.
"""

import argparse
import csv
import gzip
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from statistics import fmean
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extract import Extracted, extract_article
from crawler.topics import Topic, Verdict, classify, clear_caches, load_topic

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LANGS = ("uk", "ru", "en")


def evidence(verdict: Verdict) -> str:
    if not verdict.evidence:
        return "none"
    return "; ".join(f"{m.entry}={m.term!r}@{m.field}" for m in verdict.evidence[:8])


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def quality(path: Path, topic: Topic) -> None:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    errors: list[str] = []
    for item in items:
        lang, label = item["lang"], item["label"]
        verdict = classify(item.get("title") or "", item["text"] or "", lang, topic)
        flag = verdict.flag
        if label == "positive":
            counts[lang]["tp" if flag else "fn"] += 1
        elif label == "negative":
            counts[lang]["fp" if flag else "tn"] += 1
        else:
            counts[lang][f"{label}_{'flagged' if flag else 'not'}"] += 1
            continue
        if (label == "positive") != flag:
            kind = "FN" if flag is False else "FP"
            errors.append(
                f"{kind} {item['id']} label={label} lang={lang} cat={item['category']} "
                f"score={verdict.score:.2f} evidence: {evidence(verdict)}"
            )
    print(f"quality on {path} ({len(items)} items)")
    print("lang   n_pos n_neg     P      R      F1   | mention flagged | borderline flagged")
    for lang in LANGS:
        c = counts[lang]
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        mention = f"{c['mention_flagged']}/{c['mention_flagged'] + c['mention_not']}"
        border = f"{c['borderline_flagged']}/{c['borderline_flagged'] + c['borderline_not']}"
        print(
            f"{lang:5} {c['tp'] + c['fn']:6} {c['fp'] + c['tn']:5}  {p:.3f}  {r:.3f}  {f:.3f}"
            f"  | {mention:>15} | {border:>18}"
        )
    total = Counter[str]()
    for c in counts.values():
        total.update(c)
    p, r, f = prf(total["tp"], total["fp"], total["fn"])
    n_pos, n_neg = total["tp"] + total["fn"], total["fp"] + total["tn"]
    print(f"all   {n_pos:6} {n_neg:5}  {p:.3f}  {r:.3f}  {f:.3f}")
    print(f"\nerrors ({len(errors)}):")
    for line in errors:
        print("  " + line)


def load_pages(folder: Path) -> list[tuple[str, bytes, str]]:
    with (folder / "items.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        (row["url"], gzip.decompress((folder / row["html_path"]).read_bytes()), row.get("lang", ""))
        for row in rows
    ]


def ms(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def speed(folders: list[Path], topic: Topic) -> None:
    extract_ms: list[float] = []
    flag_ms: list[float] = []
    flagged: list[str] = []
    clear_caches()
    for folder in folders:
        for url, html, lang in load_pages(folder):
            article, e_ms = ms(lambda html=html, url=url: extract_article(html, url))
            extract_ms.append(e_ms)
            if not isinstance(article, Extracted):
                continue
            language = lang if lang in LANGS else "en"
            verdict, f_ms = ms(
                lambda a=article, lg=language: classify(a.title or "", a.text, lg, topic)
            )
            flag_ms.append(f_ms)
            if verdict.flag:
                flagged.append(f"  {url} ({language}) evidence: {evidence(verdict)}")
    if not extract_ms:
        print("\nspeed: no pages found")
        return
    e, f = fmean(extract_ms), fmean(flag_ms) if flag_ms else 0.0
    print(
        f"\nspeed on {len(extract_ms)} pages ({len(flag_ms)} articles, {len(flagged)} flagged): "
        f"extraction {e:.1f} ms/page, flagging {f:.2f} ms/article "
        f"(max {max(flag_ms, default=0):.1f}) = {100 * f / e:.1f}% of extraction"
    )
    print("flagged corpus pages (unlabelled; read them for false positives):")
    print("\n".join(flagged) or "  none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--corpus", type=Path, action="append", help="corpus folder(s)")
    parser.add_argument("--topic", default="captivity")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    # Loading the vocabulary and the dictionaries is start-up cost, not per-article cost.
    topic = load_topic(args.topic)
    quality(args.labels, topic)
    if not args.no_speed:
        folders = args.corpus or sorted(p.parent for p in DEFAULT_CORPORA.glob("*/items.tsv"))
        speed(folders, load_topic(args.topic))


if __name__ == "__main__":
    main()
