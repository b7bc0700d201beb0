"""`newsmon alerts test|pending|send` as users run them, against a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
import trustme

from crawler.outbox import queue_reports
from storage.db import Archive
from tests.alertkit import NOW, SENDER, SUBSCRIBER, report
from tests.conftest import Newsmon
from tests.smtpkit import SmtpServer, free_port

ALERTS = """
[alerts]
from = "newsmon <newsmon@example.org>"
to = ["monitor@example.org"]
"""


def smtp_section(port: int, security: str = "none", login: bool = False) -> str:
    section = f'[alerts.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
    if login:
        section += 'username = "newsmon"\npassword_env = "NEWSMON_SMTP_PASSWORD"\n'
    return ALERTS + section + "timeout = 5\n"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as running:
        yield running


def queue_two(newsmon: Newsmon) -> None:
    with Archive(newsmon.db_path) as archive:
        queue_reports(archive, [report(1)], SUBSCRIBER, sender=SENDER, now=NOW)
        queue_reports(archive, [report(2, title="Друга")], SUBSCRIBER, sender=SENDER, now=NOW)


def test_alerts_test_without_smtp_writes_an_eml_file_beside_the_archive(newsmon: Newsmon) -> None:
    newsmon.configure(ALERTS)
    result = newsmon.run("alerts", "test")
    assert result.returncode == 0, result.stderr
    [written] = (newsmon.tmp_path / "alerts").iterdir()
    assert result.stdout.strip().endswith(f"delivered to {written}")
    message = message_from_bytes(written.read_bytes(), policy=default)
    assert message["Subject"] == "newsmon test message"
    assert message["To"] == "monitor@example.org"
    assert message["Message-ID"] in result.stdout


def test_alerts_test_over_starttls_with_login(newsmon: Newsmon, tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with SmtpServer("starttls", login=("newsmon", "pa55"), ca=ca) as server:
        newsmon.configure(smtp_section(server.port, "starttls", login=True))
        env = {"NEWSMON_SMTP_PASSWORD": "pa55", "SSL_CERT_FILE": str(ca_file)}
        result = newsmon.run("alerts", "test", env=env)
    assert result.returncode == 0, result.stderr
    assert f"delivered to 127.0.0.1:{server.port}" in result.stdout
    [got] = server.received
    assert got.message["Subject"] == "newsmon test message"
    assert "smtp://127.0.0.1" in got.message.get_body(("plain",)).get_content()
    assert "pa55" not in result.stdout + result.stderr


def test_alerts_test_with_the_server_down_exits_1_saying_why(newsmon: Newsmon) -> None:
    port = free_port()
    newsmon.configure(smtp_section(port))
    result = newsmon.run("alerts", "test")
    assert result.returncode == 1
    assert f"Error: cannot connect to the SMTP server 127.0.0.1:{port}: Connection refused" in (
        result.stderr
    )
    assert "Hint: check that it runs" in result.stderr
    assert "Traceback" not in result.stderr


def test_alerts_test_without_the_password_variable_names_it(newsmon: Newsmon) -> None:
    newsmon.configure(smtp_section(free_port(), "starttls", login=True))
    result = newsmon.run("alerts", "test")
    assert result.returncode == 1
    assert "Error: the SMTP password variable NEWSMON_SMTP_PASSWORD is not set" in result.stderr


def test_alerts_test_without_recipients(newsmon: Newsmon) -> None:
    newsmon.configure("")
    result = newsmon.run("alerts", "test")
    assert result.returncode == 2
    assert "Error: no alert recipients are configured" in result.stderr


def test_alerts_pending_lists_the_queue(newsmon: Newsmon) -> None:
    newsmon.configure(ALERTS)
    empty = newsmon.run("alerts", "pending")
    assert (empty.returncode, empty.stdout) == (0, "")
    assert "No alerts waiting." in empty.stderr
    queue_two(newsmon)
    table = newsmon.run("alerts", "pending")
    assert table.returncode == 0, table.stderr
    header, first, second = table.stdout.splitlines()
    assert header.split() == [
        "id", "state", "kind", "subscriber", "attempts", "next", "attempt", "subject", "error",
    ]  # fmt: skip
    assert first.split()[:5] == ["1", "queued", "report", "default", "0"]
    assert "1 captivity report: Україна повернула" in first
    assert "1 captivity report: Друга" in second
    records = json.loads(newsmon.run("alerts", "pending", "--json").stdout)
    assert [(r["id"], r["state"], r["article_ids"]) for r in records] == [
        (1, "queued", [1]),
        (2, "queued", [2]),
    ]


def test_alerts_send_delivers_once_and_keeps_what_fails(newsmon: Newsmon) -> None:
    port = free_port()
    newsmon.configure(smtp_section(port))
    queue_two(newsmon)
    down = newsmon.run("alerts", "send")
    assert down.returncode == 1
    assert "0 sent via smtp://127.0.0.1" in down.stdout and "2 queued" in down.stdout
    assert "Connection refused" in down.stderr
    pending = json.loads(newsmon.run("alerts", "pending", "--json").stdout)
    assert [r["attempts"] for r in pending] == [1, 1]
    assert all("Connection refused" in r["last_error"] for r in pending)
    with SmtpServer(port=port) as server:
        # the retry is a minute away; the operator does not want to wait
        _make_due(newsmon)
        sent = newsmon.run("alerts", "send")
        again = newsmon.run("alerts", "send")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("2 sent via smtp://127.0.0.1")
    assert again.stdout.startswith("0 sent") and again.returncode == 0
    assert len(server.received) == 2
    assert newsmon.run("alerts", "pending").stdout == ""


def _make_due(newsmon: Newsmon) -> None:
    db = newsmon.db()
    try:
        db.execute("update outbox set next_attempt = '2000-01-01T00:00:00+00:00'")
        db.conn.commit()
    finally:
        db.close()


def test_alerts_help_has_examples(newsmon: Newsmon) -> None:
    for command in ("test", "pending", "send"):
        result = newsmon.run("alerts", command, "--help")
        assert result.returncode == 0
        assert "Example: " in result.stdout
    assert "alerts" in newsmon.run("--help").stdout
