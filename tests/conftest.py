"""Shared fixtures: a local news site, a config pointing at it, newsmon run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from tests.sitekit import TestSite

ROOT = Path(__file__).resolve().parent.parent
# The console script installed beside this Python: tests run newsmon as users do.
NEWSMON = Path(sys.executable).parent / "newsmon"


@pytest.fixture
def site() -> Iterator[TestSite]:
    test_site = TestSite()
    test_site.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    yield test_site
    test_site.close()


@dataclass
class Newsmon:
    """Runs the newsmon command line in a subprocess against a config in tmp_path.

    A subprocess because a Scrapy crawl owns the Twisted reactor, which cannot be
    restarted inside one pytest process; it is also how users run it.
    """

    tmp_path: Path
    site: TestSite

    @property
    def config_path(self) -> Path:
        return self.tmp_path / "config.toml"

    @property
    def db_path(self) -> Path:
        return self.tmp_path / "newsmon.db"

    def configure(self, sources: str, **crawl: Any) -> None:
        settings = {
            "obey_robots": True,
            "delay": 0,
            "timeout": 3,
            "retries": 0,
            "max_age": "0",
            "workers": 1,
        } | crawl
        lines = ["[storage]", 'path = "newsmon.db"', "[crawl]"]
        lines += [f"{k} = {_toml(v)}" for k, v in settings.items()]
        self.config_path.write_text("\n".join(lines) + "\n" + sources, encoding="utf-8")

    def run(
        self,
        *args: str,
        timeout: float = 120,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
        # newsmon must never reach past 127.0.0.1 in tests; no proxy may intercept.
        environment.update(no_proxy="*", NO_PROXY="*", **(env or {}))
        return subprocess.run(
            [str(NEWSMON), "--config", str(self.config_path), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
            cwd=self.tmp_path,
            input=input.decode() if input is not None else None,
        )

    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)

    def rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        db = self.db()
        try:
            return [dict(r) for r in db.query(sql, params)]
        finally:
            db.close()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@pytest.fixture
def newsmon(tmp_path: Path, site: TestSite) -> Newsmon:
    return Newsmon(tmp_path, site)
