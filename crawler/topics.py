"""Flag articles about a topic (shipped: captivity) from their title and main text.

Pure functions over plain strings: no Scrapy, no database. A ``Topic`` is vocabulary data
(``crawler/vocab/<name>.toml``, merged with an optional mapping from config.toml); see
that file for its layout. ``classify`` reads only the title and the main text.

How an article is read:

* Text is split into sentences; words are lemmatised (pymorphy3 for uk and ru, loaded on
  first use; a light suffix stemmer for en), the three Ukrainian apostrophes (' ’ ʼ) being
  one letter. Terms of several lemmas match in any order within a few words.
* Trap phrases (обмін думками, prisoner's dilemma, полонила серця …) remove the words they
  cover from the evidence. Ambiguous terms (затримати, abduct, обмен …) count only with the
  company they need in the same sentence: a Russian/occupation actor, a military word, or
  another captivity term.
* Captivity must be a *main subject*: evidence in the title counts double and in the first
  sentences half as much again; evidence further down counts by the share of sentences it
  covers, so a paragraph in a long address (a "mention") or a "Read also" teaser stays
  below the line. Lines that read as teasers are ignored altogether. A body that develops
  captivity in full sentences over more than one paragraph also counts (``passage_full``),
  however long the rest: the guideline's "lead item developed over several paragraphs".
* Context needed by a weak term may sit in the sentence before (``carry``: the actor is
  often named once), and a term may name a class of words (``захопити @civilian``).
* In an article without any war or political link (Ukraine, occupiers, ЗСУ, Zelensky …)
  only unambiguous terms count, at half weight, and a sentence about ordinary crime or
  another conflict (ransom, ХАМАС, СИЗО) counts a quarter: criminal hostage-takings stay
  negative. Detention counts only with the occupiers as actor: domestic arrests stay out.
* Borderline cases of the labelling guideline are decided as follows, and reported apart
  by the bench: swaps between Russia and the West and foreign political prisoners flag
  only when the text itself carries captivity terms with the Russian/Ukrainian link;
  hostages of other conflicts do not flag (negative context); exchanges of bodies only
  score half an exchange and flag only when the text also names POWs; captivity that is
  implied but never named does not flag.
* A watchlist name found in any inflection or script flags the article whatever its score.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Protocol

LANGUAGES = ("uk", "ru", "en")
SPECIAL_GROUPS = ("link", "negative", "teaser")
# The group a weak term may require that is satisfied by another, unconditional term.
TERM_GROUP = "term"

# The Ukrainian apostrophe is written three ways (plus the grave accent by some keyboards);
# pymorphy3 knows only the ASCII one. Same length, so offsets survive normalisation.
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "ё": "е", "Ё": "Е"})
_WORD = re.compile(r"\w+(?:'\w+)*")
# A sentence ends at . ! ? … (then space) or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”)]*\s+|\s*\n\s*")


@dataclass(frozen=True)
class Match:
    """One piece of evidence: ``field_text[start:end] == term``."""

    term: str
    category: str
    sentence: str
    start: int
    end: int
    field: str  # "title" | "text"
    entry: str = ""  # the vocabulary entry (or watchlist name) that matched


@dataclass(frozen=True)
class Verdict:
    flag: bool
    score: float
    categories: tuple[str, ...]
    evidence: tuple[Match, ...]
    watchlist: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A plain dict for json.dumps or a database column."""
        return asdict(self)


# ----------------------------------------------------------------------------- lemmas


class _Analyzer(Protocol):
    def parse(self, word: str) -> Sequence[Any]: ...


@cache
def _morph(language: str) -> _Analyzer:
    # Imported here: loading the dictionaries costs ~0.2 s and 15 MB per language, which
    # modules importing this one for other reasons should not pay.
    import pymorphy3

    analyzer: _Analyzer = pymorphy3.MorphAnalyzer(lang=language)
    return analyzer


@lru_cache(maxsize=200_000)
def _morph_lemmas(language: str, word: str) -> frozenset[str]:
    forms = {p.normal_form.translate(_APOSTROPHES) for p in _morph(language).parse(word)}
    forms.add(word)
    return frozenset(forms)


