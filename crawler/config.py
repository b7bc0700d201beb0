"""The only reader of config.toml and NEWSMON_* variables: one frozen Config for everything else.

Precedence, lowest first: the defaults below, the TOML file, ``-s section.key=value``
overrides from the command line.  The file is found at ``--config PATH``, else
``$NEWSMON_CONFIG``, else ``./config.toml``.  Secrets never live in the file: only
the *name* of the variable that holds them does.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from crawler import __version__
from crawler.boilerplate import SiteRules, selector_xpath
from crawler.errors import ConfigError

LANGUAGES = ("uk", "ru", "en")
# Honest about what it is; operators should add a contact (URL or e-mail) in config.toml.
DEFAULT_USER_AGENT = "newsmon/{version} (news monitoring for human-rights work)"


@dataclass(frozen=True)
class StorageConfig:
    path: Path = Path("newsmon.db")


@dataclass(frozen=True)
class CrawlConfig:
    obey_robots: bool = True
    delay: float = 1.0
    concurrency: int = 2
    timeout: float = 30.0
    retries: int = 2
    max_page_size: int = 10 * 1024 * 1024
    user_agent: str = DEFAULT_USER_AGENT.format(version=__version__)
    max_age: float = 3 * 86400.0
    max_articles: int = 300
    max_attempts: int = 4
    workers: int = 0


@dataclass(frozen=True)
class SourceConfig:
    name: str
    language: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    article_pattern: re.Pattern[str] | None = None
    exclude_pattern: re.Pattern[str] | None = None
    domains: tuple[str, ...] = ()
    every: float = 600.0
    delay: float | None = None
    enabled: bool = True
    # Boilerplate rules: CSS selectors or XPath expressions, checked when the file is read.
    drop: tuple[str, ...] = ()
    body: str | None = None

    @property
    def endpoints(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.listings

    @property
    def rules(self) -> SiteRules:
        return SiteRules(drop=self.drop, body=self.body)


@dataclass(frozen=True)
class Config:
    path: Path | None
    storage: StorageConfig = field(default_factory=StorageConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    sources: tuple[SourceConfig, ...] = ()

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r}", hint=f"configured sources: {known}")


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """The configuration file: ``--config``, else ``$NEWSMON_CONFIG``, else ``./config.toml``."""
    chosen = explicit or os.environ.get("NEWSMON_CONFIG") or "config.toml"
    return Path(chosen)


def load_config(
    path: str | os.PathLike[str] | None = None, overrides: Sequence[str] = ()
) -> Config:
    """Read, merge and validate the configuration; raise ConfigError naming the bad key."""
    config_path = find_config_path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(
            f"{config_path}: no such configuration file",
            hint="pass --config PATH or set NEWSMON_CONFIG",
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{config_path}: cannot read: {e}") from e
    return parse_config(text, config_path, overrides)


def parse_config(text: str, path: Path | None = None, overrides: Sequence[str] = ()) -> Config:
    """Validate TOML text; relative paths are taken relative to ``path``'s folder."""
    where = str(path) if path else "<config>"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: invalid TOML: {e}") from e
    overridden = {_apply_override(raw, override) for override in overrides}
    return _Validator(text, where, path, overridden).config(raw)


def _apply_override(raw: dict[str, Any], override: str) -> tuple[str, str]:
    key, sep, value = override.partition("=")
    parts = key.strip().split(".")
    if not sep or len(parts) != 2 or not all(parts):
        raise ConfigError(
            f"-s {override!r}: expected section.key=value", hint="for example: -s crawl.delay=0"
        )
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value  # a bare word is taken as a string, as a shell user would expect
    section = raw.setdefault(parts[0], {})
    if not isinstance(section, dict):
        raise ConfigError(f"-s {override!r}: [{parts[0]}] is not a table")
    section[parts[1]] = parsed
    return parts[0], parts[1]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(s|m|h|d|w)", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


def parse_duration(value: str | int | float) -> float:
    """'90s', '10m', '1h30m', '3d' or a number of seconds -> seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _non_negative(_finite(float(value)))
    text = str(value).strip().replace(" ", "")
    if text == "0":
        return 0.0
    if not text or _DURATION.sub("", text):
        raise ValueError(f"{value!r} is not a duration such as '30s', '10m', '1h' or '3d'")
    return float(sum(float(n) * _UNITS[u.lower()] for n, u in _DURATION.findall(text)))


def parse_size(value: str | int) -> int:
    """'10MB', '512KB' or a number of bytes -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _non_negative(value)
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a size such as '512KB' or '10MB'")
    return int(float(match[1]) * _SIZE_UNITS[(match[2] or "b").lower()])


