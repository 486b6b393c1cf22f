"""The email for every service, merge tags unmangled; the MIME message, standard and safe."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from .conftest import SAMPLE, run

# The tag each service replaces with a reader's unsubscribe link, as its docs write it.
SERVICES = {
    "mailchimp": "*|UNSUB|*",
    "buttondown": "{{ unsubscribe_url }}",
    "listmonk": "{{ UnsubscribeURL }}",
    "kit": "{{ unsubscribe_url }}",
    "sendgrid": "{{{unsubscribe}}}",
    "generic": "%unsubscribe_url%",  # Mailgun's, given in settings as unsubscribe_tag
}


def set_service(project: Path, service: str) -> None:
    """Switch the project's settings to SERVICE (the generic one with Mailgun's tag)."""
    path = project / "pyproject.toml"
    settings = path.read_text(encoding="utf-8")
    chosen = f'service = "{service}"'
    if service == "generic":
        chosen += f'\nunsubscribe_tag = "{SERVICES["generic"]}"'
    path.write_text(settings.replace('service = "mailchimp"', chosen), encoding="utf-8")


def retitle(project: Path, title: str) -> None:
    """Give the sample issue TITLE (a YAML double-quoted string) as its title and subject."""
    path = project / "issues" / f"{SAMPLE}.md"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith(("title:", "subject:"))]
    lines.insert(3, f"title: {title}\n")
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_unsubscribe_tag_survives_for_every_service(project: Path, service: str) -> None:
    set_service(project, service)
    assert run(project, "render", "6").exit_code == 0
    tag = SERVICES[service]
    html = (project / "out" / SAMPLE / "email.html").read_text(encoding="utf-8")
    text = (project / "out" / SAMPLE / "email.txt").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert tag in hrefs
    assert f"Unsubscribe: {tag}\n" in text
    # nothing URL-encoded or half-replaced is left behind by the inlining
    assert "merge-tag.invalid" not in html
    assert not any("%7C" in h or "%7B" in h or "%20" in h for h in hrefs)
    raw = (project / "out" / SAMPLE / "email.eml").read_bytes()
    assert email.message_from_bytes(raw, policy=email.policy.default)["List-Unsubscribe"] == (
        f"<{tag}>"
    )


def test_a_cjk_subject_is_encoded_and_decodes_back(project: Path) -> None:
    retitle(project, '"赵隆, 大变局下的中俄战略协作 (China-Russia Strategic Coordination)"')
    assert run(project, "render", "6").exit_code == 0
    raw = (project / "out" / SAMPLE / "email.eml").read_bytes()
    assert raw.isascii()  # every header RFC 2047-encoded, both parts quoted-printable
    subject = re.search(rb"^Subject: (.*(?:\n[ \t].*)*)", raw, re.M)
    assert subject and b"=?utf-8?" in subject.group(1)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert (
        message["Subject"] == "赵隆, 大变局下的中俄战略协作 (China-Russia Strategic Coordination)"
    )
    text_part, html_part = message.iter_parts()
    assert text_part.get_content() == (project / "out" / SAMPLE / "email.txt").read_text("utf-8")
    assert html_part.get_content() == (project / "out" / SAMPLE / "email.html").read_text("utf-8")


def test_a_newline_in_the_title_stays_in_the_subject(project: Path) -> None:
    retitle(project, '"Coordination\\r\\nBcc: everyone@example.org\\nX-Evil: 1"')
    assert run(project, "render", "6").exit_code == 0
    raw = (project / "out" / SAMPLE / "email.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Coordination Bcc: everyone@example.org X-Evil: 1"
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert not re.search(rb"^(Bcc|X-Evil):", raw, re.M)


def test_the_eml_carries_the_standard_headers(project: Path) -> None:
    assert run(project, "render", "6").exit_code == 0
    raw = (project / "out" / SAMPLE / "email.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    assert message["Reply-To"] == "sunchenghao@tsinghua.edu.cn"
    assert message.defects == [] and all(p.defects == [] for p in message.iter_parts())


def set_setting(project: Path, old: str, new: str) -> None:
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def list_id_of(project: Path) -> bytes:
    """The List-Id header of issue 6's email.eml as written: its raw, folded bytes."""
    assert run(project, "render", "6").exit_code == 0
    raw = (project / "out" / SAMPLE / "email.eml").read_bytes()
    found = re.search(rb"^List-Id: .*(?:\n[ \t].*)*\n", raw, re.M)
    assert found, raw[:600]
    return found.group()


def test_the_eml_names_its_list_by_the_host_of_the_site(project: Path) -> None:
    # RFC 2919: a phrase, then a dot-atom list-id in angle brackets
    assert list_id_of(project) == b"List-Id: ChinAffairs+ <chinaffairs.example>\n"


@pytest.mark.parametrize(
    ("name", "site_url", "header", "decoded"),
    [
        (
            'The "Week" (in China), <b>',
            "http://localhost:8000/",
            b'List-Id: "The \\"Week\\" (in China), <b>" <the-week-in-china-b.localhost>\n',
            '"The \\"Week\\" (in China), <b>" <the-week-in-china-b.localhost>',
        ),
        (
            "中国观察, Weekly <x>",
            "https://例子.中国/news/",
            b"List-Id: =?utf-8?b?5Lit5Zu96KeC5a+fLCBXZWVrbHkgPHg+?= <xn--fsqu00a.xn--fiqs8s>\n",
            "中国观察, Weekly <x> <xn--fsqu00a.xn--fiqs8s>",
        ),
        (
            "Über Weekly",
            "https://127.0.0.1/",
            b"List-Id: =?utf-8?q?=C3=9Cber_Weekly?= <uber-weekly.localhost>\n",
            "Über Weekly <uber-weekly.localhost>",
        ),
    ],
    ids=["specials", "cjk-idn", "ip-address"],
)
def test_the_list_id_is_quoted_or_encoded_and_always_a_dot_atom(
    project: Path, name: str, site_url: str, header: bytes, decoded: str
) -> None:
    set_setting(project, 'name = "ChinAffairs+"', f"name = '{name}'")  # a TOML literal string
    set_setting(project, 'site_url = "https://chinaffairs.example/"', f'site_url = "{site_url}"')
    raw = list_id_of(project)
    assert raw == header
    message = email.message_from_bytes(raw + b"\n", policy=email.policy.default)
    assert message["List-Id"] == decoded
