"""The shipped config.toml, and how the loader reports a bad configuration."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

import lxml.html
import pytest

from crawler.boilerplate import SiteRules, selector_xpath
from crawler.config import (
    CrawlConfig,
    SmtpConfig,
    SubscriberConfig,
    find_config_path,
    load_config,
    parse_duration,
    parse_size,
    smtp_password,
)
from crawler.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "config.toml"

# A valid first [[sources]] table (lines 1-4 of every snippet that starts with it).
SOURCE_A = '[[sources]]\nname = "a"\nlanguage = "uk"\nfeeds = ["https://a.example/rss"]\n'


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path, overrides: Sequence[str] = ()) -> str:
    """Load ``path`` expecting a ConfigError with exit code 2; return its message."""
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    assert type(info.value) is ConfigError
    assert info.value.exit_code == 2
    return str(info.value)


# --- the shipped configuration ---------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_config(SHIPPED)


def test_shipped_config_loads(shipped) -> None:
    assert shipped.path == SHIPPED
    assert shipped.sources
    assert any(source.enabled for source in shipped.sources)


def test_shipped_storage_path_is_next_to_the_config(shipped) -> None:
    assert shipped.storage.path == ROOT / "newsmon.db"


def test_shipped_crawl_section_spells_out_every_default(shipped) -> None:
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    assert set(raw["crawl"]) == {f.name for f in fields(CrawlConfig)}
    assert shipped.crawl == CrawlConfig()
    assert "{version}" in raw["crawl"]["user_agent"]


def test_every_enabled_source_has_an_endpoint(shipped) -> None:
    for source in shipped.sources:
        if source.enabled:
            assert source.endpoints, source.name


def test_source_names_are_unique(shipped) -> None:
    names = [source.name for source in shipped.sources]
    assert len(names) == len(set(names))


def test_every_pattern_compiles() -> None:
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    for source in raw["sources"]:
        for key in ("article_pattern", "exclude_pattern"):
            if key in source:
                re.compile(source[key])


@pytest.mark.parametrize(
    "name",
    ["unian-uk", "interfax-uk", "ukrinform-uk", "pravda-uk", "suspilne-uk", "rubryka-uk"],
)
def test_sites_the_product_names_are_configured(shipped, name: str) -> None:
    assert shipped.source(name).language == "uk"


def test_no_endpoint_is_excluded_or_mistaken_for_an_article(shipped) -> None:
    for source in shipped.sources:
        for url in source.endpoints:
            if source.exclude_pattern:
                assert not source.exclude_pattern.search(url), (source.name, url)
        for url in source.listings:
            assert source.article_pattern is not None
            assert not source.article_pattern.search(url), (source.name, url)


@pytest.mark.parametrize(
    ("name", "url", "is_article"),
    [
        ("unian-uk", "https://www.unian.ua/war/some-slug-12345678.html", True),
        ("pravda-uk", "https://www.pravda.com.ua/news/2025/12/01/8012345/", True),
        ("pravda-uk", "https://www.pravda.com.ua/rus/articles/2026/01/08/8015225/", False),
        ("pravda-uk", "https://www.epravda.com.ua/news/2026/06/25/7240442/", False),
        ("pravda-ru", "https://www.pravda.com.ua/rus/articles/2026/01/08/8015225/", True),
        ("interfax-uk", "https://interfax.com.ua/news/general/1109225.html", True),
        ("interfax-uk", "https://en.interfax.com.ua/news/general/1109225.html", False),
        ("suspilne-uk", "https://suspilne.media/kyiv/1234567-some-slug/", True),
        ("suspilne-uk", "https://suspilne.media/amp/1234567-some-slug/", False),
        ("hromadske-uk", "https://hromadske.ua/posts/123456-some-slug", True),
        ("hromadske-uk", "https://hromadske.ua/ru/posts/123456-some-slug", False),
        ("tsn-uk", "https://tsn.ua/ru/ukrayina/some-slug-2712345.html", False),
        # Ekonomichna Pravda's URLs before and since its 2025 redesign; not its sections.
        ("epravda-uk", "https://www.epravda.com.ua/news/2024/05/3/713313/", True),
        ("epravda-uk", "https://epravda.com.ua/finances/yak-zminyatsya-taryfy-813313/", True),
        ("epravda-uk", "https://epravda.com.ua/finances/", False),
        ("epravda-uk", "https://epravda.com.ua/finances/page-2/", False),
    ],
)
def test_shipped_patterns_pick_the_right_edition(
    shipped, name: str, url: str, is_article: bool
) -> None:
    source = shipped.source(name)
    assert source.article_pattern is not None
    found = bool(source.article_pattern.search(url))
    excluded = bool(source.exclude_pattern and source.exclude_pattern.search(url))
    assert (found and not excluded) == is_article


def test_article_hosts_differ_from_feed_hosts(shipped) -> None:
    assert shipped.source("unian-uk").domains == ("unian.ua",)
    assert shipped.source("censor-uk").domains == ("censor.net",)


# --- the loader's errors: file, line and key ------------------------------------------


def test_unknown_key_in_crawl(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\ndelay = 1.0\ndealy = 2.0\n")
    message = config_error(path)
    assert message.startswith(f"{path}:3: crawl.dealy: unknown key")
    assert "delay" in message  # the known keys are listed


def test_unknown_key_in_second_source(tmp_path: Path) -> None:
    text = SOURCE_A + '\n[[sources]]\nname = "b"\nlanguage = "uk"\nfeed = ["https://b.example/"]\n'
    path = write(tmp_path, text)
    assert config_error(path).startswith(f"{path}:9: sources[1].feed: unknown key")


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, '[crawl]\nobey_robots = true\ndelay = "fast"\n')
    assert config_error(path) == f"{path}:3: crawl.delay: must be an integer or a number, not str"


def test_bad_url_in_feeds(tmp_path: Path) -> None:
    text = '[[sources]]\nname = "a"\nlanguage = "uk"\nfeeds = ["rss.unian.net/site/news_ukr.rss"]\n'
    path = write(tmp_path, text)
    message = config_error(path)
    assert message.startswith(f"{path}:4: sources[0].feeds: ")
    assert "'rss.unian.net/site/news_ukr.rss' is not an http(s) URL" in message


def test_invalid_regex_in_article_pattern(tmp_path: Path) -> None:
    path = write(tmp_path, SOURCE_A + "article_pattern = '-(\\d+\\.html'\n")
    message = config_error(path)
    assert message.startswith(f"{path}:5: sources[0].article_pattern: ")
    assert "missing )" in message


def test_duplicate_source_name(tmp_path: Path) -> None:
    path = write(tmp_path, SOURCE_A + "\n" + SOURCE_A)
    assert config_error(path) == f"{path}:7: sources[1].name: duplicate source name 'a'"


def test_listing_without_article_pattern(tmp_path: Path) -> None:
    text = '[[sources]]\nname = "a"\nlanguage = "uk"\nlistings = ["https://a.example/news/"]\n'
    path = write(tmp_path, text)
    message = config_error(path)
    assert message.startswith(f"{path}:4: sources[0].listings: ")
    assert "needs article_pattern" in message


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\ndelay = 1.0\ntimeout 30\n")
    message = config_error(path)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "(at line 3, column" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert type(info.value) is ConfigError
    assert info.value.exit_code == 2
    assert str(info.value) == f"{path}: no such configuration file"
    assert "--config" in (info.value.hint or "")
    assert "NEWSMON_CONFIG" in (info.value.hint or "")


def test_bad_value_names_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, SOURCE_A + 'every = "soon"\n')
    message = config_error(path)
    assert message.startswith(f"{path}:5: sources[0].every: ")


# --- site rules: drop and body ------------------------------------------------------


def test_site_rules_css_and_xpath_become_xpath(tmp_path: Path) -> None:
    text = SOURCE_A + 'drop = ["div.promo", "//aside[@data-widget]"]\nbody = "article .text"\n'
    source = load_config(write(tmp_path, text)).sources[0]
    assert source.rules == SiteRules(("div.promo", "//aside[@data-widget]"), "article .text")
    tree = lxml.html.fromstring(
        '<html><body><div class="x promo">P</div><aside data-widget="1">A</aside>'
        '<article><div class="text">T</div></article></body></html>'
    )
    found = [e.text for rule in source.drop for e in tree.xpath(selector_xpath(rule))]
    assert found == ["P", "A"]
    assert [e.text for e in tree.xpath(selector_xpath(source.body or ""))] == ["T"]


def test_no_site_rules_by_default(tmp_path: Path) -> None:
    source = load_config(write(tmp_path, SOURCE_A)).sources[0]
    assert (source.drop, source.body) == ((), None)


@pytest.mark.parametrize(
    ("line", "key", "fragment"),
    [
        ('drop = ["div..promo"]', "drop", "'div..promo' is not a CSS selector"),
        ('drop = ["//div[@class="]', "drop", "is not a valid XPath"),
        ('drop = ["div.a", ""]', "drop", "an empty selector"),
        ("drop = [3]", "drop", "must be a list of CSS selectors or XPath expressions"),
        ('drop = "div.promo"', "drop", "must be a list, not str"),
        ('body = "(//div"', "body", "'(//div' is not a valid XPath"),
        ('body = "p:nth-child(x)"', "body", "is not a CSS selector"),
        ("body = []", "body", "must be a string, not list"),
    ],
)
def test_a_bad_site_rule_is_named_with_its_line(
    tmp_path: Path, line: str, key: str, fragment: str
) -> None:
    path = write(tmp_path, SOURCE_A + 'every = "10m"\n' + line + "\n")
    message = config_error(path)
    assert message.startswith(f"{path}:6: sources[0].{key}: ")
    assert fragment in message


def test_shipped_site_rules_are_valid(shipped) -> None:
    ruled = {s.name: s.rules for s in shipped.sources if s.drop or s.body}
    assert {"epravda-uk", "pravda-uk", "unian-uk", "interfax-uk", "ukrinform-uk"} <= set(ruled)
    assert len(ruled) == 23, sorted(ruled)
    tree = lxml.html.fromstring("<html><body><p>x</p></body></html>")
    for rules in ruled.values():
        for selector in (*rules.drop, rules.body or "//p"):
            assert isinstance(tree.xpath(selector_xpath(selector)), list)


# --- precedence, paths, units ---------------------------------------------------------


def test_override_beats_file_beats_default(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\ndelay = 5.0\n")
    assert load_config(path).crawl.delay == 5.0
    assert load_config(path, ["crawl.delay=0"]).crawl.delay == 0
    assert load_config(write(tmp_path, "", "empty.toml")).crawl.delay == 1.0


def test_override_bare_word_is_a_string(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\nmax_age = '3d'\n")
    assert load_config(path, ["crawl.max_age=1h30m"]).crawl.max_age == 5400.0


def test_override_is_validated(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\n")
    assert "crawl.delay: must be" in config_error(path, ["crawl.delay=fast"])
    assert "expected section.key=value" in config_error(path, ["delay=0"])


def test_config_path_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSMON_CONFIG", raising=False)
    assert find_config_path(None) == Path("config.toml")
    monkeypatch.setenv("NEWSMON_CONFIG", "/etc/newsmon.toml")
    assert find_config_path(None) == Path("/etc/newsmon.toml")
    assert find_config_path("mine.toml") == Path("mine.toml")


def test_storage_path_is_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[storage]\npath = "data/archive.db"\n', "etc/config.toml")
    monkeypatch.chdir(tmp_path)  # not the config's folder
    assert load_config(path).storage.path == tmp_path / "etc" / "data" / "archive.db"
    absolute = tmp_path / "elsewhere.db"
    path = write(tmp_path, f'[storage]\npath = "{absolute}"\n', "etc/absolute.toml")
    assert load_config(path).storage.path == absolute


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("10m", 600.0),
        ("1h30m", 5400.0),
        ("3d", 259200.0),
        ("1w", 604800.0),
        ("0", 0.0),
        (45, 45.0),
        (1.5, 1.5),
    ],
)
def test_durations(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["10", "ten minutes", "1x", "", "-5m", "m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [("512KB", 512 * 1024), ("10MB", 10 * 1024**2), ("1GB", 1024**3), ("100", 100), (2048, 2048)],
)
def test_sizes(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["10 parsecs", "MB", "-1MB"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(text)


def test_units_in_the_file(tmp_path: Path) -> None:
    text = '[crawl]\nmax_age = "1h30m"\nmax_page_size = "512KB"\n\n' + SOURCE_A + 'every = "90s"\n'
    config = load_config(write(tmp_path, text))
    assert config.crawl.max_age == 5400.0
    assert config.crawl.max_page_size == 512 * 1024
    assert config.sources[0].every == 90.0


# --- edge cases ---------------------------------------------------------------------


def test_user_agent_braces_are_kept_and_version_filled_in(tmp_path: Path) -> None:
    path = write(tmp_path, '[crawl]\nuser_agent = "newsmon/{version} {url}"\n')
    agent = load_config(path).crawl.user_agent
    assert agent.startswith("newsmon/") and agent.endswith(" {url}")
    assert "{version}" not in agent


@pytest.mark.parametrize(
    "line", ["max_age = -5", "max_page_size = -1", "delay = nan", "timeout = inf"]
)
def test_negative_and_non_finite_numbers_are_rejected(tmp_path: Path, line: str) -> None:
    path = write(tmp_path, f"[crawl]\n{line}\n")
    assert config_error(path).startswith(f"{path}:2: crawl.{line.split()[0]}: ")


def test_a_bad_override_is_named_as_such(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\ndelay = 1.0\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, ["crawl.delay=fast"])
    assert str(e.value).startswith("-s crawl.delay: must be")


# --- [alerts] ---------------------------------------------------------------------------

ALERTS = """[alerts]
from = "newsmon <newsmon@example.org>"
to = ["monitor@example.org"]
mode = "digest"
digest_at = "07:30"
timezone = "Europe/Warsaw"

