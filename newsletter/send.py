"""`newsletter send`: a proof of an issue's email, delivered over SMTP to the editor's own inbox."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from io import BytesIO
from pathlib import Path

import click

from . import build, layouts
from .compose import IssueFiles, compose
from .config import Settings, SmtpSettings
from .model import Issue

PASSWORD_VARIABLE = "NEWSLETTER_SMTP_PASSWORD"
TIMEOUT = 30.0  # seconds for connecting and for each answer of the server
PROOF_PREFIX = "[Proof] "


class SendError(click.ClickException):
    """A proof could not be sent: one line saying what went wrong and where."""


class NotConfigured(SendError):
    """Raised when [tool.newsletter.smtp] or the password is missing."""


class BadAddress(SendError):
    """Raised when a --to value is not an email address."""


class ConnectionFailed(SendError):
    """Raised when the server cannot be reached: refused, unknown host, timed out."""


class TlsFailed(SendError):
    """Raised when the TLS handshake fails (an untrusted certificate, a wrong security setting)."""


class AuthFailed(SendError):
    """Raised when the server rejects the user and password, or offers no way to log in."""


class RecipientRefused(SendError):
    """Raised when the server refuses a recipient; then nobody is sent the proof."""


class ServerError(SendError):
    """Raised when the server answers anything else with an error."""


@dataclass(frozen=True)
class Proof:
    """A proof ready to send: its envelope and the message itself."""

    issue: str  # the issue's file, for messages
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage
    smtp: SmtpSettings | None

    def as_bytes(self) -> bytes:
        """The message as it goes over the wire: CRLF line ends, parts as rendered."""
        buffer = BytesIO()
        BytesGenerator(buffer, policy=self.message.policy.clone(linesep="\r\n")).flatten(
            self.message
        )
        return buffer.getvalue()

    def summary(self) -> list[str]:
        """The envelope, the server and the headers, one per line, for --dry-run."""
        lines = [f"MAIL FROM:<{self.sender}>"]
        lines += [f"RCPT TO:<{recipient}>" for recipient in self.recipients]
        if self.smtp is None:
            lines.append("via: nothing yet; add [tool.newsletter.smtp] to pyproject.toml to send")
        else:
            login = f", as {self.smtp.user}" if self.smtp.user else ""
            lines.append(f"via: {self.smtp.host}:{self.smtp.port} ({self.smtp.security}{login})")
        lines.append("")
        lines += [f"{name}: {value}" for name, value in self.message.items()]
        return lines


def recipients(values: Sequence[str]) -> tuple[str, ...]:
    """The addresses of every --to value ('a@x.org', 'Ann <a@x.org>, b@y.org'), checked."""
    found: list[str] = []
    for value in values:
        pairs = getaddresses([value])
        if any(c in value for c in "\r\n") or not pairs:
            raise BadAddress(f"not an email address: {value!r}")
        for _name, address in pairs:
            local, _, domain = address.rpartition("@")
            if not local or "." not in domain or any(c.isspace() for c in address):
                raise BadAddress(f"not an email address: {value!r}")
            if address not in found:
                found.append(address)
    return tuple(found)


@dataclass(frozen=True)
class RenderedEmail:
    """An issue's email rendered afresh from its file: the same bytes `render` writes to out/."""

    settings: Settings
    files: IssueFiles

    @property
    def issue(self) -> Issue:
        """The issue."""
        return self.files.issue

    @property
    def html(self) -> str:
        """email.html"""
        return self.files.html

    @property
    def text(self) -> str:
        """email.txt"""
        return self.files.text

    @property
    def eml(self) -> bytes:
        """email.eml"""
        return self.files.files[f"{self.issue.out_dir}/email.eml"]


def render_email(root: Path, name: str) -> RenderedEmail:
    """Issue NAME (number, slug or path; drafts too) rendered in memory, nothing written."""
    settings, issues, _warnings = build.validate(root)
    issue = build.select(issues, [name], root)[0]
    return RenderedEmail(settings, compose(layouts.environment(settings), settings, issue))


def prepare(root: Path, name: str, to: Sequence[str]) -> Proof:
    """Render issue NAME (number, slug or path; drafts too) as a proof addressed to TO."""
    addresses = recipients(to)
    email = render_email(root, name)
    settings, issue = email.settings, email.issue

    message = BytesParser(policy=policy.default).parsebytes(email.eml)
    assert isinstance(message, EmailMessage)
    subject = str(message["Subject"])
    # A proof is a new message each time: mail clients drop a second message with the same
    # Message-ID; and a proof goes to the editor, not the list: no List-Id, no List-Unsubscribe
    # (its merge tags are only filled in by the service).
    for header in ("Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Id"):
        del message[header]
    message["Subject"] = PROOF_PREFIX + subject
    message["To"] = ", ".join(addresses)
    message["Date"] = formatdate(localtime=True)
    _, sender = parseaddr(settings.sender)
    message["Message-ID"] = make_msgid("proof", domain=sender.rpartition("@")[2] or None)
    return Proof(issue.path, sender, addresses, message, settings.smtp)


