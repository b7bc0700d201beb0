"""Word families for search: the tokens of the word index, and what a query word finds.

Pure functions over plain strings. The word index (``articles_words``, migration m006) holds
each word of an article as ONE token: the dictionary forms (lemmas) pymorphy3 gives it,
sorted and joined by ``|`` ("полонених" → ``полонений``; the ambiguous "в'язні" →
``в'язний|в'язень`` without the apostrophe). One token per word keeps word positions, so
a quoted phrase is matched word for word, inflected ("обмін полоненими" finds "обміну
полонених"). English and other Latin-script words are stemmed (captives → captiv).

A query word finds every form of its word: the forms of its lexemes (pymorphy3's
``Parse.lexeme``) are turned into the tokens the index would hold for them, so only the
forms two words share (homographs) ever mix. A compound whose last part is a dictionary
word (військовополонений = військово + полонений, политзаключённый, політв'язень) is also
filed under that part in ``word_compounds``, so «полонені» finds «військовополонених».

The three Ukrainian apostrophes (' ’ ʼ) and ё/е are one letter here, as in topics.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# Shared with the flagger: one copy of the dictionaries per process, the same normalisation.
from crawler.topics import _APOSTROPHES, _morph, stem_en

# A word: letters and digits, with apostrophes inside (політв'язнів). The underscore is
# no letter for the FTS tokenizer either.
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CYRILLIC = re.compile(r"[а-яіїєґ]")
_UKRAINIAN = re.compile(r"[іїєґ']")
_RUSSIAN = re.compile(r"[ыэъ]")
# Lemmas of ambiguous words kept in one token: enough for real homographs, while the
# guesses pymorphy3 makes for an unknown name stay bounded.
_MAX_LEMMAS = 4

# Compounds: a first part ending in a linking vowel (військов-о-, право-, само-), or one of
# these clipped stems; prefixes that also end in a vowel are not first parts.
_CLIPPED_STEMS = frozenset({"політ", "спец", "держ", "нац", "полит", "гос"})
_NOT_STEMS = frozenset({"пере", "недо", "небе", "саме"})
_MIN_HEAD = 5  # the last part must be a dictionary lemma of at least this many letters


def normalise(text: str) -> str:
    """Lower case with one apostrophe and е for ё; same length, so offsets survive."""
    # str.replace, not str.translate: several times faster on long texts.
    lower = text.lower()
    # A few letters lower to two (İ): keep those as they are, so offsets stay true.
    text = lower if len(lower) == len(text) else "".join(_lower1(c) for c in text)
    for odd, usual in _REPLACEMENTS:
        if odd in text:
            text = text.replace(odd, usual)
    return text


def _lower1(char: str) -> str:
    lower = char.lower()
    return lower if len(lower) == 1 else char


_REPLACEMENTS = tuple((chr(k), v) for k, v in _APOSTROPHES.items() if chr(k).lower() == chr(k))


def words(text: str) -> Iterator[re.Match[str]]:
    """The words of a normalised text, with their offsets."""
    return WORD.finditer(text)


def script_languages(word: str, language: str | None = None) -> tuple[str, ...]:
    """Which analysers read ``word``: "en" for Latin script, uk or ru by their own letters,
    else the article's ``language`` (uk or ru), or both when there is none (a query)."""
    if not _CYRILLIC.search(word):
        return ("en",)
    if _UKRAINIAN.search(word):
        return ("uk",)
    if _RUSSIAN.search(word):
        return ("ru",)
    if language in ("uk", "ru"):
        return (language,)
    if language:
        return ("uk",)
    # A query word: the dictionaries that know it; both for a name neither knows.
    known = tuple(a for a in ("uk", "ru") if _morph(a).word_is_known(word))  # type: ignore[attr-defined]
    return known or ("uk", "ru")


def token(word: str, language: str | None) -> str:
    """The index token of one normalised word of an article in ``language``."""
    return _word_entry(word, language or "uk")[0]


# ~300 bytes an entry: about 30 MB per process when full, the words of many thousand articles.
@lru_cache(maxsize=100_000)
def _word_entry(word: str, language: str) -> tuple[str, tuple[str, ...]]:
    # The cache is keyed by the article's language, not the analyser, so that a word's
    # script is tested once, not at each of its occurrences (a third of the time of
    # indexing an article went to those three regular expressions).
    return _analyse(script_languages(word, language)[0], word)