def clear_caches() -> None:
    """Forget cached lemmas (benchmarks measure a cold start with this)."""
    _morph_lemmas.cache_clear()
    stem_en.cache_clear()


_EN_IRREGULAR = {
    "children": "child",
    "taken": "take",
    "took": "take",
    "held": "hold",
    "men": "man",
    "women": "woman",
    "people": "people",
    "freed": "free",
}


@lru_cache(maxsize=100_000)
def stem_en(word: str) -> str:
    """A light English stem: enough to equate captive/captives, swap/swapped, POW/POWs."""
    word = word.removesuffix("'s").removesuffix("'")
    word = _EN_IRREGULAR.get(word, word)
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: -len(suffix)] + repl
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2]:
                word = word[:-1]  # swapped -> swapp -> swap
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _lemmatiser(language: str, prefixes: frozenset[str]) -> Any:
    if language == "en":
        return lambda word: frozenset((word, stem_en(word)))

    def lemmas(word: str) -> frozenset[str]:
        # Only words that could be vocabulary go to the analyser; the rest are themselves.
        if word[:3] not in prefixes:
            return frozenset((word,))
        return _morph_lemmas(language, word)

    return lemmas


_VOCAB_WORD = re.compile(r"@?\w+(?:'\w+)*")


def _norm_vocab(text: str, language: str) -> tuple[str, ...]:
    words = _VOCAB_WORD.findall(text.translate(_APOSTROPHES).lower())
    if language != "en":
        return tuple(words)
    return tuple(w if w.startswith("@") else stem_en(w) for w in words)


# ----------------------------------------------------------------------------- topic


