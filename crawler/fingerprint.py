"""What makes two articles copies of each other, or reports of the same story.

Plain functions over plain text, run in the extraction workers (the MinHash is the
costly part) and by the archive when it checks a candidate.

* **Near copies.** Word 5-gram shingles; a MinHash of them (datasketch) cut into LSH
  bands, each band hashed to one 64-bit key. Two texts whose shingle sets have Jaccard
  similarity s share at least one key with probability 1 - (1 - s^ROWS)^BANDS; the archive
  keeps the keys in an indexed table and checks the few articles that share one against
  the exact Jaccard similarity of their texts (NEAR_COPY). Parameters were chosen with
  ``bench/dedupe_quality.py`` (figures in README.md).
* **Stories.** Different words for the same event still share its *anchors*: numbers,
  dates and names. Names are transliterated to one Latin skeleton and cut to a prefix, so
  that "Маріуполя", "Мариуполе" and "Mariupol" meet; numbers and dates need no language.
  Within one language, word stems (5-letter prefixes) measure how alike the texts are.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SHINGLE = 5  # words per shingle
PERMUTATIONS = 72  # MinHash size: BANDS * ROWS
BANDS = 24
ROWS = 3
NEAR_COPY = 0.4  # exact shingle Jaccard from which a text is a copy of another
MAX_WORDS = 5000  # longer texts are compared on their first MAX_WORDS words
# Part of every band key: a change of shingling, hashing or banding must never meet keys
# stored by another scheme (they would silently stop matching, or match wrongly).
SCHEME = f"minhash-affine32-sha1:w{SHINGLE}:b{BANDS}r{ROWS}:v1"
SEED = 1

# Story anchors: a name is its transliterated skeleton cut to this many letters.
NAME_PREFIX = 5
STEM = 5  # letters of a word kept as its stem for the same-language text similarity
MIN_STEM_WORD = 4  # shorter words are mostly grammar

_WORD = re.compile(r"\w+")
_APOSTROPHES = ("’", "ʼ", "`", "‘")


@dataclass(frozen=True)
class Fingerprint:
    """What the archive indexes of one article (computed once, in a worker)."""

    bands: tuple[int, ...]  # LSH band keys of the text's MinHash (signed 64-bit)
    anchors: tuple[str, ...]  # "n:95", "d:11-20", "p:mariu": numbers, dates, names
    stems: tuple[int, ...]  # sorted crc32 of the word stems, for same-language similarity


def fingerprint(text: str) -> Fingerprint:
    """The near-copy keys and the story features of an article's main text."""
    tokens = words(text)
    return Fingerprint(band_keys(shingles_of(tokens)), anchors(text), stems(tokens))


# --------------------------------------------------------------------------- near copies


def words(text: str) -> list[str]:
    """Lower-case words; the Ukrainian apostrophes (’ ʼ ') made one, as FTS and topics do."""
    return _WORD.findall(_straight_apostrophes(text).lower())[:MAX_WORDS]


def _straight_apostrophes(text: str) -> str:
    for apostrophe in _APOSTROPHES:  # str.replace: far faster than str.translate
        text = text.replace(apostrophe, "'")
    return text


def shingles(text: str) -> set[str]:
    return shingles_of(words(text))


def shingles_of(tokens: Sequence[str]) -> set[str]:
    """The set of SHINGLE-word sequences; a shorter text is one shingle."""
    if len(tokens) < SHINGLE:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def jaccard(a: set[Any], b: set[Any]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def similarity(text_a: str, text_b: str) -> float:
    """Jaccard similarity of the shingle sets of two texts: 1.0 for the same words."""
    return jaccard(shingles(text_a), shingles(text_b))


def band_keys(shingle_set: Iterable[str]) -> tuple[int, ...]:
    """One key per LSH band of the MinHash of ``shingle_set``; () for an empty text."""
    items = [s.encode("utf-8") for s in shingle_set]
    if not items:
        return ()
    minhash = _new_minhash()
    minhash.update_batch(items)
    values = [int(v) for v in minhash.hashvalues]
    keys = []
    for band in range(BANDS):
        chunk = struct.pack(f"<{ROWS}I", *values[band * ROWS : (band + 1) * ROWS])
        digest = hashlib.blake2b(chunk, digest_size=8, person=_band_salt(band)).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return tuple(keys)


@lru_cache(maxsize=BANDS)
def _band_salt(band: int) -> bytes:
    return hashlib.blake2b(f"{SCHEME}:{band}".encode(), digest_size=16).digest()


def _new_minhash() -> Any:
    from datasketch import MinHash
    from datasketch.hashfunc import sha1_hash32

    # The scheme and hash function are named, not left to datasketch's defaults, which
    # changed in 2.0; the permutations come from a seeded RandomState, stable across
    # numpy versions, and are made once per process.
    template = _template()
    return MinHash(
        num_perm=PERMUTATIONS,
        seed=SEED,
        scheme="affine32",
        hashfunc=sha1_hash32,
        permutations=template.permutations,
    )


@lru_cache(maxsize=1)
def _template() -> Any:
    from datasketch import MinHash
    from datasketch.hashfunc import sha1_hash32

    return MinHash(num_perm=PERMUTATIONS, seed=SEED, scheme="affine32", hashfunc=sha1_hash32)


# --------------------------------------------------------------------------- stories

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "e",
    "ё": "e", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "",
    "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia", "'": "",
}  # fmt: skip
# English spellings of Ukrainian and Russian names brought to the same skeleton:
# Kharkiv/Харків -> harkiv, Hryhorii/Григорий -> hrihorii, Coordination/Координац -> koord.
_LATIN = (("kh", "h"), ("g", "h"), ("y", "i"), ("j", "i"), ("c", "k"), ("q", "k"), ("w", "v"))
_TRANSLIT = str.maketrans(_CYRILLIC)

