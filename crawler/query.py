"""The search language of ``newsmon query``: parsed here, compiled to an FTS5 expression.

    обмін полонені              both words (AND is implied), any form of each
    "обмін полоненими"          the words in this order, any form of each
    Шумков OR Шумкова           either
    полонені NOT футбол         the first without the second
    (обмін OR звільнення) AND полонені
    полон*                      any word whose dictionary form begins with полон

AND, OR and NOT are operators only in capitals; NOT binds to the group of words before
it: ``a b NOT c`` is a and b, without c; ``a OR b NOT c`` is a, or b without c. Other
punctuation separates words, as in the text. The user's text never reaches FTS5 syntax:
the expression is built from the parsed words, each a double-quoted token.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from crawler.errors import InputError
from crawler.words import (
    QueryWord,
    fts_string,
    normalise,
    query_word,
    query_words,
    token,
    unique,
    words,
)

# Quotes a user may type around a phrase: "…", «…», “…”, „…“.
_QUOTES = '"«»“”„'
_LEXEME = re.compile(r"""[()]|[\"«»“”„]|[^\s()\"«»“”„]+""")
_OPERATORS = ("AND", "OR", "NOT")
MAX_TERMS = 400  # FTS terms in one expression; a longer query is refused, not truncated
MAX_PHRASE_VARIANTS = 64


@dataclass(frozen=True)
class Word:
    text: str  # normalised
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]  # normalised


@dataclass(frozen=True)
class AllOf:
    """Every item, and none of ``without``."""

    items: tuple[Node, ...]
    without: tuple[Node, ...] = ()


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


Node = Word | Phrase | AllOf | AnyOf

HELP = "see newsmon query --help for the search syntax"


def parse(text: str) -> Node:
    """The query as a tree; InputError with a one-line reason when it is malformed."""
    tokens = _lex(text)
    if not tokens:
        raise InputError("the query has no words to search for", hint=HELP)
    parser = _Parser(tokens)
    node = parser.any()
    if parser.peek() is not None:
        raise InputError(f"unexpected {parser.peek()!r} in the query", hint=HELP)
    return node


def _lex(text: str) -> list[str | Word | Phrase]:
    """Words, phrases, parentheses and operators; other punctuation separates words."""
    out: list[str | Word | Phrase] = []
    pieces = iter(_LEXEME.findall(text))
    for piece in pieces:
        if piece in "()":
            out.append(piece)
        elif piece in _QUOTES:
            out.append(_phrase(pieces))
        elif piece in _OPERATORS:
            out.append(piece)
        else:
            out.extend(_words(piece))
    return out


def _phrase(pieces: Iterator[str]) -> Phrase | Word:
    inside: list[str] = []
    for piece in pieces:
        if piece in _QUOTES:
            found = query_words(" ".join(inside))
            if not found:
                raise InputError("a quoted phrase holds no words", hint=HELP)
            return Phrase(tuple(found)) if len(found) > 1 else Word(found[0])
        inside.append(piece)
    raise InputError("a quotation mark is not closed", hint=HELP)


def _words(piece: str) -> list[Word | Phrase]:
    prefix = piece.endswith("*")
    body = piece.rstrip("*")
    if "*" in body:
        raise InputError(f"* goes at the end of a word (полон*), not in {piece!r}", hint=HELP)
    found = query_words(body)
    if prefix:
        if len(found) != 1:
            raise InputError(f"* goes at the end of one word, not after {piece!r}", hint=HELP)
        return [Word(found[0], prefix=True)]
    # A hyphenated word is several words to the index: found together, in order.
    if len(found) > 1 and not re.search(r"\s", body):
        return [Phrase(tuple(found))]
    return [Word(w) for w in found]


