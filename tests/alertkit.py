"""Reports, subscribers and SMTP settings for the alert tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from crawler.alerts import Evidence, Report
from crawler.config import SmtpConfig, SubscriberConfig

SENDER = "newsmon <newsmon@example.org>"
NOW = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)

SUBSCRIBER = SubscriberConfig(name="default", to=("monitor@example.org",))

TITLE = "Україна повернула з полону 95 захисників"
SENTENCE = "Україна повернула з полону 95 захисників, повідомив Координаційний штаб."


def report(article_id: int = 1, **changes: Any) -> Report:
    base = Report(
        article_id=article_id,
        url=f"https://example.ua/news/{article_id}.html",
        title=TITLE,
        source="unian-uk",
        language="uk",
        published="2026-11-20T10:15:00+02:00",
        fetched="2026-11-20T08:20:00+00:00",
        categories=("pow", "exchange"),
        evidence=(Evidence(SENTENCE, ((20, 26),), "text"),),
        score=1.0,
    )
    return replace(base, **changes)


def smtp(port: int, **changes: Any) -> SmtpConfig:
    return replace(SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5.0), **changes)