@dataclass(frozen=True)
class Term:
    entry: str
    lemmas: tuple[str, ...]
    category: str
    weight: float
    requires: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The vocabulary of one topic in one language, compiled for matching."""

    language: str
    terms: tuple[Term, ...]
    traps: tuple[tuple[str, ...], ...]
    groups: Mapping[str, frozenset[str]]  # single-lemma context words by group
    phrases: Mapping[str, tuple[tuple[str, ...], ...]]  # multi-word context by group
    prefixes: frozenset[str] = frozenset()

    @property
    def by_lemma(self) -> dict[str, list[Term]]:
        return _index_terms(self)


@cache
def _index_terms(lexicon: Lexicon) -> dict[str, list[Term]]:
    index: dict[str, list[Term]] = {}
    for term in lexicon.terms:
        index.setdefault(term.lemmas[0], []).append(term)
    return index


@dataclass(frozen=True)
class Settings:
    threshold: float = 1.0
    title_weight: float = 2.0
    lead_weight: float = 1.5
    lead_chars: int = 250
    lead_sentences: int = 3
    coverage_full: float = 0.25
    passage_full: float = 3.0
    prose_words: int = 6
    window: int = 3
    no_link_factor: float = 0.35
    negative_factor: float = 0.25
    short_text: int = 4
    carry: tuple[str, ...] = ("actor",)


@dataclass(frozen=True, eq=False)
class Topic:
    name: str
    settings: Settings
    lexicons: Mapping[str, Lexicon] = field(default_factory=dict)

    def lexicon(self, language: str) -> Lexicon | None:
        return self.lexicons.get(language)


def load_topic(name: str = "captivity", extra: Mapping[str, Any] | None = None) -> Topic:
    """The packaged vocabulary ``name``, with ``extra`` (from config.toml) merged over it.

    Tables merge key by key, lists are extended, scalars replaced: ``extra`` can add terms,
    traps and context words, change weights (0 disables a term) and scoring knobs. A topic
    with no packaged file is defined by ``extra`` alone.
    """
    data = _packaged(name)
    if extra:
        data = _merge(data, extra)
    return compile_topic(name, data)


def _packaged(name: str) -> dict[str, Any]:
    path = resources.files("crawler") / "vocab" / f"{name}.toml"
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            merged[key] = [*old, *value]
        else:
            merged[key] = value
    return merged


def compile_topic(name: str, data: Mapping[str, Any]) -> Topic:
    """Build a Topic from vocabulary data already parsed (see load_topic)."""
    known = {f.name for f in Settings.__dataclass_fields__.values()}
    knobs = {k: v for k, v in data.get("topic", {}).items() if k in known}
    if "carry" in knobs:
        knobs["carry"] = tuple(knobs["carry"])
    settings = Settings(**knobs)
    lexicons = {lang: _compile_lexicon(lang, data[lang]) for lang in LANGUAGES if lang in data}
    return Topic(name=name, settings=settings, lexicons=lexicons)


def _compile_lexicon(language: str, data: Mapping[str, Any]) -> Lexicon:
    stop = set(data.get("stopwords", ()))
    requires = data.get("requires", {})
    terms = []
    for category, entries in data.get("terms", {}).items():
        for entry, weight in entries.items():
            lemmas = tuple(w for w in _norm_vocab(entry, language) if w not in stop)
            if lemmas and weight > 0:
                need = tuple(requires.get(entry, ()))
                terms.append(Term(entry, lemmas, category, float(weight), need))
    traps = tuple(t for t in (_norm_vocab(p, language) for p in data.get("traps", ())) if t)
    groups: dict[str, frozenset[str]] = {}
    phrases: dict[str, tuple[tuple[str, ...], ...]] = {}
    for group, words in data.get("context", {}).items():
        normed = [_norm_vocab(w, language) for w in words]
        groups[group] = frozenset(n[0] for n in normed if len(n) == 1)
        phrases[group] = tuple(n for n in normed if len(n) > 1)
    for term in terms:
        for ref in (w[1:] for w in term.lemmas if w.startswith("@")):
            if ref not in groups or term.lemmas[0].startswith("@"):
                raise ValueError(
                    f"{language} term {term.entry!r}: @{ref} must name a [{language}.context]"
                    " group and cannot be the term's first word"
                )
    lexicon = Lexicon(language, tuple(terms), traps, groups, phrases)
    if language == "en":
        return lexicon
    return Lexicon(language, lexicon.terms, traps, groups, phrases, _prefixes(lexicon))


def _prefixes(lexicon: Lexicon) -> frozenset[str]:
    """First three letters of every form of every vocabulary word (дитина → діти too)."""
    words: set[str] = {w for t in lexicon.terms for w in t.lemmas if not w.startswith("@")}
    words.update(w for t in lexicon.traps for w in t)
    for group in lexicon.groups.values():
        words.update(group)
    for phrases in lexicon.phrases.values():
        words.update(w for p in phrases for w in p)
    morph = _morph(lexicon.language)
    prefixes = {w[:3] for w in words}
    for word in words:
        for parse in morph.parse(word)[:3]:
            prefixes.update(f.word.translate(_APOSTROPHES)[:3] for f in parse.lexeme)
    return frozenset(prefixes)


# ----------------------------------------------------------------------------- watchlist


_UK_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "'": "",
}  # fmt: skip
# KMU 2010: at the start of a word є ї й ю я are Ye Yi Y Yu Ya.
_UK_LATIN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_RU_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_UK_TO_RU = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "'": ""})
# Given names whose Russian and English forms are not letter-for-letter.
_GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "олександр": ("александр", "alexander", "aleksandr", "alexandr", "oleksandr"),
    "олександра": ("александра", "alexandra", "aleksandra", "oleksandra"),
    "олексій": ("алексей", "alexey", "aleksei", "alexei", "oleksii", "oleksiy"),
    "андрій": ("андрей", "andrei", "andrey", "andriy", "andrii"),
    "сергій": ("сергей", "sergei", "sergey", "serhiy", "serhii"),
    "дмитро": ("дмитрий", "dmitry", "dmitri", "dmytro"),
    "микола": ("николай", "nikolai", "nikolay", "mykola"),
    "михайло": ("михаил", "mikhail", "mykhailo", "mykhaylo"),
    "юрій": ("юрий", "yuri", "yury", "yurii", "yuriy"),
    "василь": ("василий", "vasily", "vasyl"),
    "петро": ("пётр", "петр", "pyotr", "petro"),
    "павло": ("павел", "pavel", "pavlo"),
    "іван": ("иван", "ivan"),
    "федір": ("фёдор", "федор", "fyodor", "fedir"),
    "григорій": ("григорий", "grigory", "hryhorii", "hryhoriy"),
    "євген": ("евгений", "yevgeny", "evgeny", "yevhen"),
    "віктор": ("виктор", "viktor", "victor"),
    "володимир": ("владимир", "vladimir", "volodymyr"),
    "максим": ("максим", "maxim", "maksim", "maksym"),
    "кирило": ("кирилл", "kirill", "kyrylo"),
    "ігор": ("игорь", "igor", "ihor"),
    "олег": ("олег", "oleg", "oleh"),
    "олена": ("елена", "yelena", "elena", "olena"),
    "наталія": ("наталья", "natalia", "natalya", "nataliia"),
    "тетяна": ("татьяна", "tatiana", "tatyana", "tetiana"),
    "ірина": ("ирина", "irina", "iryna"),
    "марія": ("мария", "maria", "mariia"),
    "катерина": ("екатерина", "yekaterina", "ekaterina", "kateryna"),
    "ганна": ("анна", "anna", "hanna"),
    "ольга": ("ольга", "olga", "olha"),
    "юлія": ("юлия", "yulia", "yuliia"),
}
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_RUSSIAN_ONLY = re.compile(r"[ыэъё]", re.IGNORECASE)


def translit_uk(word: str) -> str:
    """Ukrainian → Latin by the national standard (KMU resolution 55 of 2010)."""
    out: list[str] = []
    low = word.lower().translate(_APOSTROPHES)
    for i, ch in enumerate(low):
        initial = i == 0 or not low[i - 1].isalpha()
        if ch == "г" and i > 0 and low[i - 1] == "з":
            out.append("gh")  # зг → zgh, to tell it from ж (zh)
        elif initial and ch in _UK_LATIN_INITIAL:
            out.append(_UK_LATIN_INITIAL[ch])
        else:
            out.append(_UK_LATIN.get(ch, ch))
    return "".join(out)


def translit_ru(word: str) -> str:
    """Russian → Latin as English-language news commonly write it."""
    low = word.lower().replace("ё", "е")
    return "".join(_RU_LATIN.get(ch, ch) for ch in low)


def _variants(word: str) -> set[str]:
    """The forms one name word takes in uk, ru and Latin script (lower case)."""
    low = word.lower().translate(_APOSTROPHES)
    if not _CYRILLIC.search(low):
        return {low}
    if _RUSSIAN_ONLY.search(low):
        return {low, translit_ru(low)}
    forms = {low, low.translate(_UK_TO_RU), translit_uk(low), translit_ru(low.translate(_UK_TO_RU))}
    forms.update(_GIVEN_NAMES.get(low, ()))
    for uk, others in _GIVEN_NAMES.items():
        if low in others:
            forms.update((uk, *others))
    return forms


def _stem_name(form: str) -> str:
    """Drop an inflectable ending so that Шумков/Шумкова/Шумкову share a pattern."""
    if _CYRILLIC.search(form):
        for ending in ("ий", "ій", "ой", "ая", "а", "я", "о", "й", "ь", "е", "і", "и"):
            if form.endswith(ending) and len(form) - len(ending) >= 3:
                return form[: -len(ending)]
        return form
    return form[:-1] if form.endswith(("a", "y", "i")) and len(form) > 4 else form


def _name_pattern(forms: Iterable[str]) -> str:
    stems = sorted({_stem_name(f) for f in forms}, key=len, reverse=True)
    alts = "|".join(re.escape(s) for s in stems)
    return rf"(?:{alts})\w{{0,3}}(?:'s)?"


@dataclass(frozen=True)
class Person:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Watchlist:
    people: tuple[Person, ...] = ()

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Watchlist:
        """Each name is given names plus surname, e.g. "Олександр Шумков"."""
        return cls(tuple(_person(name) for name in names if name.strip()))

    def find(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(listed name, start, end) of every mention in ``text``."""
        norm = text.translate(_APOSTROPHES)
        for person in self.people:
            for m in person.pattern.finditer(norm):
                # Case-insensitive pattern, but a name starts with a capital (Мороз, мороз).
                if m.group()[:1].isupper():
                    yield person.name, m.start(), m.end()