def _analyse(analyser: str, word: str) -> tuple[str, tuple[str, ...]]:
    """(token, compound heads) of one word: heads are the last parts of its lemmas that
    are dictionary lemmas themselves (військовополонених → полонений)."""
    if analyser == "en":
        return (stem_en(word) if word.isalpha() else word), ()
    normal = {p.normal_form.translate(_APOSTROPHES) for p in _morph(analyser).parse(word)}
    lemmas = sorted(normal)[:_MAX_LEMMAS]
    tok = "|".join(_lemma_text(lemma) for lemma in lemmas) or word.replace("'", "")
    if len(word) < 4 + _MIN_HEAD:
        return tok, ()
    heads = (compound_head(analyser, lemma) for lemma in lemmas)
    return tok, tuple(sorted({h for h in heads if h}))


def _lemma_text(lemma: str) -> str:
    # The apostrophe is a separator to the FTS tokenizer: dropped from tokens.
    return lemma.translate(_APOSTROPHES).replace("'", "")


@dataclass(frozen=True)
class IndexedText:
    """What the word index holds for one article."""

    title: str  # tokens joined by spaces
    text: str
    compounds: frozenset[tuple[str, str]]  # (last part's lemma, token of the compound)


def index_text(title: str, text: str, language: str | None) -> IndexedText:
    """The word-index tokens of an article and the compounds among its words."""
    compounds: set[tuple[str, str]] = set()
    return IndexedText(
        _tokens(title, language, compounds),
        _tokens(text, language, compounds),
        frozenset(compounds),
    )


def _tokens(text: str, language: str | None, compounds: set[tuple[str, str]]) -> str:
    out = []
    for word in WORD.findall(normalise(text)):
        tok, heads = _word_entry(word, language or "uk")
        out.append(tok)
        for head in heads:
            compounds.add((head, tok))
    return " ".join(out)


@lru_cache(maxsize=100_000)
def compound_head(analyser: str, lemma: str) -> str | None:
    """The last part of a compound lemma when it is a dictionary lemma itself
    (військовополонений → полонений), as a token; None for other words."""
    for cut in range(4, len(lemma) - _MIN_HEAD + 1):
        first, last = lemma[:cut], lemma[cut:]
        linked = first[-1] in "оеє" and first not in _NOT_STEMS
        if (linked or first in _CLIPPED_STEMS) and _is_lemma(analyser, last):
            return _lemma_text(last)
    return None


def _is_lemma(analyser: str, word: str) -> bool:
    morph = _morph(analyser)
    known: bool = morph.word_is_known(word)  # type: ignore[attr-defined]
    return known and any(p.normal_form == word for p in morph.parse(word))


# ----------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class QueryWord:
    """What one query word finds in the word index."""

    tokens: frozenset[str]  # the tokens of every form of its word(s)
    lemmas: frozenset[str]  # its dictionary forms, as tokens: compounds are filed under them


def query_word(word: str, languages: tuple[str, ...] = ()) -> QueryWord:
    """Every index token a form of ``word`` (normalised) can have, and its lemmas.

    A Cyrillic word without letters of its own is read as Ukrainian and as Russian, unless
    ``languages`` (the languages searched) leaves only one of them.
    """
    candidates = script_languages(word)
    return _query_word(word, tuple(a for a in candidates if a in languages) or candidates)


@lru_cache(maxsize=4096)
def _query_word(word: str, analysers: tuple[str, ...]) -> QueryWord:
    tokens: set[str] = set()
    lemmas: set[str] = set()
    for analyser in analysers:
        tokens.add(_analyse(analyser, word)[0])
        if analyser == "en":
            continue
        for parse in _morph(analyser).parse(word):
            lemmas.add(_lemma_text(parse.normal_form))
            tokens.update(_analyse(analyser, normalise(form.word))[0] for form in parse.lexeme)
    return QueryWord(frozenset(tokens), frozenset(lemmas))


def query_words(text: str) -> list[str]:
    """The normalised words of a piece of query text (a hyphenated word gives several)."""
    return [m.group() for m in words(normalise(text))]


def fts_string(value: str) -> str:
    """``value`` as an FTS5 string literal: whatever it holds, it is one quoted term."""
    return '"' + value.replace('"', '""') + '"'


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