@dataclass
class _Parser:
    tokens: list[str | Word | Phrase]
    at: int = 0

    def peek(self) -> str | Word | Phrase | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str | Word | Phrase | None:
        token = self.peek()
        self.at += 1
        return token

    def any(self) -> Node:
        items = [self.all()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, ")", "OR", "AND"):
                raise InputError("OR needs words on both sides", hint=HELP)
            items.append(self.all())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def all(self) -> Node:
        items: list[Node] = []
        without: list[Node] = []
        while (token := self.peek()) not in (None, ")", "OR"):
            if token == "AND":
                self.take()
                if (not items and not without) or self.peek() in (None, ")", "OR", "AND"):
                    raise InputError("AND needs words on both sides", hint=HELP)
                continue
            if token == "NOT":
                self.take()
                if self.peek() in (None, ")", "OR", "AND", "NOT"):
                    raise InputError("NOT needs a word after it", hint=HELP)
                without.append(self.primary())
                continue
            items.append(self.primary())
        if not items:
            if without:
                raise InputError(
                    "NOT needs words before it: say what to find, e.g. обмін NOT футбол",
                    hint=HELP,
                )
            raise InputError(_empty_reason(token), hint=HELP)
        return items[0] if len(items) == 1 and not without else AllOf(tuple(items), tuple(without))

    def primary(self) -> Node:
        token = self.take()
        if isinstance(token, Word | Phrase):
            return token
        if token == "(":
            if self.peek() == ")":
                raise InputError("empty parentheses in the query", hint=HELP)
            node = self.any()
            if self.take() != ")":
                raise InputError("a parenthesis is not closed", hint=HELP)
            return node
        raise InputError(f"unexpected {token!r} in the query", hint=HELP)


def _empty_reason(token: str | Word | Phrase | None) -> str:
    if token == ")":
        return "a closing parenthesis has no opening one"
    if token == "OR":
        return "OR needs words on both sides"
    return "the query has no words to search for"


# ----------------------------------------------------------------------------- compiling


Compounds = Callable[[frozenset[str]], frozenset[str]]


@dataclass
class Compiled:
    """An FTS5 expression for the word index, and what to mark in the hits."""

    expression: str
    marks: Marks


@dataclass
class Marks:
    """Tokens, prefixes and token sequences (phrases) that matched words are made of."""

    tokens: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    phrases: list[tuple[frozenset[str], ...]] = field(default_factory=list)

    @functools.cached_property
    def starts(self) -> frozenset[str]:
        """The first three letters of every lemma and prefix sought: a word beginning
        otherwise cannot match (inflection changes endings; suppletive forms are missed)."""
        tokens = set(self.tokens)
        tokens.update(t for phrase in self.phrases for options in phrase for t in options)
        lemmas = {lemma for tok in tokens for lemma in tok.split("|")}
        return frozenset(x[:3] for x in lemmas | self.prefixes)


def compile_query(node: Node, compounds: Compounds, languages: tuple[str, ...] = ()) -> Compiled:
    """The FTS5 MATCH expression of ``node`` over the word index.

    ``compounds`` maps lemmas to the tokens of compounds ending in them (from the
    archive's ``word_compounds``); ``languages`` narrows which analysers read the query
    words (a search limited to --lang uk does not look for Russian homographs).
    """
    marks = Marks()
    expression = _Compiler(compounds, languages, marks).node(node, positive=True)
    terms = expression.count('"') // 2
    if terms > MAX_TERMS:
        raise InputError(
            f"the query expands to {terms} word forms, more than {MAX_TERMS}",
            hint="use fewer words or quote exact phrases",
        )
    return Compiled(expression, marks)


@dataclass
class _Compiler:
    compounds: Compounds
    languages: tuple[str, ...]
    marks: Marks

    def node(self, node: Node, positive: bool) -> str:
        if isinstance(node, Word):
            return self.word(node, positive)
        if isinstance(node, Phrase):
            return self.phrase(node, positive)
        if isinstance(node, AnyOf):
            return "(" + " OR ".join(self.node(n, positive) for n in node.items) + ")"
        found = " AND ".join(self.node(n, positive) for n in node.items)
        if not node.without:
            return f"({found})"
        excluded = " OR ".join(self.node(n, False) for n in node.without)
        return f"(({found}) NOT ({excluded}))"

    def word(self, word: Word, positive: bool) -> str:
        if word.prefix:
            stem = word.text.replace("'", "")
            if positive:
                self.marks.prefixes.add(stem)
            return fts_string(stem) + "*"
        tokens = self.tokens(word.text)
        if positive:
            self.marks.tokens.update(tokens)
        return _any(tokens)

    def tokens(self, text: str) -> list[str]:
        found: QueryWord = query_word(text, self.languages)
        return unique(sorted(found.tokens | self.compounds(found.lemmas)))

    def phrase(self, phrase: Phrase, positive: bool) -> str:
        # Compounds are not put into phrases: a phrase is the words as typed, inflected.
        options = [sorted(query_word(w, self.languages).tokens) for w in phrase.words]
        variants = list(itertools.islice(itertools.product(*options), MAX_PHRASE_VARIANTS + 1))
        if len(variants) > MAX_PHRASE_VARIANTS:
            raise InputError(
                f"the phrase {' '.join(phrase.words)!r} has too many readings",
                hint="shorten it or leave out ambiguous words",
            )
        if positive:
            self.marks.phrases.append(tuple(frozenset(o) for o in options))
        return _any([" ".join(v) for v in variants])


