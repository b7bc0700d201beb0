"""URL canonicalisation and site membership: the keys by which an article is known."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from crawler.config import SourceConfig

# Query parameters that only say who linked to the page; the same article under
# another campaign tag must not be fetched or stored twice.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|yclid|ysclid|msclkid|mc_cid|mc_eid|_ga|_gl"
    r"|igshid|ref|ref_src|spm|cmpid|ncid|at_medium|at_campaign|sr_share)$",
    re.IGNORECASE,
)


def canonicalize(url: str) -> str:
    """Lower-case scheme and host, no default port, fragment or tracking parameters;
    the remaining query parameters in a stable order."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port and (scheme, parts.port) not in _DEFAULT_PORTS else None
    netloc = f"{host}:{port}" if port else host
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    # Percent-encoded as Scrapy sends it (UTF-8, existing escapes kept): a feed's
    # /news/випуск-1 and the response's /news/%D0%B2... must be one key, or the first
    # stays pending for ever and is fetched again on every crawl.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


_DEFAULT_PORTS = {("http", 80), ("https", 443)}


def source_domains(source: SourceConfig) -> tuple[str, ...]:
    """Hosts whose pages belong to a source: its ``domains``, else the hosts of its endpoints.

    A leading "www." is dropped so that both the bare host and its subdomains match.
    """
    if source.domains:
        return source.domains
    hosts = (urlsplit(url).hostname or "" for url in source.endpoints)
    return tuple(dict.fromkeys(_strip_www(h) for h in hosts if h))


def on_site(url: str, domains: tuple[str, ...]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def _strip_www(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") else host
