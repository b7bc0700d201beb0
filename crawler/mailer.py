"""Transports for the outbox: an SMTP server (smtplib), or .eml files in a folder.

Every failure becomes a DeliveryError that says whether trying later may help.  The SMTP
password is read from its environment variable when a session opens, and never logged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from crawler.config import AlertsConfig, SmtpConfig, smtp_password
from crawler.errors import ConfigError, DeliveryError
from crawler.outbox import Envelope, Receipt, Transport

log = logging.getLogger(__name__)


def transport_for(alerts: AlertsConfig) -> Transport:
    """SMTP when ``[alerts.smtp] host`` is set, else the alerts folder."""
    if alerts.smtp.host:
        return SmtpTransport(alerts.smtp)
    return FolderTransport(alerts.folder)


# --------------------------------------------------------------------------- SMTP


class SmtpTransport:
    """Plain, STARTTLS or SSL connections, optional login, one connection per session."""

    def __init__(self, smtp: SmtpConfig, tls_context: ssl.SSLContext | None = None) -> None:
        if not smtp.host:
            raise ValueError("SmtpTransport needs a host")
        self.smtp = smtp
        self.host: str = smtp.host
        # The system's trusted certificates (SSL_CERT_FILE is honoured), hosts checked.
        self.tls_context = tls_context or ssl.create_default_context()
        self.description = f"smtp://{self.host}:{smtp.port} ({smtp.security})"

    @contextlib.contextmanager
    def session(self) -> Iterator[SmtpSession]:
        client = self._connect()
        try:
            yield SmtpSession(client, f"{self.host}:{self.smtp.port}")
        finally:
            _quit(client)

    def _connect(self) -> smtplib.SMTP:
        password = self._password()
        smtp = self.smtp
        try:
            if smtp.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, smtp.port, timeout=smtp.timeout, context=self.tls_context
                )
            else:
                client = smtplib.SMTP(self.host, smtp.port, timeout=smtp.timeout)
        except (OSError, smtplib.SMTPException) as e:
            raise self._route_error(e) from e
        try:
            if smtp.security == "starttls":
                client.starttls(context=self.tls_context)
            if smtp.username and password is not None:
                client.login(smtp.username, password)
        except (OSError, smtplib.SMTPException) as e:
            client.close()
            raise self._route_error(e) from e
        return client

    def _password(self) -> str | None:
        try:
            return smtp_password(self.smtp)
        except ConfigError as e:
            # Transient: the message waits in the outbox until the variable is set.
            raise DeliveryError(e.message, hint=e.hint, transient=True) from e

    def _route_error(self, error: Exception) -> DeliveryError:
        """Anything before a message is handed over is the route's fault: retry later."""
        where = f"the SMTP server {self.host}:{self.smtp.port}"
        retry = "Alerts stay queued and are retried."
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return DeliveryError(
                f"{where} refused the login of {self.smtp.username!r}: {_reply(error)}",
                hint=f"check [alerts.smtp] username and the password in "
                f"{self.smtp.password_env}. {retry}",
                transient=True,
            )
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return DeliveryError(
                f"{where} does not offer STARTTLS",
                hint=f'set [alerts.smtp] security = "ssl" (port 465) or "none". {retry}',
                transient=True,
            )
        if isinstance(error, ssl.SSLCertVerificationError):
            return DeliveryError(
                f"{where} presented a certificate that is not trusted: {error.verify_message}",
                hint=f"check the host name; for a private CA set SSL_CERT_FILE. {retry}",
                transient=True,
            )
        if isinstance(error, TimeoutError):
            message = f"{where} did not answer within {self.smtp.timeout:g} s"
        elif isinstance(error, smtplib.SMTPResponseException):
            message = f"{where} refused the connection: {_reply(error)}"
        else:
            message = f"cannot connect to {where}: {_describe(error)}"
        return DeliveryError(
            message,
            hint=f"check that it runs and [alerts.smtp] host, port and security. {retry}",
            transient=True,
        )


class SmtpSession:
    """One connection; ``send`` hands over one message."""

    def __init__(self, client: smtplib.SMTP, where: str) -> None:
        self.client = client
        self.where = where

    def send(self, envelope: Envelope) -> Receipt:
        try:
            refused = self.client.sendmail(
                envelope.sender, list(envelope.recipients), envelope.data
            )
        except smtplib.SMTPRecipientsRefused as e:
            replies = _refusals(e.recipients)
            permanent = all(code >= 500 for code, _ in e.recipients.values())
            raise DeliveryError(
                f"{self.where} refused every recipient: {'; '.join(replies)}",
                hint="check the addresses in [alerts] to / [[alerts.subscribers]] to",
                transient=not permanent,
            ) from e
        except smtplib.SMTPResponseException as e:  # sender refused, data refused, 4xx
            raise DeliveryError(
                f"{self.where} refused {envelope.message_id}: {_reply(e)}",
                transient=e.smtp_code < 500,
            ) from e
        except (smtplib.SMTPServerDisconnected, OSError) as e:
            raise DeliveryError(
                f"{self.where} lost the connection: {_describe(e)}", transient=True
            ) from e
        except smtplib.SMTPException as e:  # e.g. the server cannot take this message's form
            raise DeliveryError(
                f"{self.where} cannot take {envelope.message_id}: {e}", transient=False
            ) from e
        return Receipt(self.where, tuple(_refusals(refused)))


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> list[str]:
    return [f"{rcpt} ({_reply_of(code, text)})" for rcpt, (code, text) in refused.items()]


def _reply(error: smtplib.SMTPResponseException) -> str:
    return _reply_of(error.smtp_code, error.smtp_error)


def _reply_of(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _quit(client: smtplib.SMTP) -> None:
    # The messages were already accepted or recorded; a rude goodbye changes nothing.
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


# --------------------------------------------------------------------------- folder


class FolderTransport:
    """Writes each message as ``<message-id>.eml``: the route when no SMTP host is set.

    The same message always gets the same file name, so writing it again (a retry after a
    crash) replaces the file instead of adding a copy.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"folder {folder}"

    @contextlib.contextmanager
    def session(self) -> Iterator[FolderTransport]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DeliveryError(
                f"cannot create the alerts folder {self.folder}: {_describe(e)}",
                hint="set [alerts] folder to a writable place, or configure [alerts.smtp]",
                transient=True,
            ) from e
        yield self

    def send(self, envelope: Envelope) -> Receipt:
        path = self.folder / f"{safe_name(envelope.message_id)}.eml"
        try:
            _write_atomically(path, envelope.data)
        except OSError as e:
            raise DeliveryError(
                f"cannot write {path}: {_describe(e)}",
                hint="check free disk space and the folder's permissions",
                transient=True,
            ) from e
        log.info("alert %s written to %s", envelope.message_id, path)
        return Receipt(str(path))


def safe_name(message_id: str) -> str:
    """A file name from a Message-ID: '<ab12@example.org>' -> 'ab12@example.org'."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", message_id.strip().strip("<>")) or "message"


def _write_atomically(path: Path, data: bytes) -> None:
    """A reader (or a crash) sees the old file or the whole new one, never a part."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