def _any(terms: list[str]) -> str:
    quoted = [fts_string(t) for t in terms]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


def describe(node: Node) -> str:
    """The parsed query in a normal form, for messages and tests."""
    if isinstance(node, Word):
        return node.text + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(describe(n) for n in node.items) + ")"
    found = " AND ".join(describe(n) for n in node.items)
    if node.without:
        found += " NOT " + " NOT ".join(describe(n) for n in node.without)
    return f"({found})"


# ----------------------------------------------------------------------------- marking


def matched_spans(text: str, language: str | None, marks: Marks) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` the query matched, in order."""
    starts = marks.starts
    found = []
    for m in words(normalise(text)):
        word = m.group()
        # Only words that begin like a wanted lemma go to the analyser (a few in a text).
        head = word[:3] if "'" not in word[:4] else word.replace("'", "")[:3]
        found.append((m.start(), m.end(), token(word, language) if head in starts else ""))
    prefixes = tuple(marks.prefixes)
    spans = [
        (start, end)
        for start, end, tok in found
        if tok and (tok in marks.tokens or (prefixes and tok.startswith(prefixes)))
    ]
    for phrase in marks.phrases:
        size = len(phrase)
        for i in range(len(found) - size + 1):
            if all(found[i + k][2] in phrase[k] for k in range(size)):
                spans.extend((s, e) for s, e, _ in found[i : i + size])
    return sorted(set(spans))


def mark(text: str, spans: list[tuple[int, int]], marker: tuple[str, str] = ("[[", "]]")) -> str:
    """``text`` with each span wrapped in ``marker``."""
    out, at = [], 0
    for start, end in _joined(text, spans):
        out += [text[at:start], marker[0], text[start:end], marker[1]]
        at = end
    out.append(text[at:])
    return "".join(out)


def _joined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans apart only by white space as one (the words of a phrase)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and not text[out[-1][1] : start].strip():
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def snippet(
    text: str,
    language: str | None,
    marks: Marks,
    size: int = 30,
    marker: tuple[str, str] = ("[[", "]]"),
) -> str:
    """About ``size`` words of ``text`` around the most matched words, marked; on one line."""
    spans = matched_spans(text, language, marks)
    bounds = [(m.start(), m.end()) for m in words(text)]
    if not bounds:
        return ""
    first = _densest(bounds, spans, size)
    last = min(first + size, len(bounds)) - 1
    # At either end of the text, its own punctuation stays (a full stop, a quote).
    start = bounds[first][0] if first > 0 else 0
    end = bounds[last][1] if last < len(bounds) - 1 else len(text)
    inside = [(s - start, e - start) for s, e in spans if start <= s and e <= end]
    body = " ".join(mark(text[start:end], inside, marker).split())
    return ("…" if first > 0 else "") + body + ("…" if last < len(bounds) - 1 else "")


def _densest(bounds: list[tuple[int, int]], spans: list[tuple[int, int]], size: int) -> int:
    """Index of the first word of the window of ``size`` words with the most matches,
    starting a few words before its first match."""
    if not spans:
        return 0
    starts = [s for s, _ in bounds]
    hits = [bisect.bisect_left(starts, s) for s, _ in spans]
    best, best_count = hits[0], 0
    for i, first in enumerate(hits):
        count = bisect.bisect_left(hits, first + size, lo=i) - i
        if count > best_count:
            best, best_count = first, count
    return max(0, min(best - 3, len(bounds) - size))