def _person(name: str) -> Person:
    *given, surname = name.split()
    surname_re = _name_pattern(_variants(surname))
    given_re = "|".join(_name_pattern(_variants(g)) for g in given)
    full = rf"(?<!\w)(?:(?:{given_re})\s+)?{surname_re}(?!\w)" if given else surname_re
    pattern = re.compile(full, re.IGNORECASE)
    return Person(name, pattern)


# ----------------------------------------------------------------------------- matching


@dataclass
class _Sentence:
    field: str
    text: str  # the whole field
    start: int
    end: int
    words: list[tuple[int, int]]
    lemmas: list[frozenset[str]]
    position: str = "body"  # "title" | "lead" | "body"


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            yield start, m.start()
        start = m.end()
    if start < len(text.rstrip()):
        yield start, len(text.rstrip())


def _read(field_name: str, text: str, lemmatise: Any) -> list[_Sentence]:
    norm = text.translate(_APOSTROPHES)
    out = []
    for start, end in _sentences(norm):
        # Numbers are never vocabulary; skipping them keeps "deported 5,500 children" near.
        words = [
            (m.start(), m.end())
            for m in _WORD.finditer(norm, start, end)
            if not m.group().isdigit()
        ]
        if not words:
            continue
        lemmas = [lemmatise(norm[a:b].lower()) for a, b in words]
        out.append(_Sentence(field_name, text, start, end, words, lemmas))
    return out


