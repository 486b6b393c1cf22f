"""`newsletter publish`: the issue's draft at Buttondown (Prism, from the vendor's OpenAPI file),
Mailchimp, listmonk and Kit (fakes that enforce their documentation), created once, then updated;
never sent; every failure one line; the key never shown."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import logging
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from newsletter import publish
from newsletter.config import PublishSettings

from .conftest import ROOT, SAMPLE, copy_sample, run
from .services import (
    BUTTONDOWN_SPEC,
    ButtondownFake,
    Fake,
    KitFake,
    ListmonkFake,
    MailchimpFake,
    PrismFront,
    answer,
    go_execute,
)

KEY = "sk-test-7f3a9c1e5b"  # distinctive, so that any leak of it is found
AUDIENCE = "a1b2c3d4e5"
PASS_THROUGH = '{{ template "content" . }}'
PRISM = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "prism"
NAME = "Issue 6 — ZHAO Long on China-Russia Strategic Coordination in the context of Great Changes"
SUBJECT = "ZHAO Long on China-Russia strategic coordination amid great changes"
PREHEADER = (
    "China-Russia relations are propelled by a tripartite motivation encompassing "
    "self-perception, shared understanding, and external pressures."
)
UNSUBSCRIBE = "https://lists.example.org/subscription/u-123"


def configure(project: Path, service: str, **publish_settings: Any) -> None:
    """Set the project's service and its [tool.newsletter.publish] table."""
    path = project / "pyproject.toml"
    text = re.sub(r'^service = ".*"$', f'service = "{service}"', path.read_text(), flags=re.M)
    if publish_settings:
        text += "\n[tool.newsletter.publish]\n" + "".join(
            f"{key} = {json.dumps(value)}\n" for key, value in publish_settings.items()
        )
    path.write_text(text, encoding="utf-8")


