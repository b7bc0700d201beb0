"""Every configuration key and command is documented where users look for it."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from crawler.cli import alerts, cli
from crawler.config import ALERTS_KEYS, CrawlConfig, SmtpConfig, SourceConfig, StorageConfig
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = (ROOT / "config.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "section, key",
    [("storage", f.name) for f in fields(StorageConfig)]
    + [("crawl", f.name) for f in fields(CrawlConfig)]
    + [("sources", f.name) for f in fields(SourceConfig)]
    + [("topics", "enabled"), ("watchlist", "people")],
)
def test_config_keys_are_in_the_shipped_config(section: str, key: str) -> None:
    assert f"{key} " in CONFIG or f"{key}=" in CONFIG, f"{section}.{key} missing from config.toml"


@pytest.mark.parametrize("key", [f.name for f in fields(CrawlConfig)])
def test_crawl_keys_are_in_the_readme(key: str) -> None:
    assert f"crawl.{key}" in README, f"crawl.{key} not described in README.md"


@pytest.mark.parametrize("key", ["topics.enabled", "watchlist.people", "[topics.<name>"])
def test_topic_keys_are_in_the_readme(key: str) -> None:
    assert key in README, f"{key} not described in README.md"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_commands_are_in_the_readme(command: str) -> None:
    assert f"`newsmon {command}" in README


@pytest.mark.parametrize(
    "key",
    sorted(ALERTS_KEYS - {"smtp", "subscribers"} | {"name"}) + [f.name for f in fields(SmtpConfig)],
)
def test_alerts_keys_are_in_the_shipped_config_and_the_readme(key: str) -> None:
    assert f"{key} " in CONFIG, f"alerts key {key} missing from config.toml"
    assert re.search(rf"\b{key}\b", README), f"alerts key {key} not in README.md"


@pytest.mark.parametrize("command", sorted(alerts.commands))
def test_alerts_commands_are_in_the_readme(command: str) -> None:
    assert f"`newsmon alerts {command}" in README