def _phrase_spans(
    lemmas: Sequence[frozenset[str]], phrase: tuple[str, ...]
) -> Iterator[tuple[int, int]]:
    """Token spans of ``phrase`` in order, with at most one stray word between its words."""
    for i, here in enumerate(lemmas):
        if phrase[0] not in here:
            continue
        pos = i
        for word in phrase[1:]:
            nxt = next(
                (j for j in (pos + 1, pos + 2) if j < len(lemmas) and word in lemmas[j]), None
            )
            if nxt is None:
                break
            pos = nxt
        else:
            yield i, pos


def _groups_in(sentence: _Sentence, lexicon: Lexicon) -> set[str]:
    found: set[str] = set()
    words = frozenset().union(*sentence.lemmas)
    for group, singles in lexicon.groups.items():
        if not singles.isdisjoint(words):
            found.add(group)
    for group, phrases in lexicon.phrases.items():
        if group not in found and any(
            p[0] in words and next(_phrase_spans(sentence.lemmas, p), None) for p in phrases
        ):
            found.add(group)
    return found


@dataclass(frozen=True)
class _Hit:
    term: Term
    first: int
    last: int
    tokens: frozenset[int]


def _term_hits(sentence: _Sentence, lexicon: Lexicon, window: int) -> list[_Hit]:
    index = lexicon.by_lemma
    hits = []
    for i, here in enumerate(sentence.lemmas):
        for lemma in here:
            for term in index.get(lemma, ()):
                tokens = _complete(sentence.lemmas, i, term.lemmas[1:], window, lexicon.groups)
                if tokens is not None:
                    hits.append(_Hit(term, min(tokens), max(tokens), frozenset(tokens)))
    return hits


