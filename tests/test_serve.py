"""newsmon serve as a real process on 127.0.0.1: pages, JSON, facets, canned queries,
read-only yet live."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.db import Archive, ArticleRow
from tests.archivekit import WATCHED, fill
from tests.conftest import NEWSMON


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, base: str, path: Path, ids: dict[str, int]) -> None:
        self.base, self.path, self.ids = base, path, ids

    def get(self, path: str, **params: str) -> tuple[int, str]:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=20) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def json(self, path: str, **params: str) -> Any:
        status, body = self.get(path, **params)
        assert status == 200, body[:500]
        return json.loads(body)

    def ids_of(self, path: str, **params: str) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        rows = self.json(path, _shape="array", **params)
        return [by_id.get(row["id"], str(row["id"])) for row in rows]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("serve")
    ids = fill(tmp_path / "newsmon.db")
    config = tmp_path / "config.toml"
    config.write_text('[storage]\npath = "newsmon.db"\n', encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    process = subprocess.Popen(
        [str(NEWSMON), "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process)
        yield Server(base, tmp_path / "newsmon.db", ids)
    finally:
        process.terminate()
        process.communicate(timeout=20)


def _wait_for(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"newsmon serve exited: {process.communicate()}")
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("newsmon serve did not answer within 60 s")


def test_home_page_and_metadata(server: Server) -> None:
    status, page = server.get("/")
    assert status == 200
    assert "newsmon archive" in page
    metadata = server.json("/-/metadata.json")
    tables = metadata["databases"]["newsmon"]["tables"]
    assert tables["articles"]["columns"]["duplicate_of"].startswith("For a copy")
    assert tables["outbox"]["hidden"] is True


def test_outbox_is_hidden_and_the_page_lists_the_archive(server: Server) -> None:
    database = server.json("/newsmon.json")
    hidden = {t["name"] for t in database["tables"] if t["hidden"]}
    assert {"outbox", "alerted", "articles_words", "word_compounds"} <= hidden
    assert "flagged_reports" in {v["name"] for v in database["views"]}


def test_search_query_finds_every_form_with_marked_snippets(server: Server) -> None:
    assert server.ids_of("/newsmon/search.json", q="полонені") == [
        "football",
        "torture",
        "exchange",
    ]
    rows = server.json("/newsmon/search.json", q="полонені NOT футбол", _shape="array")
    assert rows[1]["title"] == "Україна повернула з полону 95 [[військовополонених]]"
    assert rows[0]["snippet"].startswith("[[Полонених]] тримали в підвалі")
    status, page = server.get("/newsmon/search", q="полонені")
    assert status == 200
    assert "<mark>військовополонених</mark>" in page


def test_a_malformed_search_is_an_error_page_not_a_crash(server: Server) -> None:
    status, body = server.get("/newsmon/search.json", q='"обмін')
    assert status == 400
    assert "error" in json.loads(body)
    assert server.get("/")[0] == 200


def test_canned_queries(server: Server) -> None:
    assert server.ids_of("/newsmon/flagged_by_category.json", category="torture") == ["torture"]
    assert server.ids_of("/newsmon/by_watchlist_name.json", name="Шумков") == ["copy", "exchange"]
    recent = server.ids_of("/newsmon/flagged_last_7_days.json")
    week_ago = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    with Archive(server.path) as archive:
        expected = [
            row[0]
            for row in archive.db.execute(
                "select a.id from articles a join verdicts v on v.article_id = a.id"
                " where v.flag = 1 and a.duplicate_of is null and a.fetched >= ?"
                " order by a.id desc",
                [week_ago],
            )
        ]
    assert recent == [{v: k for k, v in server.ids.items()}[i] for i in expected]
    assert recent[:2] == ["recent", "apostrophe"]


def test_facets_by_source_language_and_category(server: Server) -> None:
    data = server.json("/newsmon/flagged_reports.json")
    facets = data["facet_results"]
    facets = facets.get("results", facets)  # 0.65 nests them
    categories = {f["value"]: f["count"] for f in facets["categories"]["results"]}
    assert categories == {
        "exchange": 3,
        "pow": 3,
        "torture": 1,
        "political_prisoner": 1,
        "civilian_hostage": 1,
    }
    sources = {f["value"]: f["count"] for f in facets["source"]["results"]}
    assert sources["suspilne-uk"] == 2
    watchlist = {f["value"]: f["count"] for f in facets["watchlist"]["results"]}
    assert watchlist == {WATCHED: 1}
    articles = server.json("/newsmon/articles.json")["facet_results"]
    articles = articles.get("results", articles)
    assert {f["value"] for f in articles["language"]["results"]} == {"uk", "ru", "en"}


def test_table_search_box_uses_the_full_text_index(server: Server) -> None:
    assert server.ids_of("/newsmon/articles.json", _search="полонених") == ["torture"]


def test_read_only_yet_sees_new_articles(server: Server) -> None:
    status, body = server.get("/newsmon.json", sql="delete from articles")
    assert status == 400
    assert "Statement must be a SELECT" in body
    # mutable, so Datasette opens it with mode=ro (not immutable=1, which would hide
    # what the daemon writes and could read a torn file)
    (database,) = server.json("/-/databases.json")
    assert database["is_mutable"] is True
    assert database["is_memory"] is False
    with Archive(server.path) as archive:
        assert archive.db["articles"].count == 9
        archive.store(
            ArticleRow(
                url="https://late.example/1",
                canonical_url="https://late.example/1",
                source="late",
                title="Нові полонені",
                text="Ще одна новина.",
                content_hash="late",
                language="uk",
                language_score=1.0,
            )
        )
    assert server.ids_of("/newsmon/search.json", q="полонених")[0] not in server.ids