def rendered_email(project: Path) -> tuple[str, str]:
    """email.html and email.txt of issue 6 as `newsletter render` writes them."""
    result = run(project, "render", "6", "-o", "rendered")
    assert result.exit_code == 0, result.output
    folder = project / "rendered" / SAMPLE
    html, text = ((folder / n).read_text(encoding="utf-8") for n in ("email.html", "email.txt"))
    shutil.rmtree(project / "rendered")
    return html, text


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    """NEWSLETTER_API_KEY set; retries do not wait."""
    monkeypatch.setenv("NEWSLETTER_API_KEY", KEY)
    monkeypatch.setattr(publish, "BACKOFF", (0.0, 0.0))
    return KEY


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 for one fake service."""
    httpserver = HTTPServer(host="127.0.0.1")
    httpserver.start()
    yield httpserver
    httpserver.clear()
    if httpserver.is_running():
        httpserver.stop()


def serve(server: HTTPServer, fake: Fake) -> str:
    """Let FAKE answer every request to SERVER; its root URL."""
    server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    return server.url_for("").rstrip("/")


@dataclass
class Case:
    """One service set up against its fake."""

    fake: Fake
    settings: dict[str, Any]
    key: str = KEY


def make(service: str, url: str) -> Case:
    """The fake of SERVICE and the settings that point the project at it."""
    if service == "buttondown":
        return Case(ButtondownFake(KEY), {"api_url": url})
    if service == "mailchimp":
        return Case(MailchimpFake(KEY, AUDIENCE), {"api_url": url, "audience_id": AUDIENCE})
    if service == "listmonk":
        fake = ListmonkFake(f"editor:{KEY}", (3, 4), {5: PASS_THROUGH, 1: "<html>{{ x }}</html>"})
        settings = {"api_url": url, "list_ids": [3, 4], "template_id": 5}
        return Case(fake, settings, f"editor:{KEY}")
    return Case(KitFake(KEY), {"api_url": url, "template_id": 2})


def drafts(fake: Fake) -> list[dict[str, Any]]:
    """The campaigns the fake holds."""
    for name in ("emails", "campaigns", "broadcasts"):
        if hasattr(fake, name):
            return list(getattr(fake, name).values())
    raise AssertionError(fake)


# --- Buttondown against Prism -------------------------------------------------------------------


@dataclass
class Prism:
    """Prism mocking Buttondown's OpenAPI description, and its log."""

    url: str
    log: Path

    def mark(self) -> int:
        """Where the log ends now."""
        return len(self.log.read_text(encoding="utf-8", errors="replace"))

    def since(self, mark: int) -> str:
        """What Prism logged after MARK."""
        return self.log.read_text(encoding="utf-8", errors="replace")[mark:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    """Prism on 127.0.0.1, started once for the session (.ci/run installs it)."""
    if not PRISM.exists():
        pytest.fail(f"Prism is not installed: run .ci/run (it installs it into {PRISM.parent})")
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(BUTTONDOWN_SPEC)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while "Prism is listening" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Prism did not start:\n{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield Prism(f"http://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def request_violations(log: str) -> list[str]:
    """Prism's complaints about requests (its complaints about Buttondown's own examples of
    responses are not ours)."""
    return [
        line
        for line in log.splitlines()
        if "Violation: request" in line or "did not pass the validation rules" in line
    ]


def prism_requests(log: str) -> list[str]:
    """'METHOD /path' of each request Prism received."""
    return [
        f"{m[1].upper()} {m[2]}"
        for m in re.finditer(r"\[HTTP SERVER\] (\w+) (\S+) .*Request received", log)
    ]


@pytest.mark.usefixtures("key")
def test_buttondown_draft_is_created_against_prism(project: Path, prism: Prism) -> None:
    configure(project, "buttondown", api_url=prism.url)
    mark = prism.mark()
    result = run(project, "publish", "6")
    assert result.exit_code == 0, result.output
    log = prism.since(mark)
    assert request_violations(log) == []
    # Prism answers the lookup with the description's example email, which is not this issue's
    assert prism_requests(log) == ["GET /emails", "POST /emails"]
    assert result.stderr == (
        "Looking for the issue's draft at Buttondown...\nCreating the draft at Buttondown...\n"
    )
    # Prism's example email has the id 'string'
    assert result.stdout == (
        "Created the draft of issue 6 at Buttondown (email string); nothing was sent: "
        "review it and send it there.\n"
    )


@pytest.mark.usefixtures("key")
def test_buttondown_second_publish_updates_the_draft_through_prism(
    project: Path, prism: Prism, server: HTTPServer
) -> None:
    front = PrismFront(prism.url)
    configure(project, "buttondown", api_url=serve(server, front))
    html, _text = rendered_email(project)
    mark = prism.mark()
    first = run(project, "publish", "6")
    assert first.exit_code == 0, first.output
    fresh = copy_sample(project.parent / "fresh-clone")  # nothing of the first run is left here
    shutil.copy(project / "pyproject.toml", fresh / "pyproject.toml")
    second = run(fresh, "publish", "6")
    assert second.exit_code == 0, second.output

    log = prism.since(mark)
    assert request_violations(log) == []
    assert prism_requests(log) == [
        "GET /emails",
        "POST /emails",
        "GET /emails",
        "PATCH /emails/" + next(iter(front.emails)),
    ]
    (email,) = front.emails.values()
    assert second.stdout.startswith(
        f"Updated the draft of issue 6 at Buttondown (email {email['id']})"
    )
    assert second.stderr.splitlines()[-1] == f"Updating the draft {email['id']} at Buttondown..."
    for seen in front.writes():
        assert seen.body["status"] == "draft"
        assert seen.body["body"] == html
        assert seen.body["template"] == "naked"
        assert (
            seen.body["metadata"]["newsletter_id"] == "tag:chinaffairs.example,2024-10-07:issue-6"
        )
        assert (seen.body["subject"], seen.body["description"]) == (SUBJECT, PREHEADER)
    assert front.sending == []


# --- every service, end to end ------------------------------------------------------------------

SERVICES = ["buttondown", "mailchimp", "listmonk", "kit"]


@pytest.mark.parametrize("service", SERVICES)
def test_draft_is_created_then_updated(
    service: str, project: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make(service, server.url_for("").rstrip("/"))
    serve(server, case.fake)
    monkeypatch.setenv("NEWSLETTER_API_KEY", case.key)
    configure(project, service, **case.settings)
    html, text = rendered_email(project)

    first = run(project, "publish", "6")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Created the draft of issue 6")
    # a second publish, from a fresh clone: the draft is found at the service
    fresh = copy_sample(project.parent / "fresh-clone")
    shutil.copy(project / "pyproject.toml", fresh / "pyproject.toml")
    second = run(fresh, "publish", "6")
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("Updated the draft of issue 6")

    (draft,) = drafts(case.fake)
    assert case.fake.sending == []
    fake = case.fake
    if isinstance(fake, ButtondownFake):
        assert (draft["subject"], draft["description"], draft["body"]) == (SUBJECT, PREHEADER, html)
        assert draft["status"] == "draft"
    elif isinstance(fake, MailchimpFake):
        assert draft["settings"] == {
            "subject_line": SUBJECT,
            "preview_text": PREHEADER,
            "title": NAME,
            "from_name": "SUN Chenghao",
            "reply_to": "sunchenghao@tsinghua.edu.cn",
        }
        assert draft["status"] == "save"
        assert fake.content[draft["id"]] == {"html": html, "plain_text": text}
        assert [f"{s.method} {s.path}" for s in fake.writes()] == [
            "POST /campaigns",
            "PUT /campaigns/c101/content",
            "PATCH /campaigns/c101",
            "PUT /campaigns/c101/content",
        ]
    elif isinstance(fake, ListmonkFake):
        assert (draft["name"], draft["subject"], draft["status"]) == (NAME, SUBJECT, "draft")
        assert draft["from_email"] == "SUN Chenghao <sunchenghao@tsinghua.edu.cn>"
        assert draft["headers"] == [{"Reply-To": "sunchenghao@tsinghua.edu.cn"}]
        assert (draft["lists"], draft["template_id"], draft["content_type"]) == ([3, 4], 5, "html")
        # what readers get once listmonk has run the body as a Go template
        tag = "{{ UnsubscribeURL }}"
        assert go_execute(draft["body"], UNSUBSCRIBE) == html.replace(tag, UNSUBSCRIBE)
        assert go_execute(draft["altbody"], UNSUBSCRIBE) == text.replace(tag, UNSUBSCRIBE)
    else:
        assert isinstance(fake, KitFake)
        assert (draft["subject"], draft["preview_text"], draft["content"]) == (
            SUBJECT,
            PREHEADER,
            html,
        )
        assert (draft["description"], draft["send_at"], draft["public"]) == (NAME, None, False)
        assert draft["email_address"] == "sunchenghao@tsinghua.edu.cn"
        assert draft["email_template_id"] == 2


@pytest.mark.parametrize("service", SERVICES)
def test_merge_tags_arrive_as_written(
    service: str, project: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make(service, server.url_for("").rstrip("/"))
    serve(server, case.fake)
    monkeypatch.setenv("NEWSLETTER_API_KEY", case.key)
    configure(project, service, **case.settings)
    issue = project / "issues" / f"{SAMPLE}.md"
    # text that a template language would take for its own: it must reach readers as written
    literal = (
        "Write {{ .Subscriber.Email }}, {{ unsubscribe_url }} or https://x.org/a@TrackLink {{ open"
    )
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("## Summary", f"{literal}\n\n## Summary", 1),
        encoding="utf-8",
    )
    html, text = rendered_email(project)
    tag = {"buttondown": "{{ unsubscribe_url }}", "kit": "{{ unsubscribe_url }}"}.get(
        service, {"mailchimp": "*|UNSUB|*", "listmonk": "{{ UnsubscribeURL }}"}.get(service, "")
    )
    assert f'href="{tag}"' in html and tag in text

    result = run(project, "publish", "6")
    assert result.exit_code == 0, result.output
    (draft,) = drafts(case.fake)
    if isinstance(case.fake, ListmonkFake):
        shown = go_execute(draft["body"], UNSUBSCRIBE)
        assert literal in shown
        assert shown == html.replace(tag, UNSUBSCRIBE)
        assert literal in go_execute(draft["altbody"], UNSUBSCRIBE).replace("\n", " ")
    elif isinstance(case.fake, MailchimpFake):
        assert case.fake.content[draft["id"]]["html"] == html
    else:
        assert draft.get("body", draft.get("content")) == html


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_can_send_or_schedule(service: str) -> None:
    settings = PublishSettings(
        api_url="https://x.invalid", audience_id=AUDIENCE, list_ids=(3,), template_id=5
    )
    target = publish.UPLOADS[service](settings, "user:key-us1")
    draft = publish.Draft(
        "issues/x.md",
        6,
        "tag:x,2024:6",
        "https://x/6/",
        "2024-10-07T00:00:00+00:00",
        "S",
        "P",
        "T",
        "<p>h</p>",
        "t",
        "N",
        "a@x.org",
        "N <a@x.org>",
        "a@x.org",
    )
    calls = [*target.checks(), target.lookup(None), *target.create(draft), *target.update(draft)]
    for call in calls:
        assert not re.search(r"/(send-draft|publish|actions|status|test|schedule)\b", call.path), (
            call
        )
        body = call.body or {}
        if service == "buttondown" and call.method != "GET":
            assert body["status"] == "draft"
        if service == "kit" and call.method != "GET":
            assert "send_at" in body and body["send_at"] is None
        assert "send_at" not in body or body["send_at"] is None
        assert "status" not in body or body["status"] == "draft"


# --- failures -----------------------------------------------------------------------------------

WRONG_KEY = {
    "buttondown": "Error: Buttondown refused the key in NEWSLETTER_API_KEY (401 Invalid token.)",
    "mailchimp": "Error: Mailchimp refused the key in NEWSLETTER_API_KEY (401 API Key Invalid: "
    "Your API key may be invalid, or you've attempted to access the wrong datacenter.)",
    "listmonk": "Error: listmonk refused the key in NEWSLETTER_API_KEY "
    "(403 invalid API credentials)",
    "kit": "Error: Kit refused the key in NEWSLETTER_API_KEY (401 The access token is invalid)",
}


@pytest.mark.parametrize("service", SERVICES)
def test_wrong_key_is_one_line(
    service: str, project: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make(service, server.url_for("").rstrip("/"))
    serve(server, case.fake)
    monkeypatch.setenv("NEWSLETTER_API_KEY", "editor:wrong" if service == "listmonk" else "wrong")
    configure(project, service, **case.settings)
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == WRONG_KEY[service]
    assert case.fake.writes() == []


def failing(project: Path, server: HTTPServer, service: str, **settings: Any) -> tuple[Case, str]:
    """A project pointed at SERVICE's fake, with SETTINGS changed; the fake and its URL."""
    url = server.url_for("").rstrip("/")
    case = make(service, url)
    serve(server, case.fake)
    configure(project, service, **{**case.settings, **settings})
    return case, url


@pytest.mark.usefixtures("key")
def test_unknown_audience_is_one_line(project: Path, server: HTTPServer) -> None:
    case, _ = failing(project, server, "mailchimp", audience_id="zzz999")
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Checking audience zzz999 at Mailchimp...",
        "Error: Mailchimp has no audience 'zzz999': check audience_id in [tool.newsletter.publish] "
        "(404 Resource Not Found: The requested resource could not be found.)",
    ]
    assert case.fake.writes() == []


def test_unknown_list_is_one_line(
    project: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, _ = failing(project, server, "listmonk", list_ids=[3, 9])
    monkeypatch.setenv("NEWSLETTER_API_KEY", case.key)
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: listmonk has no list 9: check list_ids in [tool.newsletter.publish] "
        "(400 List not found)"
    )
    assert case.fake.writes() == []


def test_listmonk_template_that_wraps_the_email_is_refused(
    project: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, _ = failing(project, server, "listmonk", template_id=1)
    monkeypatch.setenv("NEWSLETTER_API_KEY", case.key)
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: listmonk template 1 ('Template 1') adds its own HTML around the email: point "
        'template_id at a campaign template whose whole body is {{ template "content" . }}'
    )
    assert case.fake.writes() == []


@pytest.mark.usefixtures("key")
def test_rejected_field_shows_the_service_message(project: Path, server: HTTPServer) -> None:
    case, _ = failing(project, server, "kit", template_id=77)
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: Kit rejected the new broadcast: 422 Email template not found"
    )
    assert drafts(case.fake) == []


@pytest.mark.usefixtures("key")
def test_rejected_validation_lists_each_field(project: Path, server: HTTPServer) -> None:
    case, _ = failing(project, server, "buttondown")
    detail = [{"type": "string_too_long", "loc": ["body", "subject"], "msg": "at most 2000"}]
    case.fake.fail("POST", "/emails", answer(422, {"detail": detail}))
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: Buttondown rejected the new draft: 422 body.subject: at most 2000"
    )
    assert drafts(case.fake) == []


class Silent:
    """A server that accepts connections and never answers; it counts them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        for connection in self.accepted:
            connection.close()
        self.sock.close()


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = Silent()
    yield server
    server.close()


@pytest.mark.usefixtures("key")
def test_timeout_is_one_line_after_the_lookup_is_asked_three_times(
    project: Path, silent: Silent
) -> None:
    configure(project, "buttondown", api_url=f"http://127.0.0.1:{silent.port}", timeout=0.5)
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[-1] == f"Error: no answer from 127.0.0.1:{silent.port} in 0.5 s"
    )
    assert len(silent.accepted) == 3  # a GET is safe to repeat


@pytest.mark.usefixtures("key")
def test_write_that_gets_no_answer_is_not_repeated(project: Path, server: HTTPServer) -> None:
    case, _ = failing(project, server, "kit")
    case.fake.fail("POST", "/v4/broadcasts", answer(503, {"errors": ["Service Unavailable"]}))
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: Kit failed to answer the new broadcast (503 Service Unavailable)"
    )
    assert [s.method for s in case.fake.requests] == ["GET", "POST"]


@pytest.mark.usefixtures("key")
def test_rate_limit_is_waited_for_as_retry_after_says(project: Path, server: HTTPServer) -> None:
    case, _ = failing(project, server, "buttondown")
    limited = answer(429, {"detail": "Too many requests."}, {"Retry-After": "0"})
    case.fake.fail("POST", "/emails", limited)
    case.fake.fail("GET", "/emails", answer(503, {"detail": "down"}, {"Retry-After": "0"}))
    result = run(project, "publish", "6")
    assert result.exit_code == 0, result.output
    assert [s.method for s in case.fake.requests] == ["GET", "GET", "POST", "POST"]
    assert len(drafts(case.fake)) == 1


@pytest.mark.usefixtures("key")
def test_refused_connection_is_one_line(project: Path) -> None:
    port = free_port()
    configure(project, "kit", api_url=f"http://127.0.0.1:{port}")
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: cannot connect to 127.0.0.1:{port}: connection refused"
    )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
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
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
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


@pytest.mark.usefixtures("key")
def test_untrusted_certificate_is_a_tls_failure(
    project: Path, certificate: tuple[Path, Path]
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    tls = HTTPServer(host="127.0.0.1", ssl_context=context)
    tls.start()
    try:
        fake = KitFake(KEY)
        tls.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
        configure(project, "kit", api_url=f"https://127.0.0.1:{tls.port}")
        result = run(project, "publish", "6")
    finally:
        tls.stop()
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert re.fullmatch(
        rf"Error: TLS with 127\.0\.0\.1:{tls.port} failed: self[- ]signed certificate", last
    ), last
    assert fake.requests == []


@pytest.mark.parametrize("service", ["mailchimp", "buttondown"])
def test_sent_campaign_is_never_changed(
    service: str, project: Path, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, _ = failing(project, server, service)
    monkeypatch.setenv("NEWSLETTER_API_KEY", case.key)
    fake = case.fake
    if isinstance(fake, MailchimpFake):
        fake.campaigns["c7"] = {
            "id": "c7",
            "type": "regular",
            "status": "sent",
            "settings": {"title": "Issue 6 — an earlier title"},
        }
        message = "Error: issue 6 is already 'sent' at Mailchimp (campaign c7): "
    else:
        assert isinstance(fake, ButtondownFake)
        fake.emails["em_7"] = {
            "id": "em_7",
            "status": "sent",
            "subject": "Old",
            "metadata": {"newsletter_id": "tag:chinaffairs.example,2024-10-07:issue-6"},
        }
        message = "Error: issue 6 is already 'sent' at Buttondown (email em_7): "
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == message + (
        "publish changes only drafts, so it is left as it is"
    )
    assert fake.writes() == []


@pytest.mark.usefixtures("key")
def test_two_step_upload_that_fails_halfway_is_completed_by_the_next_publish(
    project: Path, server: HTTPServer
) -> None:
    case, _ = failing(project, server, "mailchimp")
    fake = case.fake
    assert isinstance(fake, MailchimpFake)
    fake.fail(
        "PUT",
        r"/campaigns/[^/]+/content",
        answer(500, {"title": "Internal Server Error", "status": 500, "detail": "Try again."}),
    )
    first = run(project, "publish", "6")
    assert first.exit_code == 1
    assert first.stderr.splitlines()[-1] == (
        "Error: Mailchimp failed to answer the campaign's content (500 Internal Server Error: "
        "Try again.); the draft c101 was created without it: `newsletter publish 6` again finds "
        "it and completes it"
    )
    assert fake.content == {}
    second = run(project, "publish", "6")
    assert second.exit_code == 0, second.output
    assert list(fake.campaigns) == ["c101"]
    assert "html" in fake.content["c101"]
    assert second.stderr.splitlines()[-2:] == [
        "Updating the settings of campaign c101 at Mailchimp...",
        "Setting the content of campaign c101 (HTML and plain text)...",
    ]


# --- --dry-run, the key, services without an upload ---------------------------------------------


@pytest.mark.usefixtures("key")
def test_dry_run_prints_the_requests_and_makes_none(project: Path, silent: Silent) -> None:
    configure(project, "buttondown", api_url=f"http://127.0.0.1:{silent.port}")
    result = run(project, "publish", "6", "--dry-run")
    assert result.exit_code == 0, result.output
    assert silent.accepted == []
    lines = result.stdout.splitlines()
    root = f"http://127.0.0.1:{silent.port}"
    assert lines[:3] == [
        f"GET {root}/emails?excluded_fields=body&page=1",
        "Authorization: Token $NEWSLETTER_API_KEY",
        "",
    ]
    assert lines[3:6] == [
        "# when Buttondown has no email of issue 6:",
        f"POST {root}/emails",
        "Authorization: Token $NEWSLETTER_API_KEY",
    ]
    assert f"PATCH {root}/emails/<id>" in lines
    body = json.loads("\n".join(lines[6 : lines.index("", 6)]))
    assert body["status"] == "draft"
    assert re.fullmatch(r"<!DOCTYPE html>.{65}… \(\d\d,\d{3} characters\)", body["body"], re.S)
    assert lines[-1] == "No request was made (--dry-run); a publish reads NEWSLETTER_API_KEY."
    assert KEY not in result.output


def test_dry_run_of_mailchimp_shows_the_data_centre_of_the_key(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLETTER_API_KEY", "0123abcd-us19")
    configure(project, "mailchimp", audience_id=AUDIENCE)
    result = run(project, "publish", "6", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        f"GET https://us19.api.mailchimp.com/3.0/lists/{AUDIENCE}?fields=id%2Cname",
        "Authorization: Basic base64(newsletter:$NEWSLETTER_API_KEY)",
    ]
    assert "0123abcd" not in result.output


@pytest.mark.parametrize("service", SERVICES)
def test_key_is_never_printed_logged_or_written(
    service: str,
    project: Path,
    server: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    case, _ = failing(project, server, service)
    monkeypatch.setenv("NEWSLETTER_API_KEY", case.key)
    encoded = base64.b64encode(f"newsletter:{KEY}".encode()).decode()
    outputs = []
    with caplog.at_level(logging.DEBUG):
        outputs.append(run(project, "publish", "6", "--dry-run").output)
        outputs.append(run(project, "publish", "6").output)  # created
        monkeypatch.setenv("NEWSLETTER_API_KEY", case.key + "x")
        outputs.append(run(project, "publish", "6").output)  # refused
    assert "Created" in outputs[1] and "refused the key" in outputs[2]
    sent = json.dumps(case.fake.requests[0].headers)
    assert KEY in sent or encoded in sent  # it did go to the service
    for text in [*outputs, caplog.text]:
        assert KEY not in text and encoded not in text
    for path in project.parent.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert KEY.encode() not in data and encoded.encode() not in data, path


@pytest.mark.parametrize("service", ["sendgrid", "generic"])
def test_services_without_an_upload_say_which_file_to_upload(service: str, project: Path) -> None:
    configure(project, service)
    if service == "generic":
        path = project / "pyproject.toml"
        tag = 'service = "generic"\nunsubscribe_tag = "%unsubscribe_url%"'
        path.write_text(path.read_text().replace('service = "generic"', tag), encoding="utf-8")
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: service {service!r} has no draft upload: after `newsletter render`, upload "
        f"out/{SAMPLE}/email.html (and email.txt) to it by hand\n"
    )


def test_key_is_required(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSLETTER_API_KEY", raising=False)
    configure(project, "kit")
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr == "Error: set NEWSLETTER_API_KEY to your Kit API key\n"


@pytest.mark.parametrize(
    ("service", "key_value", "message"),
    [
        (
            "mailchimp",
            "nodatacentre",
            "Error: NEWSLETTER_API_KEY does not end with a Mailchimp data "
            "centre such as '-us19': copy the whole key from Mailchimp's API keys page",
        ),
        (
            "listmonk",
            "token-only",
            "Error: for listmonk, set NEWSLETTER_API_KEY to the API user and "
            "its token: api_user:token",
        ),
    ],
)
def test_malformed_key_is_one_line(
    service: str, key_value: str, message: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLETTER_API_KEY", key_value)
    settings: dict[str, Any] = {"audience_id": AUDIENCE}
    if service == "listmonk":
        settings = {"api_url": "https://lists.example.org", "list_ids": [3], "template_id": 5}
    configure(project, service, **settings)
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert key_value not in result.stderr


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "table", "message"),
    [
        (
            "mailchimp",
            {"audiense_id": AUDIENCE},
            "unknown setting 'publish.audiense_id' (did you mean 'publish.audience_id'?)",
        ),
        (
            "mailchimp",
            {"audience_id": AUDIENCE, "api_key": "x"},
            "publish.api_key: the API key is never read from a file: "
            "set NEWSLETTER_API_KEY instead",
        ),
        (
            "listmonk",
            {"api_url": "https://l.example.org", "list_ids": [3]},
            "missing required setting 'publish.template_id' for service 'listmonk'",
        ),
        (
            "listmonk",
            {"api_url": "https://l.example.org", "list_ids": [], "template_id": 5},
            "publish.list_ids: expected at least one id, such as [3]",
        ),
        (
            "kit",
            {"audience_id": AUDIENCE},
            "publish.audience_id is for mailchimp, not 'kit': remove it",
        ),
        (
            "kit",
            {"api_url": "api.kit.com"},
            "publish.api_url: expected an absolute http(s) URL, got 'api.kit.com'",
        ),
        ("kit", {"timeout": "30"}, "publish.timeout: expected a number, got '30'"),
    ],
)
def test_publish_settings_are_checked(
    service: str, table: dict[str, Any], message: str, project: Path
) -> None:
    configure(project, service, **table)
    lines = (project / "pyproject.toml").read_text().splitlines()
    result = run(project, "check", "--validate-only")
    assert result.exit_code == 1
    problems = dict(  # check prints its problems on stdout, before its count
        (said, int(where.rpartition(":")[2]))
        for where, _, said in (line.partition(": ") for line in result.stdout.splitlines()[:-1])
    )
    assert message in problems, result.stdout
    assert lines[problems[message] - 1].startswith(("[tool.newsletter.publish]", *table))


def test_mailchimp_without_its_table_says_what_is_needed(project: Path) -> None:
    result = run(project, "publish", "6")  # the sample project's service is mailchimp
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: publishing to Mailchimp needs [tool.newsletter.publish] in pyproject.toml with "
        "audience_id (see README)\n"
    )


def test_mailchimp_root_comes_from_the_key() -> None:
    service = publish.Mailchimp(PublishSettings(audience_id=AUDIENCE), "0123abcd-us19")
    assert service.root() == "https://us19.api.mailchimp.com/3.0"
    explicit = publish.Mailchimp(PublishSettings(api_url="http://127.0.0.1:1"), "0123abcd-us19")
    assert explicit.root() == "http://127.0.0.1:1"


@pytest.mark.usefixtures("key")
def test_api_url_that_is_not_the_api_is_one_line(project: Path, server: HTTPServer) -> None:
    server.expect_request(re.compile(".*")).respond_with_data(
        "<!DOCTYPE html><title>Welcome</title>", content_type="text/html"
    )
    configure(project, "buttondown", api_url=server.url_for("").rstrip("/"))
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: Buttondown answered the list of emails with something that is not a JSON object: "
        "check api_url"
    )


@pytest.mark.usefixtures("key")
def test_answer_of_another_shape_is_one_line(project: Path, server: HTTPServer) -> None:
    server.expect_request(re.compile(".*")).respond_with_json({"results": [{"metadata": [1]}]})
    configure(project, "buttondown", api_url=server.url_for("").rstrip("/"))
    result = run(project, "publish", "6")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: Buttondown answered the list of emails in a shape that publish does not know "
        "(AttributeError: 'list' object has no attribute 'get'): check api_url"
    )