[alerts.smtp]
host = "smtp.example.org"
port = 2525
security = "ssl"
username = "newsmon"
password_env = "NEWSMON_SMTP_PASSWORD"
timeout = 10

[[alerts.subscribers]]
name = "families"
to = ["Родина <family@example.org>", "second@example.org"]
mode = "instant"
languages = ["uk", "ru"]
sources = ["a"]
categories = ["pow", "civilian_hostage"]
watchlist_only = true

[[alerts.subscribers]]
name = "press"
to = ["desk@example.org"]
"""


def test_shipped_alerts_write_eml_files_beside_the_archive(shipped) -> None:
    alerts = shipped.alerts
    assert alerts.smtp.host is None
    assert alerts.folder == ROOT / "alerts"
    [default] = alerts.subscribers
    assert default.name == "default" and default.to and default.mode == "instant"
    assert default.timezone == "Europe/Kyiv"


def test_alerts_section(tmp_path: Path) -> None:
    alerts = load_config(write(tmp_path, SOURCE_A + ALERTS)).alerts
    assert alerts.sender == "newsmon <newsmon@example.org>"
    assert alerts.smtp == SmtpConfig(
        host="smtp.example.org",
        port=2525,
        security="ssl",
        username="newsmon",
        password_env="NEWSMON_SMTP_PASSWORD",
        timeout=10.0,
    )
    default, families, press = alerts.subscribers
    assert default == SubscriberConfig(
        name="default",
        to=("monitor@example.org",),
        mode="digest",
        digest_at=dt.time(7, 30),
        timezone="Europe/Warsaw",
    )
    assert families.to == ("Родина <family@example.org>", "second@example.org")
    assert families.mode == "instant" and families.watchlist_only
    assert families.languages == ("uk", "ru") and families.sources == ("a",)
    assert families.categories == ("pow", "civilian_hostage")
    # unset mode, digest_at and timezone come from [alerts]; filters do not
    assert (press.mode, press.digest_at, press.timezone) == (
        "digest",
        dt.time(7, 30),
        "Europe/Warsaw",
    )
    assert press.languages == () and not press.watchlist_only
    assert alerts.subscriber("press") is press


def test_no_alerts_section_means_no_recipients(tmp_path: Path) -> None:
    alerts = load_config(write(tmp_path, '[storage]\npath = "db/n.db"\n')).alerts
    assert alerts.subscribers == ()
    assert alerts.smtp.host is None
    assert alerts.folder == tmp_path / "db" / "alerts"
    with pytest.raises(ConfigError, match="no subscriber named 'x'"):
        alerts.subscriber("x")


def test_smtp_port_follows_security(tmp_path: Path) -> None:
    for security, port in (("none", 25), ("starttls", 587), ("ssl", 465)):
        text = f'[alerts.smtp]\nhost = "127.0.0.1"\nsecurity = "{security}"\n'
        assert load_config(write(tmp_path, text)).alerts.smtp.port == port


def test_alerts_folder_is_relative_to_the_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[alerts]\nfolder = "out/mail"\n', "etc/config.toml")
    assert load_config(path).alerts.folder == tmp_path / "etc" / "out" / "mail"


def test_alerts_gather(tmp_path: Path, shipped) -> None:
    assert shipped.alerts.gather == 0.0  # as shipped: no waiting for more outlets
    path = write(tmp_path, '[alerts]\ngather = "5m"\n')
    assert load_config(path).alerts.gather == 300.0
    assert load_config(path, ["alerts.gather=90s"]).alerts.gather == 90.0
    bad = write(tmp_path, '[alerts]\ngather = "soon"\n')
    assert "alerts.gather" in config_error(bad) and "is not a duration" in config_error(bad)


def test_alerts_override(tmp_path: Path) -> None:
    path = write(tmp_path, SOURCE_A + ALERTS)
    assert load_config(path, ["alerts.mode=instant"]).alerts.subscribers[0].mode == "instant"
    assert config_error(path, ["alerts.mode=hourly"]).startswith("-s alerts.mode: must be one of")


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "message"),
    [
        ('mode = "digest"', 'mode = "hourly"', 4, "alerts.mode", "must be one of instant, digest"),
        ('"07:30"', '"7:30am"', 5, "alerts.digest_at", "is not a time of day such as '08:00'"),
        ('"Europe/Warsaw"', '"Europe/Kiyv"', 6, "alerts.timezone", "is not a time zone"),
        ("port = 2525", "port = 70000", 10, "alerts.smtp.port", "must be a port number"),
        ('"ssl"', '"tls"', 11, "alerts.smtp.security", "must be one of none, starttls, ssl"),
        ("timeout = 10", "tiemout = 10", 14, "alerts.smtp.tiemout", "unknown key"),
        ('"NEWSMON_SMTP_PASSWORD"', '"hunter2!"', 13, "alerts.smtp.password_env", "is not an"),
        ('"monitor@example.org"', '"monitor"', 3, "alerts.to", "is not an e-mail address"),
        (
            'sources = ["a"]',
            'sources = ["b"]',
            21,
            "alerts.subscribers[0].sources",
            "no source named 'b'",
        ),
        (
            'languages = ["uk", "ru"]',
            'languages = ["ua"]',
            20,
            "alerts.subscribers[0].languages",
            "must be a list of uk, ru, en",
        ),
        ('"pow"', '"POW"', 22, "alerts.subscribers[0].categories", "category names"),
        (
            'name = "press"',
            'name = "families"',
            26,
            "alerts.subscribers[1].name",
            "duplicate subscriber name",
        ),
        ('name = "press"', 'name = "default"', 26, "alerts.subscribers[1].name", "(not 'default'"),
        (
            'to = ["desk@example.org"]',
            "to = []",
            27,
            "alerts.subscribers[1].to",
            "needs at least one address",
        ),
        (
            "watchlist_only = true",
            "watchlist = true",
            23,
            "alerts.subscribers[0].watchlist",
            "unknown key",
        ),
    ],
)
def test_alerts_errors_name_file_line_and_key(
    tmp_path: Path, old: str, new: str, line: int, key: str, message: str
) -> None:
    assert old in ALERTS
    path = write(tmp_path, ALERTS.replace(old, new, 1) + "\n" + SOURCE_A)
    error = config_error(path)
    assert error.startswith(f"{path}:{line}: {key}: "), error
    assert message in error


def test_username_and_password_env_go_together(tmp_path: Path) -> None:
    path = write(tmp_path, '[alerts.smtp]\nhost = "smtp.example.org"\nusername = "u"\n')
    assert config_error(path) == (
        f"{path}:1: alerts.smtp.password_env: username and password_env go together"
    )


def test_no_password_over_an_unencrypted_network_connection(tmp_path: Path) -> None:
    login = 'username = "u"\npassword_env = "P"\nsecurity = "none"\n'
    path = write(tmp_path, f'[alerts.smtp]\nhost = "smtp.example.org"\n{login}')
    assert "a password would cross the network unencrypted" in config_error(path)
    local = write(tmp_path, f'[alerts.smtp]\nhost = "127.0.0.1"\n{login}', "local.toml")
    assert load_config(local).alerts.smtp.username == "u"


def test_a_line_break_in_an_address_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[alerts]\nto = ["a@example.org\\nBcc: x@example.org"]\n')
    assert "must be a non-empty single line" in config_error(path)


def test_smtp_password_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    smtp = SmtpConfig(host="h", username="u", password_env="NEWSMON_TEST_PW")
    monkeypatch.delenv("NEWSMON_TEST_PW", raising=False)
    with pytest.raises(ConfigError) as info:
        smtp_password(smtp)
    assert str(info.value) == "the SMTP password variable NEWSMON_TEST_PW is not set"
    monkeypatch.setenv("NEWSMON_TEST_PW", "secret")
    assert smtp_password(smtp) == "secret"
    assert smtp_password(SmtpConfig(host="h")) is None


# --- topics and watchlist --------------------------------------------------------------


def test_topics_and_watchlist_default_to_captivity_and_nobody(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.topics.enabled == ("captivity",)
    assert config.topics.vocabulary == {}
    assert config.watchlist.people == ()


def test_watchlist_and_vocabulary_changes_are_read(tmp_path: Path) -> None:
    text = (
        '[watchlist]\npeople = ["Олександр Шумков", "  Анна-Марія   Дем\'яненко "]\n'
        '[topics.captivity.uk.terms.pow]\n"нове слово" = 1.0\n"полон" = 0\n'
        "[topics.captivity.topic]\nthreshold = 1.5\n"
    )
    config = load_config(write(tmp_path, text))
    assert config.watchlist.people == ("Олександр Шумков", "Анна-Марія Дем'яненко")
    assert config.topics.vocabulary == {
        "captivity": {
            "uk": {"terms": {"pow": {"нове слово": 1.0, "полон": 0}}},
            "topic": {"threshold": 1.5},
        }
    }


def test_a_new_topic_is_enabled_and_defined_in_the_config(tmp_path: Path) -> None:
    text = (
        '[topics]\nenabled = ["captivity", "corruption"]\n'
        '[topics.corruption.uk]\ntraps = ["хабар долі"]\n'
        '[topics.corruption.uk.terms.bribe]\n"хабар" = 1.0\n'
    )
    config = load_config(write(tmp_path, text))
    assert config.topics.enabled == ("captivity", "corruption")
    assert set(config.topics.vocabulary) == {"corruption"}


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [
        (
            '[topics.captivity.uk.terms.pow]\n"слово" = "high"\n',
            2,
            "topics.captivity.uk.terms.pow.слово",
            "must be a weight: a number, 1.0 = enough on its own, 0 = disabled; not str",
        ),
        (
            '[topics.captivity.uk.terms.pow]\n"слово" = -1\n',
            2,
            "topics.captivity.uk.terms.pow.слово",
            "must not be negative",
        ),
        (
            '[topics.captivity.uk.terms.pow]\n"слово" = true\n',
            2,
            "topics.captivity.uk.terms.pow.слово",
            "must be a weight",
        ),
        (
            '# x\n[topics.captivity.de.terms.pow]\n"Gefangene" = 1.0\n',
            2,
            "topics.captivity.de",
            "unknown language 'de' (known: uk, ru, en; or [topic] for scoring settings)",
        ),
        (
            "[topics.captivity.uk]\ntermz = {}\n",
            2,
            "topics.captivity.uk.termz",
            "unknown key (known: context, requires, stopwords, terms, traps)",
        ),
        (
            '[topics.captivity.uk]\ntraps = ["", "обмін думками"]\n',
            2,
            "topics.captivity.uk.traps",
            "must be a list of words or phrases",
        ),
        (
            '[topics.captivity.uk.context]\nlink = "ЗСУ"\n',
            2,
            "topics.captivity.uk.context.link",
            "must be a list of words or phrases",
        ),
        (
            '[topics.captivity.topic]\nthreshold = "high"\n',
            2,
            "topics.captivity.topic.threshold",
            "must be an integer or a number, not str",
        ),
        (
            '[topics.corruption.uk.terms.bribe]\n"хабар" = 1.0\n',
            1,
            "topics.corruption",
            "topic 'corruption' is not in topics.enabled; add it there or remove its tables",
        ),
        (
            '[topics]\nenabled = ["Captivity"]\n',
            2,
            "topics.enabled",
            "'Captivity' is not a topic name",
        ),
        (
            '[topics]\nenabled = ["captivity", "captivity"]\n',
            2,
            "topics.enabled",
            "lists a topic twice",
        ),
        (
            '[watchlist]\npeople = ["Шумков", 42]\n',
            2,
            "watchlist.people",
            "42 is not a name: write given name and surname in letters",
        ),
        (
            '[watchlist]\npeople = ["Олександр Шумков", "Олександр  Шумков"]\n',
            2,
            "watchlist.people",
            "lists 'Олександр Шумков' twice",
        ),
        (
            '[watchlist]\npeople = ["Агент 007"]\n',
            2,
            "watchlist.people",
            "'Агент 007' is not a name",
        ),
        (
            '[watchlist]\nnames = ["Олександр Шумков"]\n',
            2,
            "watchlist.names",
            "unknown key (known: people)",
        ),
        (
            '[topics]\nenabled = []\n[watchlist]\npeople = ["Олександр Шумков"]\n',
            4,
            "watchlist.people",
            "needs a topic in topics.enabled",
        ),
    ],
)
def test_bad_topics_and_watchlist_name_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, message: str
) -> None:
    path = write(tmp_path, text)
    assert config_error(path).startswith(f"{path}:{line}: {key}: {message}")


def test_topics_can_be_switched_off_for_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, '[watchlist]\npeople = ["Олександр Шумков"]\n')
    assert load_config(path, ["watchlist.people=[]", "topics.enabled=[]"]).topics.enabled == ()
    assert "-s topics.enabled: " in config_error(path, ["topics.enabled=captivity"])


def test_shipped_config_enables_captivity_and_watches_nobody(shipped) -> None:
    assert shipped.topics.enabled == ("captivity",)
    assert shipped.topics.vocabulary == {}
    assert shipped.watchlist.people == ()