def _complete(
    lemmas: Sequence[frozenset[str]],
    anchor: int,
    rest: tuple[str, ...],
    window: int,
    groups: Mapping[str, frozenset[str]],
) -> set[int] | None:
    """Positions of the other lemmas of a term, in any order, near ``anchor``.

    A lemma written ``@group`` stands for any word of that context group (захопити @civilian:
    захопили мера, викрадення журналіста), so a class of people is listed once.
    """
    tokens = {anchor}
    for word in rest:
        if word.startswith("@"):
            members = groups.get(word[1:], frozenset())
            fits = [not members.isdisjoint(here) for here in lemmas]
        else:
            fits = [word in here for here in lemmas]
        near = [
            j
            for j in range(max(0, anchor - window), min(len(lemmas), anchor + window + 1))
            if j not in tokens and fits[j]
        ]
        if not near:
            return None
        tokens.add(min(near, key=lambda j: abs(j - anchor)))
    return tokens


def _evidence(sentence: _Sentence, lexicon: Lexicon, window: int, groups: set[str]) -> list[_Hit]:
    """The term hits that count in this sentence, given the context groups around it."""
    hits = _term_hits(sentence, lexicon, window)
    if not hits:
        return []
    trapped: set[int] = set()
    for trap in lexicon.traps:
        for a, b in _phrase_spans(sentence.lemmas, trap):
            trapped.update(range(a, b + 1))
    hits = [h for h in hits if not h.tokens & trapped]
    # A longer term wins over the words it contains (обмін полоненими over полоненими).
    hits = [h for h in hits if not any(h.tokens < o.tokens for o in hits)]
    # One piece of evidence per span: two entries covering the same words (take prisoner,
    # prisoner take) are one match, the weightier.
    unique: dict[frozenset[int], _Hit] = {}
    for h in sorted(hits, key=lambda h: h.term.weight):
        unique[h.tokens] = h
    hits = sorted(unique.values(), key=lambda h: (h.first, h.last))
    kept = [h for h in hits if not h.term.requires or groups & set(h.term.requires)]
    # A term that stands (on its own or by its context) is company for one that needs it.
    if kept:
        groups = groups | {TERM_GROUP}
        kept = [h for h in hits if not h.term.requires or groups & set(h.term.requires)]
    return kept


# ----------------------------------------------------------------------------- classify


def classify(
    title: str,
    text: str,
    language: str,
    topic: Topic,
    watchlist: Watchlist | None = None,
) -> Verdict:
    """Whether the article is about ``topic`` (as a main subject), with the evidence."""
    title, text = title or "", text or ""
    people = _watchlist_hits(title, text, watchlist)
    lexicon = topic.lexicon(language)
    if lexicon is None:
        return _verdict(topic, 0.0, [], people)
    settings = topic.settings
    lemmatise = _lemmatiser(language, lexicon.prefixes)
    sentences = _layout(title, text, lemmatise, settings)
    raw, matches = _score(sentences, lexicon, settings)
    return _verdict(topic, raw, matches, people)


def _layout(title: str, text: str, lemmatise: Any, settings: Settings) -> list[_Sentence]:
    """Sentences of title and text, each marked title, lead or body."""
    head = title.strip()
    # Many sources repeat the headline as the first line of the text: read it once.
    repeated = bool(head) and text.lstrip().startswith(head)
    out = [] if repeated else _read("title", title, lemmatise)
    for s in out:
        s.position = "title"
    body = _read("text", text, lemmatise)
    title_end = text.find(head) + len(head) if repeated else 0
    rest = [s for s in body if s.start >= title_end]
    for s in body:
        if s.start < title_end:
            s.position = "title"
    if rest:
        # The lead: the first sentence and the next ones starting within lead_chars of it
        # (at most lead_sentences);
        # all of a short text (a post, a headline with a line or two).
        limit = rest[0].start + settings.lead_chars
        short = len(rest) < settings.short_text
        for i, s in enumerate(rest):
            if short or i == 0 or (s.start < limit and i < settings.lead_sentences):
                s.position = "lead"
    return out + body


def _contexts(sentences: list[_Sentence], lexicon: Lexicon, carry: Sequence[str]) -> list[set[str]]:
    """Context groups of each sentence, plus the ``carry`` groups of the sentence before:
    "Окупанти захопили мера. Громада вимагає звільнити його з полону" names the actor once."""
    own = [_groups_in(s, lexicon) for s in sentences]
    out = []
    for i, groups in enumerate(own):
        before = own[i - 1] if i and sentences[i - 1].field == sentences[i].field else set()
        out.append(groups | (before & set(carry)))
    return out


