"""newsmon query, show, export, stats and migrate's word-index backfill, run as users run
them (the installed script) on a real archive of hand-written articles."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlite_utils import Database

from storage.db import Archive
from storage.migrations import migrations
from tests.archivekit import ARTICLES, WATCHED, fill
from tests.conftest import NEWSMON


class Run:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[storage]\npath = "newsmon.db"\n[watchlist]\npeople = ["{WATCHED}"]\n',
            encoding="utf-8",
        )

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
        return subprocess.run(
            [str(NEWSMON), "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=self.tmp_path,
        )

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    def ids(self, *args: str) -> list[int]:
        return [r["id"] for r in json.loads(self.ok("query", *args, "--json"))]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict[str, int]]:
    tmp_path = tmp_path_factory.mktemp("archive")
    ids = fill(tmp_path / "newsmon.db")
    return Run(tmp_path), ids


def keys(ids: dict[str, int], found: list[int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[i] for i in found]


# ----------------------------------------------------------------------------- query


@pytest.mark.parametrize(
    "query, expected",
    [
        # inflected forms and the compound військовополонених, newest first
        ("полонені", ["football", "torture", "exchange"]),
        ("ПОЛОНЕНИХ", ["football", "torture", "exchange"]),
        ("полонені NOT футбол", ["torture", "exchange"]),
        ('"обмін полоненими"', ["torture", "exchange"]),  # "обміну полонених" in torture
        ('"полоненими обмін"', []),
        ("обмін полонені", ["football", "torture", "exchange"]),
        ("(Шумков OR заручники) AND полону", ["recent", "exchange"]),
        ("полон*", ["recent", "football", "torture", "exchange"]),
        ("політв'язні", ["apostrophe"]),
        ("політв’язні", ["apostrophe"]),
        ("політвʼязні", ["apostrophe"]),
        ("пленные", ["ru-exchange"]),  # пленными, пленных, военнопленными
        ("военнопленный", ["ru-exchange"]),
        ("prisoner", ["en-pow"]),
        ("гривні", ["economy"]),
        ("неіснуючеслово", []),
    ],
)
def test_query_finds_word_families(
    archive: tuple[Run, dict[str, int]], query: str, expected: list[str]
) -> None:
    run, ids = archive
    assert keys(ids, run.ids(query)) == expected


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--flagged"], ["recent", "apostrophe", "en-pow", "torture", "ru-exchange", "exchange"]),
        (["--category", "torture"], ["torture"]),
        (["--category", "torture", "--category", "political_prisoner"], ["apostrophe", "torture"]),
        (["--lang", "ru"], ["ru-exchange"]),
        (["--source", "suspilne-uk"], ["apostrophe", "torture"]),
        (["--since", "2026-11-21", "--until", "2026-11-21"], ["en-pow", "torture"]),
        (["--until", "2025-01-01"], ["economy"]),
        (["--since", "6h"], ["recent", "apostrophe"]),  # apostrophe: by when fetched
        (["--watchlist"], ["exchange"]),
        (["--watchlist=шумков"], ["exchange"]),
        (["--watchlist=Олександр Шумков", "--duplicates", "show"], ["copy", "exchange"]),
        (["--watchlist=Іванов"], []),
        (["--duplicates", "show", "--source", "ukrinform-uk"], ["copy"]),
        (["--source", "ukrinform-uk"], []),
        (["--limit", "2"], ["recent", "apostrophe"]),
        (["--sort", "oldest", "--limit", "2"], ["economy", "exchange"]),
        (["--sort", "published", "--limit", "2"], ["recent", "apostrophe"]),
    ],
)
def test_filters(
    archive: tuple[Run, dict[str, int]], options: list[str], expected: list[str]
) -> None:
    run, ids = archive
    assert keys(ids, run.ids(*options)) == expected


def test_filters_and_text_together(archive: tuple[Run, dict[str, int]]) -> None:
    run, ids = archive
    found = run.ids("полонені", "--flagged", "--source", "unian-uk")
    assert keys(ids, found) == ["exchange"]
    assert run.ok("query", "полонені", "--flagged", "--count").strip() == "2"


@pytest.mark.parametrize(
    "options, expected",
    [
        (["полонені"], 3),
        (["полонені", "--lang", "uk"], 3),  # a condition on the row: counted another way
        (["полонені", "--source", "unian-uk", "--flagged"], 1),
        (["полонені", "--duplicates", "show"], 4),  # the copy too
        (["полонені", "--duplicates", "show", "--lang", "uk"], 4),
        (["--flagged"], 6),
        (["--lang", "uk"], 6),
    ],
)
def test_count(archive: tuple[Run, dict[str, int]], options: list[str], expected: int) -> None:
    run, _ = archive
    assert run.ok("query", *options, "--count") == f"{expected}\n"


def test_relevance_puts_title_matches_first(archive: tuple[Run, dict[str, int]]) -> None:
    run, ids = archive
    assert keys(ids, run.ids("заручників OR полону", "--sort", "relevance"))[0] == "recent"


def test_plain_output_marks_matched_words(archive: tuple[Run, dict[str, int]]) -> None:
    run, ids = archive
    result = run("query", "полонені", "--lang", "uk", "--flagged")
    assert result.returncode == 0
    assert result.stdout == (
        f"#{ids['torture']}  2026-11-21  suspilne-uk  uk  flagged 0.90 torture, pow\n"
        "  Звільнені розповіли про катування\n"
        "  [[Полонених]] тримали в підвалі й катували. Після обміну [[полонених]] лікарі "
        "оглянули всіх.\n"
        "  https://suspilne-uk.example/torture?utm_source=x\n\n"
        f"#{ids['exchange']}  2026-11-20  unian-uk  uk  flagged 0.90 exchange, pow  "
        f"watchlist: {WATCHED}\n"
        "  Україна повернула з полону 95 [[військовополонених]]\n"
        "  Сьогодні відбувся обмін [[полоненими]]. Серед звільнених — Олександр Шумков. "
        "Омбудсман розповів, що обмін готували кілька місяців.\n"
        "  https://unian-uk.example/exchange?utm_source=x\n\n"
    )
    assert "\x1b[" not in result.stdout  # no colours when not on a terminal
    assert result.stderr == "2 article(s)\n"


def test_json_nl_and_csv_carry_the_same_records(archive: tuple[Run, dict[str, int]]) -> None:
    run, ids = archive
    records = json.loads(run.ok("query", '"обмін полоненими"', "--json"))
    lines = [
        json.loads(line) for line in run.ok("query", '"обмін полоненими"', "--nl").splitlines()
    ]
    assert lines == records
    first = records[1]
    assert first["id"] == ids["exchange"]
    assert first["snippet"].startswith("Сьогодні відбувся [[обмін полоненими]].")
    assert first["flagged"] is True
    assert first["categories"] == ["exchange", "pow"]
    assert first["watchlist"] == [WATCHED]
    rows = list(csv.DictReader(io.StringIO(run.ok("query", '"обмін полоненими"', "--csv"))))
    assert [int(r["id"]) for r in rows] == [r["id"] for r in records]
    assert json.loads(rows[1]["categories"]) == ["exchange", "pow"]
    assert rows[1]["snippet"] == first["snippet"]


@pytest.mark.parametrize(
    "query, message",
    [
        ('"обмін полоненими', "a quotation mark is not closed"),
        ("NOT футбол", "NOT needs words before it"),
        ("(обмін OR", "OR needs words on both sides"),
        ("!!!", "the query has no words to search for"),
    ],
)
def test_a_malformed_query_gets_one_line_and_exit_1(
    archive: tuple[Run, dict[str, int]], query: str, message: str
) -> None:
    run, _ = archive
    result = run("query", query)
    assert result.returncode == 1
    assert result.stdout == ""
    first, hint = result.stderr.splitlines()
    assert first.startswith(f"Error: {message}")
    assert hint == "Hint: see newsmon query --help for the search syntax"


def test_a_bad_date_is_a_usage_error(archive: tuple[Run, dict[str, int]]) -> None:
    run, _ = archive
    result = run("query", "--since", "yesterday")
    assert result.returncode == 2
    assert "'yesterday' is not a date (2026-11-20)" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_archive_is_an_error_not_an_empty_result(tmp_path: Path) -> None:
    run = Run(tmp_path)
    result = run("query", "полонені")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: no archive at {tmp_path / 'newsmon.db'}")
    assert not (tmp_path / "newsmon.db").exists()


def test_help_explains_the_syntax_and_word_families(archive: tuple[Run, dict[str, int]]) -> None:
    run, _ = archive
    help_text = run.ok("query", "--help")
    for needle in ("військовополонених", '"обмін полоненими"', "NOT", "полон*", "pymorphy3"):
        assert needle in help_text
    assert "Examples:" in help_text


# ----------------------------------------------------------------------------- show


def test_show_prints_the_article_with_its_evidence_marked(
    archive: tuple[Run, dict[str, int]],
) -> None:
    run, ids = archive
    out = run.ok("show", str(ids["exchange"]))
    assert out.startswith("Україна повернула з [[полону]] 95 військовополонених\n\n")
    assert f"id:            {ids['exchange']}\n" in out
    assert "language:      uk (0.99)\n" in out
    assert "captivity:     flagged, score 0.90\n" in out
    assert f"  watchlist:   {WATCHED}\n" in out
    assert "Сьогодні відбувся [[обмін полоненими]]. Серед звільнених" in out


def test_show_finds_an_article_by_any_of_its_urls(archive: tuple[Run, dict[str, int]]) -> None:
    run, ids = archive
    for url in (
        "https://suspilne-uk.example/apostrophe",
        "https://suspilne-uk.example/apostrophe?utm_source=x",
        "https://SUSPILNE-UK.example/apostrophe#comments",
    ):
        record = json.loads(run.ok("show", url, "--json"))
        assert record["id"] == ids["apostrophe"], url
    assert record["verdicts"]["captivity"]["categories"] == ["political_prisoner"]
    assert record["verdicts"]["captivity"]["evidence"][0]["term"] == "політв'язнів"


def test_show_of_an_unknown_article_says_so(archive: tuple[Run, dict[str, int]]) -> None:
    run, _ = archive
    result = run("show", "https://nowhere.example/x")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: no article 'https://nowhere.example/x'")


# ----------------------------------------------------------------------------- export


def test_export_writes_every_match_in_full(archive: tuple[Run, dict[str, int]]) -> None:
    run, ids = archive
    lines = run.ok("export").splitlines()
    assert len(lines) == len(ARTICLES) - 1  # the copy is hidden
    record = json.loads(lines[-2])  # newest first: the oldest, economy, is last
    assert record["id"] == ids["exchange"]
    assert record["text"].startswith("Сьогодні відбувся обмін полоненими.")
    assert record["canonical_url"] == "https://unian-uk.example/exchange"
    assert record["tags"] == []
    assert record["categories"] == ["exchange", "pow"]


def test_export_to_a_file_in_csv(archive: tuple[Run, dict[str, int]]) -> None:
    run, ids = archive
    target = run.tmp_path / "out.csv"
    result = run("export", "полонені", "--flagged", "--format", "csv", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "2 article(s) exported\n"
    with target.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["id"]) for r in rows] == [ids["torture"], ids["exchange"]]
    assert rows[1]["text"].endswith("обмін готували кілька місяців.")
    assert not (run.tmp_path / "out.csv.part").exists()


def test_export_streams_in_constant_memory(tmp_path: Path) -> None:
    """The rows of a large export never sit in memory together."""
    import tracemalloc

    from crawler.search import compile_text
    from storage.search import EXPORT_COLUMNS, Filters, Search, find

    path = tmp_path / "big.db"
    body = "Полонених обміняли. " * 500  # 10 KB a text
    with Archive(path) as archive:
        conn = archive.db.conn
        conn.executemany(
            "insert into articles (url, canonical_url, source, title, text, fetched, language,"
            " content_hash) values (?, ?, 's', 't', ?, '2026-01-01', 'uk', ?)",
            [(f"u{i}", f"u{i}", body, str(i)) for i in range(3000)],
        )
        conn.execute(
            "insert into articles_words (rowid, title, text) select id, 't', 'полонений'"
            " from articles"
        )
        conn.commit()
        compiled = compile_text(conn, "полонені")
        assert compiled is not None
        tracemalloc.start()
        rows = find(
            conn, Search(compiled.expression, Filters(), limit=None, columns=EXPORT_COLUMNS)
        )
        total = sum(len(row["text"]) for row in rows)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert total == 3000 * len(body)  # 30 million letters, 60 MB as Python strings
    assert peak < 25_000_000  # a batch or two of rows at a time


# ----------------------------------------------------------------------------- stats


def test_stats_counts_articles_duplicates_and_flagged(archive: tuple[Run, dict[str, int]]) -> None:
    run, _ = archive
    data = json.loads(run.ok("stats", "--since", "2026-11-20", "--until", "2026-11-21", "--json"))
    assert data["total"] == {"articles": 5, "duplicates": 1, "flagged": 4, "share": 1.0}
    assert data["source"]["unian-uk"] == {
        "articles": 1,
        "duplicates": 0,
        "flagged": 1,
        "share": 1.0,
    }
    assert data["source"]["ukrinform-uk"]["duplicates"] == 1
    assert data["language"]["ru"]["articles"] == 1
    assert data["day"] == {
        "2026-11-20": {"articles": 3, "duplicates": 1, "flagged": 2, "share": 1.0},
        "2026-11-21": {"articles": 2, "duplicates": 0, "flagged": 2, "share": 1.0},
    }


def test_stats_table(archive: tuple[Run, dict[str, int]]) -> None:
    run, _ = archive
    out = run.ok("stats")
    assert out.splitlines()[0] == "9 articles, 1 duplicates, 6 flagged (75.0% of originals)"
    # rows as cells: the columns' widths follow the widest value, which depends on the
    # month the test runs in (its fixture's recent articles are dated from today)
    rows = [line.split() for line in out.splitlines()]
    assert ["unian-uk", "3", "0", "1", "33.3%"] in rows
    assert ["2024-01", "1", "0", "0", "0.0%"] in rows


# ----------------------------------------------------------------------------- backfill


def test_migrate_adds_older_articles_to_the_word_index(tmp_path: Path) -> None:
    run = Run(tmp_path)
    path = tmp_path / "newsmon.db"
    db = Database(path)
    migrations.apply(db, stop_before="m006_word_index")  # an archive of an older newsmon
    db.execute(
        "insert into articles (url, canonical_url, source, title, text, fetched, language,"
        " content_hash) values ('u', 'u', 's', 'Обмін', 'Повернули військовополонених.',"
        " '2026-01-01T00:00:00+00:00', 'uk', 'h')"
    )
    db.conn.commit()
    db.close()
    before = run("query", "полонені", "--json")
    assert json.loads(before.stdout) == []
    assert "1 older articles are not in the word index yet" in before.stderr
    result = run("migrate")
    assert result.returncode == 0, result.stderr
    assert "Adding 1 articles to the word index" in result.stderr
    assert [r["id"] for r in json.loads(run.ok("query", "полонені", "--json"))] == [1]
    assert run("query", "полонені").stderr == "1 article(s)\n"  # no warning left
