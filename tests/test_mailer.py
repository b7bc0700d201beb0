"""Transports against a real SMTP server on 127.0.0.1: plain, STARTTLS, SSL, login, errors."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
import trustme

from crawler.alerts import compose
from crawler.config import AlertsConfig
from crawler.errors import DeliveryError, NewsmonError
from crawler.mailer import FolderTransport, SmtpTransport, safe_name, transport_for
from crawler.outbox import Envelope, envelope_of
from tests.alertkit import NOW, SENDER, SUBSCRIBER, TITLE, report, smtp
from tests.smtpkit import SmtpServer, free_port

PASSWORD_ENV = "NEWSMON_TEST_SMTP_PASSWORD"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as running:
        yield running


def envelope(key: str = "default:report:1") -> Envelope:
    return envelope_of(compose([report()], SUBSCRIBER, key, sender=SENDER, now=NOW))


def send(transport: SmtpTransport | FolderTransport, message: Envelope) -> str:
    with transport.session() as session:
        return session.send(message).where


def test_plain_smtp_delivers_the_exact_bytes(server: SmtpServer) -> None:
    message = envelope()
    where = send(SmtpTransport(smtp(server.port)), message)
    assert where == f"127.0.0.1:{server.port}"
    [got] = server.received
    assert got.sender == "newsmon@example.org"
    assert got.recipients == ["monitor@example.org"]
    assert got.message["Subject"] == f"1 captivity report: {TITLE}"
    assert got.message["Message-ID"] == message.message_id
    assert got.data.replace(b"\r\n", b"\n") == message.data.replace(b"\r\n", b"\n")


def test_starttls_with_login(
    ca: trustme.CA, client_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret pass")
    config = smtp(0, security="starttls", username="newsmon", password_env=PASSWORD_ENV)
    with SmtpServer("starttls", login=("newsmon", "s3cret pass"), ca=ca) as server:
        send(SmtpTransport(replace(config, port=server.port), client_tls), envelope())
        assert server.logins == ["newsmon"]
        assert len(server.received) == 1


def test_ssl_with_login(
    ca: trustme.CA, client_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    config = smtp(0, security="ssl", username="newsmon", password_env=PASSWORD_ENV)
    with SmtpServer("ssl", login=("newsmon", "s3cret"), ca=ca) as server:
        send(SmtpTransport(replace(config, port=server.port), client_tls), envelope())
        assert server.logins == ["newsmon"]
        assert len(server.received) == 1


def test_a_wrong_password_is_a_transient_error_that_does_not_show_it(
    ca: trustme.CA, client_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "wrong-password-value")
    config = smtp(0, security="starttls", username="newsmon", password_env=PASSWORD_ENV)
    with SmtpServer("starttls", login=("newsmon", "right"), ca=ca) as server:
        with pytest.raises(DeliveryError) as info:
            send(SmtpTransport(replace(config, port=server.port), client_tls), envelope())
        assert server.received == []
    assert info.value.transient
    assert "refused the login of 'newsmon': 535" in str(info.value)
    assert PASSWORD_ENV in (info.value.hint or "")
    assert "wrong-password-value" not in f"{info.value} {info.value.hint}"


def test_a_missing_password_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    config = smtp(free_port(), security="starttls", username="u", password_env=PASSWORD_ENV)
    with pytest.raises(DeliveryError) as info:
        send(SmtpTransport(config), envelope())
    assert str(info.value) == f"the SMTP password variable {PASSWORD_ENV} is not set"
    assert info.value.transient


def test_an_untrusted_certificate_is_refused(ca: trustme.CA) -> None:
    with SmtpServer("starttls", ca=ca) as server:
        # the system's trust store does not know the test CA
        with pytest.raises(DeliveryError, match="certificate that is not trusted") as info:
            send(SmtpTransport(smtp(server.port, security="starttls")), envelope())
        assert server.received == []
    assert info.value.transient


def test_starttls_asked_of_a_server_without_it(server: SmtpServer) -> None:
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send(SmtpTransport(smtp(server.port, security="starttls")), envelope())


def test_server_down_is_a_transient_error_with_a_hint() -> None:
    port = free_port()
    with pytest.raises(DeliveryError) as info:
        send(SmtpTransport(smtp(port)), envelope())
    assert info.value.transient
    assert isinstance(info.value, NewsmonError)
    assert (
        str(info.value) == f"cannot connect to the SMTP server 127.0.0.1:{port}: Connection refused"
    )
    assert "retried" in (info.value.hint or "")


def test_a_5xx_answer_is_permanent_for_that_message(server: SmtpServer) -> None:
    server.handler.refuse = "554 5.6.0 Message rejected as spam"
    with pytest.raises(DeliveryError) as info:
        send(SmtpTransport(smtp(server.port)), envelope())
    assert "554 5.6.0 Message rejected as spam" in str(info.value)
    assert not info.value.transient


def test_a_4xx_answer_is_transient(server: SmtpServer) -> None:
    server.handler.refuse = "451 4.3.0 Try again later"
    with pytest.raises(DeliveryError) as info:
        send(SmtpTransport(smtp(server.port)), envelope())
    assert "451 4.3.0 Try again later" in str(info.value)
    assert info.value.transient


def test_some_recipients_refused_is_still_sent(server: SmtpServer) -> None:
    server.handler.refuse_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    subscriber = replace(SUBSCRIBER, to=("monitor@example.org", "gone@example.org"))
    message = envelope_of(compose([report()], subscriber, "k", sender=SENDER, now=NOW))
    with SmtpTransport(smtp(server.port)).session() as session:
        receipt = session.send(message)
    assert receipt.refused == ("gone@example.org (550 5.1.1 No such user)",)
    assert server.received[0].recipients == ["monitor@example.org"]


def test_every_recipient_refused_is_permanent(server: SmtpServer) -> None:
    server.handler.refuse_rcpt["monitor@example.org"] = "550 5.1.1 No such user"
    with pytest.raises(DeliveryError, match="refused every recipient") as info:
        send(SmtpTransport(smtp(server.port)), envelope())
    assert not info.value.transient


# --------------------------------------------------------------------------- the folder


def test_folder_route_writes_a_parseable_eml(tmp_path: Path) -> None:
    folder = tmp_path / "alerts"
    message = envelope()
    where = send(FolderTransport(folder), message)
    assert where == str(folder / f"{safe_name(message.message_id)}.eml")
    [written] = folder.iterdir()
    parsed = message_from_bytes(written.read_bytes(), policy=default)
    assert parsed["Subject"] == f"1 captivity report: {TITLE}"
    assert parsed["Message-ID"] == message.message_id
    assert parsed.get_content_type() == "multipart/alternative"


def test_folder_route_is_idempotent(tmp_path: Path) -> None:
    transport = FolderTransport(tmp_path)
    send(transport, envelope("a"))
    send(transport, envelope("a"))
    send(transport, envelope("b"))
    assert len(list(tmp_path.iterdir())) == 2  # no temporary file left behind either


def test_an_unwritable_folder_is_a_transient_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DeliveryError, match="cannot create the alerts folder") as info:
        send(FolderTransport(blocker / "alerts"), envelope())
    assert info.value.transient


def test_safe_name() -> None:
    assert safe_name("<ab12@example.org>") == "ab12@example.org"
    assert safe_name("<../../etc/passwd>") == ".._.._etc_passwd"


def test_transport_for(tmp_path: Path) -> None:
    folder = AlertsConfig(folder=tmp_path)
    assert isinstance(transport_for(folder), FolderTransport)
    configured = replace(folder, smtp=smtp(25))
    assert isinstance(transport_for(configured), SmtpTransport)
