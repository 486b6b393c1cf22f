"""The email: layout, CSS inlined by premailer, merge tags kept intact; and its MIME message."""

from __future__ import annotations

import binascii
import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Callable
from email import policy
from email.header import Header
from email.utils import format_datetime, formataddr
from urllib.parse import urlsplit

import jinja2

from . import layouts
from .config import Settings, sender_address
from .content import RenderedIssue
from .inline import inline_css

# premailer URL-encodes '|', '{' and spaces inside href attributes, which would break merge tags
# such as *|UNSUB|* or {{ unsubscribe_url }}. The layout gets these stand-ins, which premailer
# leaves alone, and the real tags are put back after inlining.
STAND_INS = {
    "unsubscribe": "https://merge-tag.invalid/unsubscribe",
}


def render_document(env: jinja2.Environment, rendered: RenderedIssue, settings: Settings) -> str:
    """The email's layout, before its CSS is inlined, with stand-ins for the merge tags."""
    return layouts.render_issue(env, settings, "email.html", rendered, STAND_INS["unsubscribe"])


def with_merge_tags(inlined: str, settings: Settings) -> str:
    """The inlined email with the service's merge tags in place of their stand-ins."""
    tags = {"unsubscribe": settings.merge_tags.unsubscribe}
    for name, stand_in in STAND_INS.items():
        inlined = inlined.replace(stand_in, html.escape(tags[name]))
    return inlined


def render_html(
    env: jinja2.Environment,
    rendered: RenderedIssue,
    settings: Settings,
    inline: Callable[[str], str] = inline_css,
) -> str:
    """The upload-ready HTML email: layout, inlined CSS (by INLINE), the service's merge tags."""
    return with_merge_tags(inline(render_document(env, rendered, settings)), settings)


def render_text(env: jinja2.Environment, rendered: RenderedIssue, settings: Settings) -> str:
    """The plain-text part of the email."""
    unsubscribe = settings.merge_tags.unsubscribe
    return layouts.render_issue(env, settings, "email.txt", rendered, unsubscribe)


# RFC 2919: a list-id is a dot-atom with at least one dot, 255 characters at most.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LIST_ID = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})+")


def _host(settings: Settings) -> str:
    """The host of site_url in ASCII: an internationalised name in punycode; '' when none."""
    host = urlsplit(settings.site_url).hostname or ""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def list_id(settings: Settings) -> str:
    """The list's identifier (RFC 2919): the host of site_url, such as 'chinaffairs.example'."""
    host = _host(settings)
    if LIST_ID.fullmatch(host) and len(host) <= 255 and not host.replace(".", "").isdigit():
        return host
    # A host without a dot (localhost) or an IP address: RFC 2919's namespace for the unregistered.
    ascii_name = unicodedata.normalize("NFKD", settings.name).encode("ascii", "ignore").decode()
    label = re.sub(r"[^a-z0-9]+", "-", ascii_name.casefold()).strip("-") or "newsletter"
    return f"{label[:200]}.localhost"


def list_id_header(settings: Settings) -> bytes:
    """'List-Id: ChinAffairs+ <chinaffairs.example>', folded, the name encoded when not ASCII."""
    name = " ".join("".join(c if c.isprintable() else " " for c in settings.name).split())
    ident = list_id(settings)
    if name.isascii():  # quoted when it has specials: formataddr knows the rules
        return policy.default.fold_binary("List-Id", formataddr((name, ident)))
    # The email package would decode and re-encode an encoded word, word by word, exposing any
    # specials in the name; one encoded phrase, folded by Header, keeps the name one phrase.
    phrase = Header(name, "utf-8", header_name="List-Id").encode(linesep="\n")
    last = len(phrase.rpartition("\n")[2]) + len("List-Id: ") * ("\n" not in phrase)
    gap = " " if last + len(ident) + 3 <= 78 else "\n "
    return f"List-Id: {phrase}{gap}<{ident}>\n".encode("ascii")


def message(rendered: RenderedIssue, settings: Settings, text: str, body: str) -> bytes:
    """The MIME message: multipart/alternative, text part first, headers only from settings."""
    issue = rendered.issue
    host = _host(settings) or "localhost"
    # Written with LF line ends, as .eml files on disk are; smtplib converts to CRLF when sending.
    # Header values are single-line by construction (the loader folds whitespace), and the
    # email package refuses CR/LF in a header value besides, so content cannot add headers.
    folded = [_header("Subject", issue.subject), _header("From", settings.sender, address=True)]
    if settings.reply_to:
        folded.append(_header("Reply-To", settings.reply_to, address=True))
    folded.append(_header("Date", format_datetime(issue.date)))
    message_id = f"<issue-{issue.number}.{issue.date.date().isoformat()}@{host}>"
    folded.append(_header("Message-ID", message_id))
    folded.append(list_id_header(settings))  # see there
    unsubscribe = settings.merge_tags.unsubscribe
    if unsubscribe:
        folded.append(_header("List-Unsubscribe", f"<{unsubscribe}>"))
    folded.append(_header("MIME-Version", "1.0"))
    # A fixed boundary keeps the file byte-identical between runs; '=_' cannot occur in
    # quoted-printable data, so it cannot collide with the parts.
    boundary = "=_newsletter_" + hashlib.sha256((text + body).encode("utf-8")).hexdigest()[:24]
    folded.append(_header("Content-Type", f'multipart/alternative; boundary="{boundary}"'))
    # The email package encodes and folds the headers; the two parts are written here, with
    # binascii's quoted-printable encoder (C): the package's own is pure Python, and was a
    # third of an issue's rendering time besides its CSS inlining.
    parts = b"".join(
        f'--{boundary}\nContent-Type: text/{subtype}; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n\n".encode("ascii")
        + binascii.b2a_qp(content.encode("utf-8"), istext=True)
        + b"\n"
        for subtype, content in (("plain", text), ("html", body))
    )
    return b"".join(folded) + b"\n" + parts + f"--{boundary}--\n".encode("ascii")


@functools.lru_cache(maxsize=64)
def _header(name: str, value: str, address: bool = False) -> bytes:
    """One header line, parsed, encoded and folded by the email package (VALUE an ADDRESS of the
    settings' 'Name <addr@host>' form). The settings' (From, Reply-To, List-Unsubscribe) are the
    same in every message: they are made once."""
    parsed = sender_address(value) if address else value
    return bytes(policy.default.fold_binary(*policy.default.header_store_parse(name, parsed)))
