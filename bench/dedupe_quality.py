"""How well near copies and stories are told apart: the measurements behind the parameters
of crawler/fingerprint.py.

    nice python bench/dedupe_quality.py ../shared/corpus ../shared/labels/dev.jsonl

Near copies. Every pair of distinct texts of the corpora (hand-made main texts of real
pages, and the labelled set's posts and transcripts; 20 words or more) is a negative;
copies made of each text with the edits republishers make (another lead, a photo
caption, the last paragraph trimmed, another site's boilerplate, 3% of the words changed,
and all four first ones at once) are positives. Prints, for the chosen parameters, the
pairs found as copies (with the LSH bands as the archive uses them, then the exact
Jaccard check) and the recall per edit; and for other shingle sizes and LSH shapes the
expected recall and false candidates per million stored articles.

Stories. daniel-ru holds Russian news of four days from many sites: pairs of different
days are negatives, pairs found within a day are printed to be judged. The labelled set
holds 53 Ukrainian addresses with their English translation: cross-language positives,
every other uk/en pair a negative. The texts are read from ../shared, never copied.
"""

from __future__ import annotations

import argparse
import collections
import csv
import itertools
import json
import random
import re
from pathlib import Path

from crawler import fingerprint as fpr
from crawler.fingerprint import (
    NEAR_COPY,
    StoryView,
    band_keys,
    fingerprint,
    jaccard,
    same_story,
    shingles_of,
    words,
)

SENTENCE = re.compile(r"(?<=[.!?…])\s+")
BOILER = {
    "uk": ["Читайте також: {s}", "Підписуйтеся на наш Telegram-канал.", "Помітили помилку?"],
    "ru": ["Читайте также: {s}", "Подписывайтесь на наш Telegram-канал.", "Нашли ошибку?"],
    "en": ["Read also: {s}", "Subscribe to our Telegram channel.", "Spotted a mistake?"],
}
EDITS = ("lead", "caption", "trim", "boilerplate", "words", "all four")


def texts(corpus: Path, labels: Path) -> list[tuple[str, str, str]]:
    """(id, language, text) of every text of 20 words or more."""
    found = []
    for items in sorted(corpus.glob("*/items.tsv")):
        with items.open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                text = (items.parent / row["truth_path"]).read_text(encoding="utf-8")
                found.append((f"{items.parent.name}:{row['id']}", row["lang"] or "en", text))
    for line in labels.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["source"] in ("nktkln", "resistinua"):
            found.append((item["id"], item["lang"], item["text"]))
    return [t for t in found if len(words(t[2])) >= 20]


# --------------------------------------------------------------------------- edits


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for p in _paragraphs(text) for s in SENTENCE.split(p) if s.strip()]