_MONTHS = (
    # (month, its forms in uk, ru and en): a day number next to one of these is a date.
    # Whole forms, not loose prefixes: "травмованих" is not May, nor "market" March.
    (1, r"січ(?:ня|ень|ні)|январ[яье]|jan(?:uary)?"),
    (2, r"лют(?:ого|ий|ому)|феврал[яье]|feb(?:ruary)?"),
    (3, r"берез(?:ня|ень|ні)|марта?|марте|mar(?:ch)?"),
    (4, r"квіт(?:ня|ень|ні)|апрел[яье]|apr(?:il)?"),
    (5, r"трав(?:ня|ень|ні)|ма[яйе]|may"),
    (6, r"черв(?:ня|ень|ні)|июн[яье]|june?"),
    (7, r"лип(?:ня|ень|ні)|июл[яье]|july?"),
    (8, r"серп(?:ня|ень|ні)|августа?|августе|aug(?:ust)?"),
    (9, r"верес(?:ня|ень|ні)|сентябр[яье]|sep(?:t|tember)?"),
    (10, r"жовт(?:ня|ень|ні)|октябр[яье]|oct(?:ober)?"),
    (11, r"листопада?|листопаді|ноябр[яье]|nov(?:ember)?"),
    (12, r"груд(?:ня|ень|ні)|декабр[яье]|dec(?:ember)?"),
)
_MONTH_FORMS = [(month, re.compile(forms, re.IGNORECASE)) for month, forms in _MONTHS]
# Around a day number: "20 листопада", "20-го ноября", "November 20th", "Nov. 20".
_AFTER = re.compile(r"(?:-?(?:го|е|th|st|nd|rd))?\s+(\w+)")
_BEFORE = re.compile(r"(\w+)\.?\s+$")
_NUMERIC_DATE = re.compile(r"\b([0-3]?\d)\.([01]?\d)\.(?:\d{4}|\d{2})\b")
# 1 000 and 1 000 000 with (narrow) no-break or plain spaces between groups of three.
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+")
_NAME = re.compile(r"(?<![\w'’ʼ-])[A-ZА-ЯЁІЇЄҐ][\w'’ʼ-]*")
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;\n\"«»“„(—–-])\s*$")
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def anchors(text: str) -> tuple[str, ...]:
    """The language-independent marks of an event in ``text``, sorted: numbers of two
    digits or more (not years), dates ("d:11-20"), and names ("p:" + skeleton prefix)."""
    found: set[str] = set()
    taken: set[int] = set()
    for m in _NUMERIC_DATE.finditer(text):
        found.add(_date(int(m.group(1)), int(m.group(2))))
        taken.update(range(*m.span()))
    for m in _NUMBER.finditer(text):
        if m.start() in taken:
            continue
        digits = re.sub(r"\D", "", m.group())
        date = _day_and_month(text, m) if len(digits) <= 2 else None
        if date:
            found.add(date)
        elif len(digits) >= 2 and not (len(digits) == 4 and 1900 <= int(digits) <= 2100):
            found.add(f"n:{int(digits)}")
    found.update(f"p:{name}" for name in names(text))
    found.discard("")
    return tuple(sorted(found))


def _day_and_month(text: str, number: re.Match[str]) -> str | None:
    """ "d:MM-DD" when a month name stands right after or before this day number."""
    after = _AFTER.match(text, number.end())
    month = _month(after.group(1)) if after else 0
    if not month:
        before = _BEFORE.search(text, max(0, number.start() - 16), number.start())
        month = _month(before.group(1)) if before else 0
    return _date(int(number.group()), month) if month else None


