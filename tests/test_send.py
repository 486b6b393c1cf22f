"""`newsletter send`: a proof over SMTP to a real server (aiosmtpd): none, STARTTLS or SSL, with
or without AUTH."""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .conftest import SAMPLE, checked, run

USER, PASSWORD = "editor", "correct horse"
EDITOR = "editor@example.org"
SENDER = "sunchenghao@tsinghua.edu.cn"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it is sent and refuses nobody@…."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    port: int
    inbox: Inbox


def listen(
    certificate: tuple[Path, Path], security: str, auth: bool, handler: Any = None
) -> tuple[Controller, Server]:
    """A real SMTP server on 127.0.0.1 that speaks SECURITY; AUTH required when AUTH is true."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    inbox = handler or Inbox()
    port = free_port()
    tls: dict[str, Any] = {
        "starttls": {"tls_context": context, "require_starttls": True},
        # aiosmtpd offers AUTH only after STARTTLS unless told: over implicit TLS, say so
        "ssl": {"ssl_context": context, "auth_require_tls": False},
        "none": {"auth_require_tls": False},  # a local relay: AUTH in the clear is its business
    }[security]
    login: dict[str, Any] = {"auth_required": True, "authenticator": authenticator} if auth else {}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **tls, **login)
    controller.start()
    return controller, Server(port, inbox)


@pytest.fixture
def server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    """A real SMTP server on 127.0.0.1: STARTTLS required, then AUTH required."""
    controller, running = listen(certificate, "starttls", auth=True)
    yield running
    controller.stop()


def configure(
    project: Path, port: int, security: str = "starttls", user: str | None = USER
) -> None:
    """Add [tool.newsletter.smtp] for the test server to the project's settings."""
    login = f'user = "{user}"\n' if user else ""
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            f'\n[tool.newsletter.smtp]\nhost = "127.0.0.1"\nport = {port}\n'
            f'security = "{security}"\n{login}'
        )


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The test certificate is trusted, as a private CA is with SSL_CERT_FILE; the password set."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data.replace(b"\r\n", b"\n"), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.usefixtures("trusted")
def test_proof_arrives_with_the_rendered_parts(
    project: Path, server: Server, rendered: Path
) -> None:
    configure(project, server.port)
    result = run(project, "send", "6", "--to", EDITOR)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Sent a proof of issues/{SAMPLE}.md to {EDITOR}.\n"
    assert result.stderr == (
        f"Connecting to 127.0.0.1:{server.port} (starttls)...\n"
        f"Logging in as {USER}...\n"
        f"Sending issues/{SAMPLE}.md to {EDITOR}...\n"
    )
    assert not (project / "out").exists()  # a proof is rendered in memory

    ((mail_from, rcpt_tos, data),) = server.inbox.messages
    assert (mail_from, rcpt_tos) == (SENDER, [EDITOR])
    message = parse(data)
    # Python folds a long header after 'Subject:', and its parser keeps the fold's space
    assert message["Subject"].strip() == (
        "[Proof] ZHAO Long on China-Russia strategic coordination amid great changes"
    )
    assert message["To"] == EDITOR
    assert message["From"] == "SUN Chenghao <sunchenghao@tsinghua.edu.cn>"
    assert message["List-Unsubscribe"] is None
    assert message["List-Id"] is None  # a proof goes to the editor, not to the list
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in message.iter_parts())
    assert text == (rendered / SAMPLE / "email.txt").read_text(encoding="utf-8")
    assert html == (rendered / SAMPLE / "email.html").read_text(encoding="utf-8")

    # each proof is a new message, or mail clients would drop the second as a duplicate
    assert run(project, "send", SAMPLE, "--to", EDITOR).exit_code == 0
    second = parse(server.inbox.messages[1][2])
    assert second["Message-ID"] != message["Message-ID"]


