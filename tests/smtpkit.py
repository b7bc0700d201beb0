"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), with optional TLS and login."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A port nobody listens on now (aiosmtpd cannot be given port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """aiosmtpd hooks (their names are aiosmtpd's): keeps what the server accepted.

    ``refuse`` answers DATA with that reply; ``refuse_rcpt`` answers RCPT TO per address.
    """

    received: list[Received] = field(default_factory=list)
    refuse: str | None = None
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return self.refuse
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1: plain, STARTTLS (required) or implicit SSL, login optional."""

    def __init__(
        self,
        security: str = "none",
        login: tuple[str, str] | None = None,
        ca: trustme.CA | None = None,
        port: int | None = None,
        handler: Handler | None = None,
    ) -> None:
        self.handler = handler or Handler()
        self.port = port or free_port()
        self.login = login
        self.logins: list[str] = []
        kwargs: dict[str, Any] = {}
        if security != "none":
            assert ca is not None
            server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
            if security == "starttls":
                kwargs.update(tls_context=server_context, require_starttls=True)
            else:
                kwargs.update(ssl_context=server_context)
        if login:
            # aiosmtpd counts only STARTTLS as TLS, and warns when AUTH is required without
            # it; over implicit SSL the test checks ``logins`` instead of requiring AUTH.
            starttls = security == "starttls"
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=starttls,
                auth_require_tls=starttls,
            )
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append(user)
        # handled=False: aiosmtpd answers a failure itself (535) instead of staying silent
        return AuthResult(success=(user, password) == self.login, handled=False)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(**kwargs: Any) -> Iterator[SmtpServer]:
    with SmtpServer(**kwargs) as server:
        yield server