def _date(day: int, month: int) -> str:
    return f"d:{month:02d}-{day:02d}" if 1 <= day <= 31 and 1 <= month <= 12 else ""


@lru_cache(maxsize=4096)
def _month(word: str) -> int:
    for month, forms in _MONTH_FORMS:
        if forms.fullmatch(word):
            return month
    return 0


def names(text: str) -> set[str]:
    """Skeletons of the capitalised words that do not start a sentence."""
    found = set()
    for m in _NAME.finditer(text):
        word = m.group()
        if _SENTENCE_END.search(text, max(0, m.start() - 3), m.start()):
            continue
        if _month(word) or word.lower() in _WEEKDAYS:
            continue
        skeleton = name_skeleton(word)
        if len(skeleton) >= 2:
            found.add(skeleton[:NAME_PREFIX])
    return found


@lru_cache(maxsize=65536)  # names recur from article to article; a worker keeps them
def name_skeleton(word: str) -> str:
    """A Cyrillic or Latin spelling of a name as one reduced Latin spelling."""
    latin = _straight_apostrophes(word.lower()).translate(_TRANSLIT)
    for old, new in _LATIN:
        latin = latin.replace(old, new)
    return re.sub(r"[^a-z]", "", latin)


def stems(tokens: Sequence[str]) -> tuple[int, ...]:
    """Sorted unique crc32 of the STEM-letter prefixes of the longer words."""
    return tuple(
        sorted(
            {
                zlib.crc32(t[:STEM].encode("utf-8"))
                for t in tokens
                if len(t) >= MIN_STEM_WORD and t.isalpha()
            }
        )
    )


def pack_stems(values: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


def unpack_stems(blob: bytes | None) -> tuple[int, ...]:
    if not blob:
        return ()
    return struct.unpack(f"<{len(blob) // 4}I", blob)


# --------------------------------------------------------------------------- story match

# Same language: stem Jaccard from which two reports tell one story on words alone, and
# the lower one that suffices with STORY_ANCHORS specific anchors (numbers, dates, names
# few other articles of the window share) in common. Across languages only anchors can
# speak: CROSS_ANCHORS of them, and CROSS_OVERLAP of the smaller set. Chosen with
# bench/dedupe_quality.py (figures in README.md).
STORY_WORDS = 0.30
STORY_WORDS_WITH_ANCHORS = 0.15
STORY_ANCHORS = 3
STORY_WINDOW = 3 * 86400.0  # seconds: reports further apart are different stories
COMMON_SHARE = 0.05  # an anchor in more than this share of the window's articles ...
COMMON_FLOOR = 5  # ... and in more than this many is common: it tells no story apart
CROSS_ANCHORS = 3
CROSS_OVERLAP = 0.3


@dataclass(frozen=True)
class StoryView:
    """What the story check knows of one article."""

    language: str
    anchors: frozenset[str]
    stems: frozenset[int]


@dataclass(frozen=True)
class StoryMatch:
    """Why two articles tell one story: their stem similarity and the anchors they share."""

    words: float  # stem Jaccard; 0.0 across languages
    shared: tuple[str, ...]  # specific anchors in common

    @property
    def score(self) -> float:
        return self.words + 0.05 * len(self.shared)

    def reason(self) -> str:
        parts = [f"words {self.words:.2f}"] if self.words else []
        if self.shared:
            parts.append("shares " + ", ".join(describe(a) for a in self.shared))
        return "; ".join(parts)


def same_story(
    new: StoryView, old: StoryView, common: frozenset[str] = frozenset()
) -> StoryMatch | None:
    """Whether ``new`` reports the story of ``old``; ``common`` are anchors too frequent
    in the window to tell stories apart (a country, a capital, the agency's name)."""
    shared = tuple(sorted((new.anchors & old.anchors) - common))
    if new.language == old.language and new.language:
        words = jaccard(set(new.stems), set(old.stems))
        if words >= STORY_WORDS or (
            words >= STORY_WORDS_WITH_ANCHORS and len(shared) >= STORY_ANCHORS
        ):
            return StoryMatch(round(words, 3), shared)
        return None
    smaller = min(len(new.anchors - common), len(old.anchors - common))
    if len(shared) >= CROSS_ANCHORS and len(shared) >= CROSS_OVERLAP * smaller:
        return StoryMatch(0.0, shared)
    return None


def describe(anchor: str) -> str:
    """An anchor as a reader sees it: "95", "20.11", "mariu…"."""
    kind, _, value = anchor.partition(":")
    if kind == "d":
        month, day = value.split("-")
        return f"{int(day)}.{month}"
    if kind == "p":
        return value.capitalize() + ("…" if len(value) >= NAME_PREFIX else "")
    return value