def _connect(smtp: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    """An open, greeted (and for starttls, encrypted) connection to the server."""
    connection: smtplib.SMTP
    if smtp.security == "ssl":
        connection = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
    else:
        connection = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
    try:
        # smtplib greets the server only before AUTH: MAIL without a login would come first.
        # EHLO, or HELO from a server that knows no extensions; then again after STARTTLS.
        connection.ehlo_or_helo_if_needed()
        if smtp.security == "starttls":
            connection.starttls(context=context)
            connection.ehlo()
    except smtplib.SMTPNotSupportedError:
        connection.close()
        raise TlsFailed(
            f"{smtp.host}:{smtp.port} does not offer STARTTLS: set security to "
            "'ssl' (usually port 465) or 'none' in [tool.newsletter.smtp]"
        ) from None
    except smtplib.SMTPHeloError as exc:
        connection.close()
        raise ServerError(
            f"{smtp.host}:{smtp.port} refused the greeting (EHLO and HELO): "
            f"{exc.smtp_code} {_text(exc.smtp_error)}"
        ) from None
    except BaseException:
        connection.close()
        raise
    return connection


def _transaction(connection: smtplib.SMTP, proof: Proof) -> None:
    """MAIL, every RCPT, then DATA only if every recipient was accepted: all or nobody."""
    code, answer = connection.mail(proof.sender)
    if code != 250:
        connection.rset()
        raise ServerError(f"the server refused the sender {proof.sender}: {code} {_text(answer)}")
    refused = []
    for recipient in proof.recipients:
        code, answer = connection.rcpt(recipient)
        if code not in (250, 251):
            refused.append(f"{recipient} ({code} {_text(answer)})")
    if refused:
        connection.rset()
        raise RecipientRefused(
            f"the server refused {', '.join(refused)}; the proof was sent to nobody"
        )
    code, answer = connection.data(proof.as_bytes())
    if code != 250:
        raise ServerError(f"the server did not accept the message: {code} {_text(answer)}")


def _text(answer: bytes | str) -> str:
    """A server's answer on one line."""
    value = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(value.split())


def deliver(proof: Proof, progress: Callable[[str], None] = lambda _: None) -> None:
    """Send PROOF over SMTP with the settings' server and NEWSLETTER_SMTP_PASSWORD."""
    smtp = proof.smtp
    if smtp is None:
        raise NotConfigured(
            "no [tool.newsletter.smtp] in pyproject.toml: add host, port, security and user"
        )
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if smtp.user and not password:
        raise NotConfigured(f"set {PASSWORD_VARIABLE} to the SMTP password of {smtp.user}")
    where = f"{smtp.host}:{smtp.port}"
    context = ssl.create_default_context()
    progress(f"Connecting to {where} ({smtp.security})...")
    try:
        connection = _connect(smtp, context)
        with connection:
            if smtp.user:
                progress(f"Logging in as {smtp.user}...")
                connection.login(smtp.user, password)
            progress(f"Sending {proof.issue} to {', '.join(proof.recipients)}...")
            _transaction(connection, proof)
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthFailed(
            f"{where} refused the login of {smtp.user}: {exc.smtp_code} {_text(exc.smtp_error)}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise AuthFailed(f"{where} offers no login (AUTH): check security and user") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise ServerError(f"{where} closed the connection: {exc or 'no reason given'}") from None
    except smtplib.SMTPResponseException as exc:
        raise ServerError(f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except smtplib.SMTPException as exc:
        raise ServerError(f"{where}: {exc}") from None
    except ssl.SSLCertVerificationError as exc:
        raise TlsFailed(f"TLS with {where} failed: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        raise TlsFailed(
            f"TLS with {where} failed ({exc.reason or exc}): is security "
            f"'{smtp.security}' right for port {smtp.port}?"
        ) from None
    except ConnectionRefusedError:
        raise ConnectionFailed(f"cannot connect to {where}: connection refused") from None
    except socket.gaierror:
        raise ConnectionFailed(f"cannot connect to {where}: unknown host {smtp.host}") from None
    except TimeoutError:
        raise ConnectionFailed(f"cannot connect to {where}: no answer in {TIMEOUT:.0f} s") from None
    except OSError as exc:
        raise ConnectionFailed(f"cannot connect to {where}: {exc.strerror or exc}") from None