def check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
}


class _Validator:
    """Turns the raw TOML dict into dataclasses, naming file, line and key on error."""

    def __init__(
        self, text: str, where: str, path: Path | None, overridden: set[tuple[str, str]]
    ) -> None:
        self.overridden = overridden
        self.lines = text.splitlines()
        self.where = where
        self.base = path.resolve().parent if path else Path.cwd()
        self.path = path

    def config(self, raw: dict[str, Any]) -> Config:
        self._known(raw, "", None, {"storage", "crawl", "sources"})
        storage = self._storage(self._table(raw, "storage"))
        crawl = self._crawl(self._table(raw, "crawl"))
        sources_raw = raw.get("sources", [])
        if not isinstance(sources_raw, list):
            self.fail("sources", None, None, "must be a list of [[sources]] tables")
        sources = tuple(self._source(i, s) for i, s in enumerate(sources_raw))
        seen: set[str] = set()
        for i, source in enumerate(sources):
            if source.name in seen:
                self.fail("sources", i, "name", f"duplicate source name {source.name!r}")
            seen.add(source.name)
        return Config(path=self.path, storage=storage, crawl=crawl, sources=sources)

    def _table(self, raw: dict[str, Any], name: str) -> dict[str, Any]:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            self.fail(name, None, None, "must be a table")
        return value

    def _storage(self, raw: dict[str, Any]) -> StorageConfig:
        self._known(raw, "storage", None, {f.name for f in fields(StorageConfig)})
        path = Path(self._get(raw, "storage", None, "path", str, "newsmon.db")).expanduser()
        return StorageConfig(path=path if path.is_absolute() else self.base / path)

    def _crawl(self, raw: dict[str, Any]) -> CrawlConfig:
        self._known(raw, "crawl", None, {f.name for f in fields(CrawlConfig)})
        d = CrawlConfig()

        def get(
            key: str, kind: type | tuple[type, ...], check: Callable[[Any], Any] = _same
        ) -> Any:
            value = self._get(raw, "crawl", None, key, kind, getattr(d, key))
            return self._convert("crawl", None, key, value, check)

        return CrawlConfig(
            obey_robots=get("obey_robots", bool),
            delay=float(get("delay", (int, float), _non_negative)),
            concurrency=get("concurrency", int, _positive),
            timeout=float(get("timeout", (int, float), _positive)),
            retries=get("retries", int, _non_negative),
            max_page_size=get("max_page_size", (str, int), parse_size),
            # replace, not format: a brace in a user's User-Agent is no template error
            user_agent=get("user_agent", str).replace("{version}", __version__),
            max_age=get("max_age", (str, int, float), parse_duration),
            max_articles=get("max_articles", int, _non_negative),
            max_attempts=get("max_attempts", int, _positive),
            workers=get("workers", int, _non_negative),
        )

    def _source(self, i: int, raw: Any) -> SourceConfig:
        if not isinstance(raw, dict):
            self.fail("sources", i, None, "must be a table")
        self._known(raw, "sources", i, {f.name for f in fields(SourceConfig)})

        def get(
            key: str,
            kind: type | tuple[type, ...],
            default: Any,
            check: Callable[[Any], Any] = _same,
        ) -> Any:
            value = self._get(raw, "sources", i, key, kind, default)
            return value if value is None else self._convert("sources", i, key, value, check)

        name = get("name", str, None)
        if not name or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name):
            self.fail(
                "sources", i, "name", "needs a name of lower-case letters, digits, '-', '_' and '.'"
            )
        language = get("language", str, None)
        if language not in LANGUAGES:
            self.fail("sources", i, "language", f"must be one of {', '.join(LANGUAGES)}")
        feeds, sitemaps, listings = (get(k, list, [], _urls) for k in ENDPOINT_KEYS)
        if not (feeds or sitemaps or listings):
            self.fail("sources", i, "name", "needs at least one of feeds, sitemaps, listings")
        article_pattern = get("article_pattern", str, None, re.compile)
        if listings and article_pattern is None:
            self.fail(
                "sources",
                i,
                "listings",
                "a source with listings needs article_pattern, "
                "or every navigation link on the page would be fetched as an article",
            )
        return SourceConfig(
            name=name,
            language=language,
            feeds=feeds,
            sitemaps=sitemaps,
            listings=listings,
            article_pattern=article_pattern,
            exclude_pattern=get("exclude_pattern", str, None, re.compile),
            domains=get("domains", list, [], _domains),
            every=get("every", (str, int, float), "10m", _every),
            delay=_maybe_float(get("delay", (int, float), None, _non_negative)),
            enabled=get("enabled", bool, True),
            drop=get("drop", list, [], _selectors),
            body=get("body", str, None, _selector),
        )

    def _get(
        self,
        raw: Mapping[str, Any],
        section: str,
        index: int | None,
        key: str,
        kind: type | tuple[type, ...],
        default: Any,
    ) -> Any:
        if key not in raw:
            return default
        value = raw[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python but never a number in a config file.
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.fail(section, index, key, f"must be {names}, not {type(value).__name__}")
        return value

    def _convert(
        self, section: str, index: int | None, key: str, value: Any, check: Callable[[Any], Any]
    ) -> Any:
        try:
            return check(value)
        except (ValueError, TypeError, re.error) as e:
            self.fail(section, index, key, str(e))

    def _known(
        self, raw: Mapping[str, Any], section: str, index: int | None, allowed: set[str]
    ) -> None:
        for key in raw:
            if key not in allowed:
                self.fail(section, index, key, f"unknown key (known: {', '.join(sorted(allowed))})")

    def fail(self, section: str, index: int | None, key: str | None, message: str) -> NoReturn:
        if key is not None and (section, key) in self.overridden:
            raise ConfigError(f"-s {section}.{key}: {message}")
        line = self._line_of(section, index, key)
        at = f":{line}" if line else ""
        raise ConfigError(f"{self.where}{at}: {_key_name(section, index, key)}: {message}")

    def _line_of(self, section: str, index: int | None, key: str | None) -> int | None:
        """Line of ``key`` in ``[section]`` (the index-th ``[[section]]``), 1-based, if found."""
        start = _section_start(self.lines, section, index)
        if start is None or key is None:
            return start or None
        key_re = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
        for n in range(start, len(self.lines)):  # the lines below the header
            if re.match(r"^\s*\[", self.lines[n]):
                break
            if key_re.match(self.lines[n]):
                return n + 1
        return start or None


ENDPOINT_KEYS = ("feeds", "sitemaps", "listings")


def _same(value: Any) -> Any:
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _positive(value: Any) -> Any:
    if _finite(value) <= 0:
        raise ValueError("must be greater than 0")
    return value


def _non_negative(value: Any) -> Any:
    if _finite(value) < 0:
        raise ValueError("must not be negative")
    return value


def _every(value: Any) -> float:
    return _positive(parse_duration(value))


def _urls(values: list[Any]) -> tuple[str, ...]:
    for value in values:
        if not isinstance(value, str):
            raise ValueError("must be a list of URLs")
        check_url(value)
    return tuple(values)


def _selectors(values: list[Any]) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in values):
        raise ValueError("must be a list of CSS selectors or XPath expressions")
    return tuple(_selector(v) for v in values)


def _selector(value: str) -> str:
    selector_xpath(value)  # raises ValueError naming what is wrong
    return value.strip()


def _domains(values: list[Any]) -> tuple[str, ...]:
    if not all(isinstance(v, str) and re.fullmatch(r"[\w.-]+\.\w+", v) for v in values):
        raise ValueError("must be a list of host names such as 'unian.ua'")
    return tuple(v.lower().lstrip(".") for v in values)


def _key_name(section: str, index: int | None, key: str | None) -> str:
    name = section + (f"[{index}]" if index is not None else "")
    if key:
        name = f"{name}.{key}" if name else key
    return name or "config"


def _section_start(lines: list[str], section: str, index: int | None) -> int | None:
    """1-based line of the header of ``[section]`` or its index-th ``[[section]]``; 0 for top."""
    if not section:
        return 0
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$")
    seen = -1
    for n, line in enumerate(lines):
        if header.match(line):
            seen += 1
            if index is None or seen == index:
                return n + 1
    return None