@pytest.mark.usefixtures("trusted")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("auth", [True, False], ids=["auth", "no-auth"])
@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_proof_arrives_whatever_the_security_and_login(
    project: Path, certificate: tuple[Path, Path], security: str, auth: bool
) -> None:
    controller, server = listen(certificate, security, auth)
    try:
        configure(project, server.port, security, USER if auth else None)
        result = run(project, "send", "6", "--to", EDITOR)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    login = f"Logging in as {USER}...\n" if auth else ""
    assert result.stderr == (
        f"Connecting to 127.0.0.1:{server.port} ({security})...\n"
        f"{login}Sending issues/{SAMPLE}.md to {EDITOR}...\n"
    )
    ((mail_from, rcpt_tos, data),) = server.inbox.messages
    assert (mail_from, rcpt_tos) == (SENDER, [EDITOR])
    assert parse(data)["Subject"].strip().startswith("[Proof] ZHAO Long")


@dataclass
class OldInbox(Inbox):
    """A server from before ESMTP: it refuses EHLO, so the client must say HELO."""

    greetings: list[str] = field(default_factory=list)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greetings.append("EHLO")
        return ["502 5.5.2 Command not implemented"]

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        self.greetings.append("HELO")
        session.host_name = hostname
        return "250 127.0.0.1"


@pytest.mark.usefixtures("trusted")
def test_a_server_without_ehlo_is_greeted_with_helo(
    project: Path, certificate: tuple[Path, Path]
) -> None:
    inbox = OldInbox()
    controller, server = listen(certificate, "none", auth=False, handler=inbox)
    try:
        configure(project, server.port, "none", None)
        result = run(project, "send", "6", "--to", EDITOR)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert inbox.greetings == ["EHLO", "HELO"]
    assert len(inbox.messages) == 1


@pytest.mark.usefixtures("trusted")
def test_starttls_on_a_server_without_it_is_one_line(
    project: Path, certificate: tuple[Path, Path]
) -> None:
    controller, server = listen(certificate, "none", auth=False)
    try:
        configure(project, server.port, "starttls", None)
        result = run(project, "send", "6", "--to", EDITOR)
    finally:
        controller.stop()
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: 127.0.0.1:{server.port} does not offer STARTTLS: set security to 'ssl' "
        "(usually port 465) or 'none' in [tool.newsletter.smtp]"
    )
    assert server.inbox.messages == []


@pytest.mark.usefixtures("trusted")
def test_refused_connection_is_one_line(project: Path) -> None:
    port = free_port()
    configure(project, port)
    result = run(project, "send", "6", "--to", EDITOR)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: cannot connect to 127.0.0.1:{port}: connection refused"
    )


@pytest.mark.usefixtures("trusted")
def test_bad_password_is_one_line(
    project: Path, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project, server.port)
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "wrong")
    result = run(project, "send", "6", "--to", EDITOR)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: 127.0.0.1:{server.port} refused the login of editor: "
        "535 5.7.8 Authentication credentials invalid"
    )
    assert server.inbox.messages == []


@pytest.mark.usefixtures("trusted")
def test_rejected_recipient_is_one_line_and_nobody_gets_the_proof(
    project: Path, server: Server
) -> None:
    configure(project, server.port)
    result = run(project, "send", "6", "--to", EDITOR, "--to", "nobody@example.org")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: the server refused nobody@example.org (550 5.1.1 No such user here); "
        "the proof was sent to nobody"
    )
    assert server.inbox.messages == []


def test_untrusted_certificate_is_a_tls_failure(
    project: Path, server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    configure(project, server.port)
    empty = tmp_path / "no-ca.pem"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
    result = run(project, "send", "6", "--to", EDITOR)
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert re.fullmatch(
        rf"Error: TLS with 127\.0\.0\.1:{server.port} failed: self[- ]signed certificate", last
    ), last


@pytest.mark.usefixtures("trusted")
def test_wrong_security_is_a_tls_failure(project: Path, server: Server) -> None:
    configure(project, server.port, security="ssl")
    result = run(project, "send", "6", "--to", EDITOR)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"Error: TLS with 127.0.0.1:{server.port} ")
    assert result.stderr.splitlines()[-1].endswith(
        f"is security 'ssl' right for port {server.port}?"
    )