def _score(
    sentences: list[_Sentence], lexicon: Lexicon, settings: Settings
) -> tuple[float, list[Match]]:
    contexts = _contexts(sentences, lexicon, settings.carry)
    # "link" is a property of the whole article: a weak term may require it.
    linked = any("link" in groups for groups in contexts)
    head = body = prose = 0.0
    n_text = 0
    paragraphs: set[int] = set()
    matches: list[Match] = []
    for sentence, groups in zip(sentences, contexts, strict=True):
        if "teaser" in groups:
            continue
        n_text += sentence.position != "title"
        hits = _evidence(
            sentence, lexicon, settings.window, groups | ({"link"} if linked else set())
        )
        if not linked:
            # Without a war link only unambiguous terms count (a hostage-taking in a Paris
            # restaurant is not captivity; a "prisoner swap" headline may still be).
            hits = [h for h in hits if h.term.weight >= 1.0]
        if not hits:
            continue
        weight = min(1.0, sum(h.term.weight for h in hits))
        if "negative" in groups:
            weight *= settings.negative_factor
        if sentence.position == "title":
            head += weight * settings.title_weight
        elif sentence.position == "lead":
            head += weight * settings.lead_weight
        else:
            body += weight
            if _is_prose(sentence, settings.prose_words):
                prose += weight
                paragraphs.add(sentence.text.count("\n", 0, sentence.start))
        matches.extend(_match(sentence, h) for h in hits)
    coverage = body / max(n_text, settings.short_text) / settings.coverage_full
    # A long text that develops captivity over several paragraphs of full sentences is
    # about it, whatever else it covers; a list of headlines (a leaked "related news"
    # block) is not prose and does not count here.
    passage = prose / settings.passage_full if len(paragraphs) > 1 else 0.0
    raw = head + max(coverage, passage)
    return (raw if linked else raw * settings.no_link_factor), matches


_PROSE_END = re.compile(r"[.!?…][\"»”)]*$")


def _is_prose(sentence: _Sentence, min_words: int) -> bool:
    """A full sentence of running text, not a headline, caption or list item."""
    text = sentence.text[sentence.start : sentence.end]
    return len(sentence.words) >= min_words and bool(_PROSE_END.search(text))


def _match(sentence: _Sentence, hit: _Hit) -> Match:
    start = sentence.words[hit.first][0]
    end = sentence.words[hit.last][1]
    return Match(
        term=sentence.text[start:end],
        category=hit.term.category,
        sentence=sentence.text[sentence.start : sentence.end],
        start=start,
        end=end,
        field=sentence.field,
        entry=hit.term.entry,
    )


def _watchlist_hits(title: str, text: str, watchlist: Watchlist | None) -> list[Match]:
    if watchlist is None or not watchlist.people:
        return []
    found = []
    for field_name, value in (("title", title), ("text", text)):
        for name, start, end in watchlist.find(value):
            s, e = _sentence_around(value, start, end)
            found.append(
                Match(value[start:end], "watchlist", value[s:e], start, end, field_name, name)
            )
    return found


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    for a, b in _sentences(text.translate(_APOSTROPHES)):
        if a <= start and end <= b:
            return a, b
    return start, end


def _verdict(topic: Topic, raw: float, matches: list[Match], people: list[Match]) -> Verdict:
    threshold = topic.settings.threshold
    weights: dict[str, int] = {}
    for m in matches:
        weights[m.category] = weights.get(m.category, 0) + 1
    categories = tuple(sorted(weights, key=lambda c: (-weights[c], c)))
    names = tuple(dict.fromkeys(m.entry for m in people))
    return Verdict(
        flag=raw >= threshold or bool(names),
        score=round(min(1.0, raw / (2 * threshold)), 4),
        categories=categories,
        evidence=tuple(matches + people),
        watchlist=names,
    )