def edit(kind: str, text: str, other: str, language: str, rnd: random.Random) -> str:
    """``text`` as a republisher would change it; ``other`` lends the new sentences."""
    boiler = BOILER.get(language, BOILER["en"])
    paragraphs = _paragraphs(text)
    if kind == "lead":
        first = SENTENCE.split(paragraphs[0])
        first[0] = rnd.choice(_sentences(other))
        paragraphs[0] = " ".join(first)
    elif kind == "caption":
        at = min(rnd.randrange(1, max(2, len(paragraphs))), len(paragraphs))
        paragraphs.insert(at, "Фото: " + rnd.choice(_sentences(other))[:90])
    elif kind == "trim":
        if len(paragraphs) > 1:
            paragraphs = paragraphs[:-1]
        else:
            paragraphs = [" ".join(_sentences(text)[:-1]) or text]
    elif kind == "boilerplate":
        paragraphs += [boiler[0].format(s=rnd.choice(_sentences(other))[:100]), *boiler[1:]]
    elif kind == "words":
        tokens = text.split(" ")
        spare = other.split()
        for _ in range(max(1, len(tokens) * 3 // 100)):
            tokens[rnd.randrange(len(tokens))] = rnd.choice(spare)
        return " ".join(tokens)
    else:
        for step in ("lead", "caption", "trim", "boilerplate"):
            text = edit(step, text, other, language, rnd)
        return text
    return "\n".join(paragraphs)


# --------------------------------------------------------------------------- near copies


def near_copies(items: list[tuple[str, str, str]]) -> None:
    rnd = random.Random(7)
    tokens = [words(t) for _, _, t in items]
    sets = [shingles_of(w) for w in tokens]
    keys = [set(band_keys(s)) for s in sets]
    pairs = list(itertools.combinations(range(len(items)), 2))
    jaccards = [jaccard(sets[a], sets[b]) for a, b in pairs]
    found = [(j, a, b) for j, (a, b) in zip(jaccards, pairs, strict=True) if j >= NEAR_COPY]
    found = [(j, a, b) for j, a, b in found if keys[a] & keys[b]]
    print(f"near copies among {len(pairs):,} pairs of {len(items)} distinct texts: {len(found)}")
    for j, a, b in sorted(found, reverse=True):
        print(f"  {j:.2f}  {items[a][0]}  {items[b][0]}")
    copies: dict[str, list[tuple[float, bool]]] = collections.defaultdict(list)
    by_language = collections.defaultdict(list)
    for i, (_, language, _) in enumerate(items):
        by_language[language].append(i)
    for i, (_, language, text) in enumerate(items):
        other = items[rnd.choice([k for k in by_language[language] if k != i])][2]
        for kind in EDITS:
            copy = shingles_of(words(edit(kind, text, other, language, rnd)))
            copies[kind].append((jaccard(sets[i], copy), bool(keys[i] & set(band_keys(copy)))))
    print(f"recall on copies (Jaccard >= {NEAR_COPY} and a shared band), by edit:")
    for kind in EDITS:
        hits = sum(j >= NEAR_COPY and banded for j, banded in copies[kind])
        print(f"  {kind:12} {hits / len(copies[kind]):.3f}  ({hits}/{len(copies[kind])})")
    _shapes(jaccards, copies)


def _shapes(negatives: list[float], copies: dict[str, list[tuple[float, bool]]]) -> None:
    """Expected recall and false candidates of other LSH shapes, from the exact Jaccards."""
    positives = [j for kind in EDITS for j, _ in copies[kind]]
    print("LSH shapes (bands x rows): expected recall on the copies, false candidates per")
    print("lookup in 1,000,000 stored articles (from the negatives' Jaccard distribution):")
    for bands, rows in ((32, 4), (32, 3), (24, 4), (24, 3), (20, 4), (20, 3), (16, 8)):

        def p(s: float, b: int = bands, r: int = rows) -> float:
            return 1 - (1 - s**r) ** b

        recall = sum(p(j) * (j >= NEAR_COPY) for j in positives) / len(positives)
        false = sum(p(j) for j in negatives) / len(negatives) * 1e6
        mark = " <- chosen" if (bands, rows) == (fpr.BANDS, fpr.ROWS) else ""
        print(f"  {bands:2} x {rows}: recall {recall:.3f}, false candidates {false:5.1f}{mark}")


# --------------------------------------------------------------------------- stories


def _view(text: str, language: str) -> StoryView:
    fp = fingerprint(text)
    return StoryView(language, frozenset(fp.anchors), frozenset(fp.stems))


def _common(views: list[StoryView]) -> frozenset[str]:
    df = collections.Counter(a for v in views for a in v.anchors)
    cap = max(fpr.COMMON_FLOOR, fpr.COMMON_SHARE * len(views))
    return frozenset(a for a, n in df.items() if n > cap)


def stories(corpus: Path, labels: Path) -> None:
    days: dict[str, list[tuple[str, StoryView]]] = collections.defaultdict(list)
    folder = corpus / "daniel-ru"
    with (folder / "items.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            text = (folder / row["truth_path"]).read_text(encoding="utf-8")
            days[row["id"][:8]].append((text.split("\n")[0][:60], _view(text, "ru")))
    wrong = total = 0
    for a, b in itertools.combinations(sorted(days), 2):
        common = _common([v for _, v in days[a] + days[b]])
        for (_, x), (_, y) in itertools.product(days[a], days[b]):
            total += 1
            wrong += same_story(x, y, common) is not None
    print(f"daniel-ru, pairs of different days told as one story: {wrong} of {total:,}")
    print("daniel-ru, pairs of the same day told as one story (judge them):")
    for day, members in sorted(days.items()):
        common = _common([v for _, v in members])
        for (ta, x), (tb, y) in itertools.combinations(members, 2):
            match = same_story(x, y, common)
            if match:
                print(f"  {day} {match.reason()[:60]:60} | {ta} | {tb}")
    items = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    spoken = [i for i in items if i["source"] == "resistinua"]
    views = {i["id"]: _view(i["text"], i["lang"]) for i in spoken}
    common = _common(list(views.values()))
    video = {i["id"]: i["id"].split(":")[1] for i in spoken}
    uk = [i["id"] for i in spoken if i["lang"] == "uk"]
    en = [i["id"] for i in spoken if i["lang"] == "en"]
    hits = misses = false = negatives = 0
    for a, b in itertools.product(uk, en):
        grouped = same_story(views[a], views[b], common) is not None
        if video[a] == video[b]:
            hits += grouped
            misses += not grouped
        else:
            negatives += 1
            false += grouped
    print(
        f"cross-language (uk address and its en translation): {hits} of {hits + misses}"
        f" grouped; other uk/en pairs grouped: {false} of {negatives:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="../shared/corpus")
    parser.add_argument("labels", type=Path, help="../shared/labels/dev.jsonl")
    args = parser.parse_args()
    near_copies(texts(args.corpus, args.labels))
    stories(args.corpus, args.labels)


if __name__ == "__main__":
    main()