def test_dry_run_prints_envelope_and_headers(project: Path) -> None:
    configure(project, 587)
    result = run(
        project, "send", "6", "--to", "Ed <editor@example.org>, b@example.org", "--dry-run"
    )
    assert result.exit_code == 0
    output = re.sub(r"(?m)^(Date|Message-ID): .*$", r"\1: …", result.stdout)
    output = re.sub(r"=_newsletter_\w+", "=_newsletter_…", output)
    assert output == (
        f"MAIL FROM:<{SENDER}>\n"
        "RCPT TO:<editor@example.org>\n"
        "RCPT TO:<b@example.org>\n"
        "via: 127.0.0.1:587 (starttls, as editor)\n"
        "\n"
        "From: SUN Chenghao <sunchenghao@tsinghua.edu.cn>\n"
        "Reply-To: sunchenghao@tsinghua.edu.cn\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="=_newsletter_…"\n'
        "Subject: [Proof] ZHAO Long on China-Russia strategic coordination amid great changes\n"
        "To: editor@example.org, b@example.org\n"
        "Date: …\n"
        "Message-ID: …\n"
    )
    assert re.search(r"(?m)^Message-ID: <[^@\s]+@tsinghua\.edu\.cn>$", result.stdout)


def test_password_comes_from_the_environment_only(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project, 587)
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD", raising=False)
    result = run(project, "send", "6", "--to", EDITOR)
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: set NEWSLETTER_SMTP_PASSWORD to the SMTP password of editor\n",
    )
    settings = project / "pyproject.toml"
    with settings.open("a", encoding="utf-8") as handle:
        handle.write('password = "hunter2"\n')
    line = settings.read_text(encoding="utf-8").count("\n")
    result = run(project, "check")
    assert (result.exit_code, result.stdout) == (
        1,
        checked(
            f"pyproject.toml:{line}: smtp.password: the password is never read from a file: "
            "set NEWSLETTER_SMTP_PASSWORD instead"
        ),
    )


def test_smtp_settings_are_checked_with_their_lines(project: Path) -> None:
    settings = project / "pyproject.toml"
    start = settings.read_text(encoding="utf-8").count("\n") + 2
    with settings.open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[tool.newsletter.smtp]\nhots = "mail.example.org"\nport = 70000\nsecurity = "tls"\n'
        )
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stdout == checked(
        f"pyproject.toml:{start}: missing required setting 'smtp.host'\n"
        f"pyproject.toml:{start + 1}: unknown setting 'smtp.hots' (did you mean 'smtp.host'?)\n"
        f"pyproject.toml:{start + 2}: smtp.port: expected a port number (1-65535), got 70000\n"
        f"pyproject.toml:{start + 3}: smtp.security: expected one of starttls, ssl, none, "
        "got 'tls'\n"
    )


def test_without_smtp_settings_send_says_what_to_add(project: Path) -> None:
    result = run(project, "send", "6", "--to", EDITOR)
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: no [tool.newsletter.smtp] in pyproject.toml: add host, port, security and user\n",
    )


@pytest.mark.parametrize("address", ["editor", "editor@localhost", "a b@example.org"])
def test_bad_address_is_one_line(project: Path, address: str) -> None:
    result = run(project, "send", "6", "--to", address)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: not an email address: {address!r}\n",
    )


def test_unknown_issue(project: Path) -> None:
    result = run(project, "send", "42", "--to", EDITOR)
    assert result.stderr == "Error: no issue matches '42': give its number, slug or path\n"


def test_an_empty_host_is_reported(project: Path) -> None:
    settings = project / "pyproject.toml"
    line = settings.read_text(encoding="utf-8").count("\n") + 3
    with settings.open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.newsletter.smtp]\nhost = ""\n')
    result = run(project, "check", "--validate-only")
    assert (result.exit_code, result.stdout) == (
        1,
        checked(
            f"pyproject.toml:{line}: smtp.host: expected a host name such as 'smtp.example.org', "
            "got ''"
        ),
    )
