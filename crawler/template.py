"""Each site's template, learned from its pages: blocks of text that recur across its stories.

newsmon sees hundreds of pages of every site. A line of extracted text that comes back on
many of them, in different stories, is the site's furniture (a footer, a promo, a "most
read" teaser that the generic rules missed) and is left out of later pages. The counting
is done by the archive (``Archive.learn_template``) in the crawling process; extraction in
the worker processes gets the learned fingerprints with each page and returns the page's
own blocks.

What keeps an article's own text safe:

- nothing is learned before a block has been seen on ``MIN_PAGES`` pages of the site;
- pages of one story (the updates of a live story repeat their lead and background) count
  as one: a block must recur in ``MIN_STORIES`` different stories;
- it must be on ``MIN_SHARE`` of the site's pages since it first appeared: a background
  paragraph reused by a few articles a week is on a small share, a footer is on all;
- learned blocks are never dropped from a page when they would take most of its text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crawler.boilerplate import Dropped

MIN_PAGES = 5
MIN_STORIES = 3
MIN_SHARE = 0.3
# Learned blocks are left in a page whose text they would take this share of or more.
MAX_DROP_SHARE = 0.5
# Lines with fewer words are not learned: "Фото: Reuters" or "Нагадаємо:" belong to many
# articles, and dropping them would say nothing about boilerplate.
MIN_WORDS = 3
# A block this long (in characters) can tell one story from another.
STORY_BLOCK = 60
SIGNATURE_SIZE = 8
# Two pages tell the same story when more than this share of the smaller signature is shared.
SAME_STORY = 0.5
# Blocks (and pages' signatures) not seen for this many pages of a site are forgotten: the
# site has changed its template, or they were one-offs.
FORGET_AFTER = 1000
PRUNE_EVERY = 100  # pages of a site between two forgettings

_WORDS = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_SAMPLE = 100


@dataclass(frozen=True)
class PageBlocks:
    """What one page tells about its site's template."""

    # Fingerprint and first characters of each block (line) of the page's text, once each,
    # before learned blocks were dropped.
    blocks: tuple[tuple[int, str], ...] = ()
    # The page's own story: the smallest fingerprints of its long blocks that are not
    # (yet) template. Pages of one story share most of them.
    signature: tuple[int, ...] = ()


def fingerprint(line: str) -> int | None:
    """A signed 64-bit hash of a line's words (case, punctuation and digits ignored).

    Digits are blanked so that "Переглядів: 1520" and "Переглядів: 87" are one block.
    None for a line too short to learn from.
    """
    words = _WORDS.findall(_DIGITS.sub("0", line.lower()))
    if len(words) < MIN_WORDS:
        return None
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def page_blocks(lines: Sequence[str], template: frozenset[int]) -> PageBlocks:
    """The blocks of a page's text and its story signature."""
    blocks: dict[int, str] = {}
    story: set[int] = set()
    for line in lines:
        key = fingerprint(line)
        if key is None:
            continue
        blocks.setdefault(key, " ".join(line.split())[:_SAMPLE])
        if key not in template and len(line) >= STORY_BLOCK:
            story.add(key)
    own = story or {b for b in blocks if b not in template}
    return PageBlocks(tuple(blocks.items()), tuple(sorted(own)[:SIGNATURE_SIZE]))


def same_story(a: Iterable[int], b: Iterable[int], block: int) -> bool:
    """Whether two pages' signatures tell the same story, ``block`` itself left aside."""
    first, second = set(a) - {block}, set(b) - {block}
    if not first or not second:
        return False  # nothing else to compare: count it as another story
    return len(first & second) > SAME_STORY * min(len(first), len(second))


def drop_template(lines: list[str], template: frozenset[int], dropped: list[Dropped]) -> list[str]:
    """The lines that are not learned template, unless the template would take most of them."""
    if not template:
        return lines
    learned = [fingerprint(line) in template for line in lines]
    if not any(learned):
        return lines
    total = sum(len(line) for line in lines)
    removed = sum(len(line) for line, is_learned in zip(lines, learned, strict=True) if is_learned)
    if removed >= MAX_DROP_SHARE * total:
        return lines
    kept = []
    for line, is_learned in zip(lines, learned, strict=True):
        if is_learned:
            dropped.append(Dropped("site template", " ".join(line.split())[:_SAMPLE]))
        else:
            kept.append(line)
    return kept
