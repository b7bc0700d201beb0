"""The only reader of config.toml and NEWSMON_* variables: one frozen Config for everything else.

Precedence, lowest first: the defaults below, the TOML file, ``-s section.key=value``
overrides from the command line.  The file is found at ``--config PATH``, else
``$NEWSMON_CONFIG``, else ``./config.toml``.  Secrets never live in the file: only
the *name* of the variable that holds them does.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from email.utils import parseaddr
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    max_duration: float = 900.0  # newsmon run stops a crawl of one source after this long
    jitter: float = 30.0  # newsmon run shifts each scheduled crawl by up to this much
    failures: int = 3  # failed crawls in a row before a source is reported failing
    silence: float = 86400.0  # no new article for this long: the source is reported silent


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
    silence: float | None = None  # overrides [crawl] silence for this source
    # Boilerplate rules: CSS selectors or XPath expressions, checked when the file is read.
    drop: tuple[str, ...] = ()
    body: str | None = None

    @property
    def endpoints(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.listings

    @property
    def rules(self) -> SiteRules:
        return SiteRules(drop=self.drop, body=self.body)


ALERT_MODES = ("instant", "digest")
SMTP_SECURITY = ("none", "starttls", "ssl")
SMTP_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_TIMEZONE = "Europe/Kyiv"
DEFAULT_SUBSCRIBER = "default"  # the recipients of the [alerts] table itself


@dataclass(frozen=True)
class SmtpConfig:
    """Where alerts are sent; no ``host`` means they are written to the alerts folder."""

    host: str | None = None
    port: int = SMTP_PORTS["starttls"]
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None  # the *name* of the variable holding the password
    timeout: float = 30.0


@dataclass(frozen=True)
class SubscriberConfig:
    """Who gets which reports, how often; empty filters let everything through."""

    name: str
    to: tuple[str, ...]
    mode: str = "instant"
    digest_at: dt.time = dt.time(8, 0)
    timezone: str = DEFAULT_TIMEZONE
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    watchlist_only: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class AlertsConfig:
    """The [alerts] section: sender, route (SMTP or folder) and subscribers."""

    sender: str = "newsmon@localhost"  # the TOML key is "from"
    folder: Path = Path("alerts")
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    # [alerts] to (as the subscriber "default") first, then each [[alerts.subscribers]]
    subscribers: tuple[SubscriberConfig, ...] = ()
    retry: float = 60.0  # first retry of an undelivered alert after this; doubles up to 1 h
    # An instant alert about a new story waits this long after the story's first report,
    # so that the outlets that report it meanwhile are listed in the one alert.
    gather: float = 0.0

    def subscriber(self, name: str) -> SubscriberConfig:
        return _by_name(self.subscribers, name, "subscriber")


@dataclass(frozen=True)
class TopicsConfig:
    """Which topics every article is classified for, and the config's vocabulary changes.

    ``vocabulary`` maps a topic name to tables in the layout of ``crawler/vocab/*.toml``,
    merged over the packaged vocabulary of that name (or defining the topic alone).
    """

    enabled: tuple[str, ...] = ("captivity",)
    vocabulary: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class WatchlistConfig:
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path | None
    storage: StorageConfig = field(default_factory=StorageConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    sources: tuple[SourceConfig, ...] = ()
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    watchlist: WatchlistConfig = field(default_factory=WatchlistConfig)

    def source(self, name: str) -> SourceConfig:
        return _by_name(self.sources, name, "source")


_Named = TypeVar("_Named", SourceConfig, SubscriberConfig)


def _by_name(items: Sequence[_Named], name: str, what: str) -> _Named:
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(i.name for i in items) or "none"
    raise ConfigError(f"no {what} named {name!r}", hint=f"configured {what}s: {known}")


def smtp_password(smtp: SmtpConfig) -> str | None:
    """The SMTP password, read from its environment variable now, at send time.

    It is never part of Config, so it cannot end up in a log line or a traceback of it.
    """
    if smtp.password_env is None:
        return None
    value = os.environ.get(smtp.password_env)
    if not value:
        raise ConfigError(
            f"the SMTP password variable {smtp.password_env} is not set",
            hint=f"set {smtp.password_env} in the environment newsmon runs in "
            "(systemd: Environment= or EnvironmentFile=)",
        )
    return value


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
        self._known(raw, "", None, {"storage", "crawl", "sources", "alerts", "topics", "watchlist"})
        storage = self._storage(self._table(raw, "storage"))
        crawl = self._crawl(self._table(raw, "crawl"))
        topics = self._topics(self._table(raw, "topics"))
        watchlist = self._watchlist(self._table(raw, "watchlist"))
        if watchlist.people and not topics.enabled:
            self.fail(
                "watchlist",
                None,
                "people",
                "needs a topic in topics.enabled: a mention is recorded in a topic's verdict",
            )
        sources_raw = raw.get("sources", [])
        if not isinstance(sources_raw, list):
            self.fail("sources", None, None, "must be a list of [[sources]] tables")
        sources = tuple(self._source(i, s) for i, s in enumerate(sources_raw))
        seen: set[str] = set()
        for i, source in enumerate(sources):
            if source.name in seen:
                self.fail("sources", i, "name", f"duplicate source name {source.name!r}")
            seen.add(source.name)
        alerts = self._alerts(self._table(raw, "alerts"), storage, {s.name for s in sources})
        return Config(
            path=self.path,
            storage=storage,
            crawl=crawl,
            sources=sources,
            alerts=alerts,
            topics=topics,
            watchlist=watchlist,
        )

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
            max_duration=get("max_duration", (str, int, float), _every),
            jitter=get("jitter", (str, int, float), parse_duration),
            failures=get("failures", int, _non_negative),
            silence=get("silence", (str, int, float), parse_duration),
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
            silence=_maybe_float(get("silence", (str, int, float), None, parse_duration)),
            drop=get("drop", list, [], _selectors),
            body=get("body", str, None, _selector),
        )

    def _alerts(
        self, raw: dict[str, Any], storage: StorageConfig, sources: set[str]
    ) -> AlertsConfig:
        self._known(raw, "alerts", None, ALERTS_KEYS)
        sender = self._get(raw, "alerts", None, "from", str, AlertsConfig.sender)
        self._convert("alerts", None, "from", sender, _address)
        folder = self._get(raw, "alerts", None, "folder", str, None)
        smtp = self._smtp(self._table_in(raw, "alerts", "smtp"))
        default = self._subscriber(raw, "alerts", None, DEFAULT_SUBSCRIBER, sources, None)
        listed = raw.get("subscribers", [])
        if not isinstance(listed, list):
            self.fail("alerts", None, "subscribers", "must be a list of [[alerts.subscribers]]")
        subscribers = [default] if default.to else []
        for i, entry in enumerate(listed):
            if not isinstance(entry, dict):
                self.fail("alerts.subscribers", i, None, "must be a table")
            self._known(entry, "alerts.subscribers", i, SUBSCRIBER_KEYS)
            name = self._get(entry, "alerts.subscribers", i, "name", str, "")
            self._convert("alerts.subscribers", i, "name", name, _subscriber_name)
            if any(s.name == name for s in subscribers):
                self.fail("alerts.subscribers", i, "name", f"duplicate subscriber name {name!r}")
            subscriber = self._subscriber(entry, "alerts.subscribers", i, name, sources, default)
            if not subscriber.to:
                self.fail("alerts.subscribers", i, "to", "needs at least one address")
            subscribers.append(subscriber)
        return AlertsConfig(
            sender=sender,
            folder=self._path(folder) if folder else storage.path.parent / "alerts",
            smtp=smtp,
            subscribers=tuple(subscribers),
            retry=self._convert(
                "alerts",
                None,
                "retry",
                self._get(raw, "alerts", None, "retry", (str, int, float), AlertsConfig.retry),
                _every,
            ),
            gather=self._convert(
                "alerts",
                None,
                "gather",
                self._get(raw, "alerts", None, "gather", (str, int, float), AlertsConfig.gather),
                parse_duration,
            ),
        )

    def _table_in(self, raw: dict[str, Any], section: str, name: str) -> dict[str, Any]:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            self.fail(section, None, name, f"must be a table: [{section}.{name}]")
        return value

    def _path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base / path

    def _subscriber(
        self,
        raw: dict[str, Any],
        section: str,
        index: int | None,
        name: str,
        sources: set[str],
        default: SubscriberConfig | None,
    ) -> SubscriberConfig:
        """A subscriber; unset mode, digest_at and timezone are taken from ``default``."""
        base = default or SubscriberConfig(name=name, to=())

        def get(
            key: str, kind: type | tuple[type, ...], value: Any, check: Callable[[Any], Any]
        ) -> Any:
            found = self._get(raw, section, index, key, kind, None)
            return value if found is None else self._convert(section, index, key, found, check)

        def known_sources(values: list[Any]) -> tuple[str, ...]:
            names = _strings(values)
            unknown = sorted(set(names) - sources)
            if unknown:
                raise ValueError(f"no source named {', '.join(map(repr, unknown))}")
            return names

        return SubscriberConfig(
            name=name,
            to=get("to", list, (), _addresses),
            mode=get("mode", str, base.mode, _choice(ALERT_MODES)),
            digest_at=get("digest_at", str, base.digest_at, _clock),
            timezone=get("timezone", str, base.timezone, _timezone),
            languages=get("languages", list, (), _languages),
            sources=get("sources", list, (), known_sources),
            categories=get("categories", list, (), _categories),
            watchlist_only=get("watchlist_only", bool, False, _same),
        )

    def _smtp(self, raw: dict[str, Any]) -> SmtpConfig:
        self._known(raw, "alerts.smtp", None, {f.name for f in fields(SmtpConfig)})

        def get(key: str, kind: type | tuple[type, ...], default: Any, check: Any = _same) -> Any:
            value = self._get(raw, "alerts.smtp", None, key, kind, default)
            return value if value is None else self._convert("alerts.smtp", None, key, value, check)

        security = get("security", str, "starttls", _choice(SMTP_SECURITY))
        smtp = SmtpConfig(
            host=get("host", str, None, _host),
            port=get("port", int, SMTP_PORTS[security], _port),
            security=security,
            username=get("username", str, None, _one_line),
            password_env=get("password_env", str, None, _env_name),
            timeout=float(get("timeout", (int, float), 30.0, _positive)),
        )
        if (smtp.username is None) != (smtp.password_env is None):
            missing = "password_env" if smtp.password_env is None else "username"
            self.fail("alerts.smtp", None, missing, "username and password_env go together")
        if smtp.username and smtp.security == "none" and not _is_loopback(smtp.host):
            self.fail(
                "alerts.smtp",
                None,
                "security",
                "a password would cross the network unencrypted: use starttls or ssl",
            )
        return smtp

    def _topics(self, raw: dict[str, Any]) -> TopicsConfig:
        enabled = self._get(raw, "topics", None, "enabled", list, list(TopicsConfig.enabled))
        for name in enabled:
            if not isinstance(name, str) or not _TOPIC_NAME.fullmatch(name):
                self.fail("topics", None, "enabled", f"{name!r} is not a topic name{_NAME_RULE}")
        if len(set(enabled)) < len(enabled):
            self.fail("topics", None, "enabled", "lists a topic twice")
        vocabulary = {}
        for name, tables in raw.items():
            if name == "enabled":
                continue
            if not _TOPIC_NAME.fullmatch(name):
                self.fail("topics", None, name, f"is not a topic name{_NAME_RULE}")
            if not isinstance(tables, dict):
                self.fail(
                    "topics",
                    None,
                    name,
                    f"must be a table of vocabulary, e.g. [topics.{name}.uk.terms.<category>]",
                )
            if name not in enabled:
                self.fail(
                    "topics",
                    None,
                    name,
                    f"topic {name!r} is not in topics.enabled; add it there or remove its tables",
                )
            vocabulary[name] = _Vocabulary(self, f"topics.{name}").check(tables)
        return TopicsConfig(enabled=tuple(enabled), vocabulary=vocabulary)

    def _watchlist(self, raw: dict[str, Any]) -> WatchlistConfig:
        self._known(raw, "watchlist", None, {f.name for f in fields(WatchlistConfig)})
        people = self._get(raw, "watchlist", None, "people", list, [])
        for person in people:
            if not isinstance(person, str) or not _PERSON.fullmatch(person.strip()):
                self.fail(
                    "watchlist",
                    None,
                    "people",
                    f"{person!r} is not a name: write given name and surname in letters, "
                    "e.g. 'Олександр Шумков'",
                )
        names = [" ".join(p.split()) for p in people]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            self.fail("watchlist", None, "people", f"lists {twice[0]!r} twice")
        return WatchlistConfig(people=tuple(names))

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
        if start is None and key is not None and index is None:
            # A table whose own header is absent: [topics.x.de.terms] names [topics.x].de
            return _section_start(self.lines, f"{section}.{key}", None, prefix=True)
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
SUBSCRIBER_KEYS = {
    "name",
    "to",
    "mode",
    "digest_at",
    "timezone",
    "languages",
    "sources",
    "categories",
    "watchlist_only",
}
ALERTS_KEYS = (SUBSCRIBER_KEYS - {"name"}) | {
    "from",
    "folder",
    "smtp",
    "subscribers",
    "retry",
    "gather",
}
# Topic names become database values and packaged file names (crawler/vocab/<name>.toml).
_TOPIC_NAME = re.compile(r"[a-z][a-z0-9_]*")
_NAME_RULE = " (lower-case letters, digits and '_', starting with a letter)"
# Letters in words separated by spaces, hyphens or apostrophes: "Олександр Шумков",
# "Анна-Марія Дем'яненко". Digits and punctuation would never match a mention.
_PERSON = re.compile(r"[^\W\d_]+(?:(?:[-'’ʼ]|\s+)[^\W\d_]+)*")


class _Vocabulary:
    """Checks vocabulary tables (the layout of crawler/vocab/*.toml) from config.toml.

    The shape and the types only: whether a knob or a word makes sense is the topic
    compiler's business (crawler/flags.py reports that as a ConfigError too).
    """

    LANGUAGE_KEYS = ("stopwords", "traps", "terms", "requires", "context")

    def __init__(self, validator: _Validator, section: str) -> None:
        self.v = validator
        self.section = section

    def check(self, tables: dict[str, Any]) -> dict[str, Any]:
        for key, value in tables.items():
            if key == "topic":
                self._knobs(self._table(self.section, key, value))
            elif key in LANGUAGES:
                self._language(f"{self.section}.{key}", self._table(self.section, key, value))
            else:
                self.v.fail(
                    self.section,
                    None,
                    key,
                    f"unknown language {key!r} (known: {', '.join(LANGUAGES)}; "
                    "or [topic] for scoring settings)",
                )
        return tables

    def _table(self, section: str, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.v.fail(section, None, key, f"must be a table, not {type(value).__name__}")
        return value

    def _knobs(self, raw: dict[str, Any]) -> None:
        section = f"{self.section}.topic"
        for key, value in raw.items():
            kind = str if key == "name" else (int, float)
            value = self.v._get(raw, section, None, key, kind, None)
            if kind is not str:
                self.v._convert(section, None, key, value, _non_negative)

    def _language(self, section: str, raw: dict[str, Any]) -> None:
        self.v._known(raw, section, None, set(self.LANGUAGE_KEYS))
        for key in ("stopwords", "traps"):
            self._words(section, key, self.v._get(raw, section, None, key, list, []))
        for category, entries in self._table(section, "terms", raw.get("terms", {})).items():
            where = f"{section}.terms"
            for entry, weight in self._table(where, category, entries).items():
                self._weight(f"{where}.{category}", entry, weight)
        for key in ("requires", "context"):
            for name, words in self._table(section, key, raw.get(key, {})).items():
                self._words(f"{section}.{key}", name, words)

    def _weight(self, section: str, entry: str, weight: Any) -> None:
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            self.v.fail(
                section,
                None,
                entry,
                f"must be a weight: a number, 1.0 = enough on its own, 0 = disabled; "
                f"not {type(weight).__name__}",
            )
        self.v._convert(section, None, entry, weight, _non_negative)

    def _words(self, section: str, key: str, words: Any) -> None:
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            self.v.fail(section, None, key, "must be a list of words or phrases")


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


def _strings(values: list[Any]) -> tuple[str, ...]:
    if not all(isinstance(v, str) and v for v in values):
        raise ValueError("must be a list of strings")
    return tuple(values)


def _choice(allowed: Sequence[str]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    return check


def _one_line(value: str) -> str:
    # A line break in a mail header or SMTP command would let a value smuggle in another.
    if not value or any(c in value for c in "\r\n"):
        raise ValueError("must be a non-empty single line")
    return value


def _address(value: str) -> str:
    """An e-mail address, optionally with a display name: 'newsmon <n@example.org>'."""
    _one_line(value)
    address = parseaddr(value)[1]
    local, at, domain = address.rpartition("@")
    if not (local and at and domain) or " " in address:
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _addresses(values: list[Any]) -> tuple[str, ...]:
    return tuple(_address(v) for v in _strings(values))


def _subscriber_name(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", value) or value == DEFAULT_SUBSCRIBER:
        raise ValueError(
            "needs a name of lower-case letters, digits, '-', '_' and '.' "
            f"(not {DEFAULT_SUBSCRIBER!r}: that is [alerts] to)"
        )
    return value


def _clock(value: str) -> dt.time:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"{value!r} is not a time of day such as '08:00'")
    return dt.time.fromisoformat(value)


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"{value!r} is not a time zone such as 'Europe/Kyiv'") from e
    return value


def _languages(values: list[Any]) -> tuple[str, ...]:
    languages = _strings(values)
    if not set(languages) <= {*LANGUAGES, "other"}:
        raise ValueError(f"must be a list of {', '.join(LANGUAGES)} or other")
    return languages


def _categories(values: list[Any]) -> tuple[str, ...]:
    categories = _strings(values)
    if not all(re.fullmatch(r"[a-z][a-z_]*", c) for c in categories):
        raise ValueError("must be a list of category names such as 'pow' or 'civilian_hostage'")
    return categories


def _host(value: str) -> str:
    if not re.fullmatch(r"[\w.-]+|\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]+", value):
        raise ValueError(f"{value!r} is not a host name or address")
    return value.strip("[]")


def _port(value: int) -> int:
    if not 0 < value < 65536:
        raise ValueError("must be a port number, 1-65535")
    return value


def _env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(
            f"{value!r} is not an environment variable name such as NEWSMON_SMTP_PASSWORD "
            "(name the variable here, never the password itself)"
        )
    return value


def _is_loopback(host: str | None) -> bool:
    return host in ("localhost", "127.0.0.1", "::1")


def _key_name(section: str, index: int | None, key: str | None) -> str:
    name = section + (f"[{index}]" if index is not None else "")
    if key:
        name = f"{name}.{key}" if name else key
    return name or "config"


def _section_start(
    lines: list[str], section: str, index: int | None, prefix: bool = False
) -> int | None:
    """1-based line of the header of ``[section]`` or its index-th ``[[section]]``; 0 for top.

    With ``prefix``, the first header of ``[section]`` or of a table inside it.
    """
    if not section:
        return 0
    end = r"(?:\.[^\]]*)?" if prefix else ""
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}{end}\s*\]\]?\s*(#.*)?$")
    seen = -1
    for n, line in enumerate(lines):
        if header.match(line):
            seen += 1
            if index is None or seen == index:
                return n + 1
    return None
