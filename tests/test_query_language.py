"""The search language: parsing, refusing malformed queries, compiling to FTS5, word families."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.errors import InputError
from crawler.query import compile_query, describe, mark, matched_spans, parse, snippet
from crawler.words import index_text, query_word, token


def no_compounds(lemmas: frozenset[str]) -> frozenset[str]:
    return frozenset()


@pytest.mark.parametrize(
    "text, tree",
    [
        ("обмін полонені", "(обмін AND полонені)"),
        ("обмін AND полонені", "(обмін AND полонені)"),
        ('"обмін полоненими"', '"обмін полоненими"'),
        ("«обмін полоненими»", '"обмін полоненими"'),
        ("Шумков OR Шумкова", "(шумков OR шумкова)"),
        ("полонені NOT футбол", "(полонені NOT футбол)"),
        ("a b NOT c", "(a AND b NOT c)"),
        ("a OR b NOT c", "(a OR (b NOT c))"),
        ("(обмін OR звільнення) AND полонені", "((обмін OR звільнення) AND полонені)"),
        ("полон*", "полон*"),
        ("військово-морських", '"військово морських"'),
        ("ПОЛІТВ’ЯЗНІ", "політв'язні"),
        ("and or not", "(and AND or AND not)"),  # operators only in capitals
        ("обмін, полонені!", "(обмін AND полонені)"),  # punctuation separates words
    ],
)
def test_parse(text: str, tree: str) -> None:
    assert describe(parse(text)) == tree


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "the query has no words to search for"),
        ("!!! ...", "the query has no words to search for"),
        ('"обмін полоненими', "a quotation mark is not closed"),
        ('""', "a quoted phrase holds no words"),
        ("(обмін OR полонені", "a parenthesis is not closed"),
        ("обмін)", "unexpected ')' in the query"),
        (")", "a closing parenthesis has no opening one"),
        ("()", "empty parentheses in the query"),
        ("NOT футбол", "NOT needs words before it: say what to find, e.g. обмін NOT футбол"),
        ("обмін NOT", "NOT needs a word after it"),
        ("обмін OR", "OR needs words on both sides"),
        ("OR обмін", "OR needs words on both sides"),
        ("обмін AND", "AND needs words on both sides"),
        ("AND обмін", "AND needs words on both sides"),
        ("по*лон", "* goes at the end of a word (полон*), not in 'по*лон'"),
    ],
)
def test_malformed_queries_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    assert caught.value.message == reason
    assert caught.value.hint == "see newsmon query --help for the search syntax"


@pytest.mark.parametrize(
    "hostile",
    [
        'a" OR "b',
        "NEAR(обмін полонені, 2)",
        "title:полонені",
        "^обмін {title text}: полонені",
        "обмін + полонені - футбол",
        "'; drop table articles; --",
        "полонені*)",
        "\x00полонені",
    ],
)
def test_user_text_never_becomes_fts_syntax(hostile: str) -> None:
    """Whatever the input, the expression is valid FTS5 made of quoted tokens only."""
    try:
        compiled = compile_query(parse(hostile), no_compounds)
    except InputError:
        return
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(x, tokenize=\"unicode61 tokenchars '|'\")")
    conn.execute("select * from t where t match ?", [compiled.expression]).fetchall()
    outside_quotes = compiled.expression.split('"')[::2]
    assert all(set(part) <= set("() ORANDT*") for part in outside_quotes), compiled.expression


def test_a_word_finds_every_form_of_its_word() -> None:
    forms = ("полонені", "полонених", "полоненими", "полоненого", "Полоненому")
    tokens = {token(f.lower(), "uk") for f in forms}
    assert tokens == {"полонений"}
    assert query_word("полонені").tokens >= tokens


def test_a_compound_is_filed_under_its_last_part() -> None:
    indexed = index_text("", "Повернули 95 військовополонених і політв'язнів.", "uk")
    assert ("полонений", "військовополонений") in indexed.compounds
    assert ("вязень", "політвязень") in indexed.compounds
    compiled = compile_query(
        parse("полонені"),
        lambda lemmas: frozenset({"військовополонений"} if "полонений" in lemmas else ()),
    )
    assert '"військовополонений"' in compiled.expression


def test_the_three_apostrophes_are_one_letter() -> None:
    spellings = ("політв'язнів", "політв’язнів", "політвʼязнів")
    indexed = {index_text("", word, "uk").text for word in spellings}
    assert indexed == {"політвязень"}
    assert {describe(parse(word)) for word in spellings} == {"політв'язнів"}


def test_languages_narrow_how_a_query_word_is_read() -> None:
    # "полон" is Ukrainian captivity and a Russian form of "полный" (full).
    assert "полный" in query_word("полон").tokens
    assert "полный" not in query_word("полон", ("uk",)).tokens
    assert query_word("полон", ("uk",)).tokens == {"полон"}


def test_phrases_are_matched_word_for_word_in_any_form() -> None:
    compiled = compile_query(parse('"обмін полоненими"'), no_compounds)
    text = "Після обміну полонених лікарі оглянули всіх. Полонених обмін не чекав."
    assert mark(text, matched_spans(text, "uk", compiled.marks)) == (
        "Після [[обміну полонених]] лікарі оглянули всіх. Полонених обмін не чекав."
    )


def test_snippet_shows_the_most_matched_stretch() -> None:
    compiled = compile_query(parse("заручників"), no_compounds)
    text = " ".join(["Слово."] * 40) + " Звільнили заручника і ще двох заручників. Кінець."
    assert snippet(text, "uk", compiled.marks, size=8) == (
        "…Слово. Слово. Звільнили [[заручника]] і ще двох [[заручників]]…"
    )
