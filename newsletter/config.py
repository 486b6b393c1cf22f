"""The publication's settings: `[tool.newsletter]` in pyproject.toml, checked against a schema."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import InvalidInput, Problem
from .project import SETTINGS_FILE, misspelt_tables

if TYPE_CHECKING:
    from email.headerregistry import Address


@dataclass(frozen=True)
class Service:
    """An email service's merge tags: what it replaces with a subscriber's own links."""

    unsubscribe: str
    view_online: str | None = None


# The tags each service substitutes at send time. They reach the email exactly as written here.
SERVICES: dict[str, Service] = {
    "mailchimp": Service("*|UNSUB|*", "*|ARCHIVE|*"),
    "buttondown": Service("{{ unsubscribe_url }}"),
    "listmonk": Service("{{ UnsubscribeURL }}", "{{ MessageURL }}"),
    "kit": Service("{{ unsubscribe_url }}"),
    "sendgrid": Service("{{{unsubscribe}}}"),
    "generic": Service(""),  # the tag comes from the `unsubscribe_tag` setting
}


RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"}
)


@dataclass(frozen=True)
class SectionSpec:
    """One section of the issue template."""

    title: str
    required: bool = True

    @property
    def key(self) -> str:
        """The normalised title that headings are matched on."""
        return normalise_title(self.title)


SECURITY = {"starttls": 587, "ssl": 465, "none": 25}  # how to talk to the server -> its usual port


@dataclass(frozen=True)
class SmtpSettings:
    """Where `newsletter send` delivers proofs: [tool.newsletter.smtp]. The password is not here."""

    host: str
    port: int
    security: str = "starttls"
    user: str = ""


@dataclass(frozen=True)
class PublishSettings:
    """Where `newsletter publish` puts the draft: [tool.newsletter.publish]. The key is not here."""

    api_url: str = ""  # the service's API root; '' for its hosted one
    audience_id: str = ""  # Mailchimp
    list_ids: tuple[int, ...] = ()  # listmonk
    template_id: int | None = None  # listmonk (required), Kit (optional)
    timeout: float = 30.0  # seconds for connecting and for each answer


# What each service needs in [tool.newsletter.publish] (besides api_url and timeout), and what it
# may have. Services without an upload (sendgrid, generic) take nothing.
PUBLISH_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "buttondown": ((), ()),
    "mailchimp": (("audience_id",), ()),
    "listmonk": (("api_url", "list_ids", "template_id"), ()),
    "kit": ((), ("template_id",)),
}


@dataclass(frozen=True)
class Settings:
    """Everything about the publication that does not change from issue to issue."""

    root: Path
    name: str
    site_url: str
    sender: str
    tagline: str = ""
    about: str = ""
    contact: str = ""
    language: str = "en"
    editors: tuple[str, ...] = ()
    reply_to: str = ""
    service: str = "generic"
    unsubscribe_tag: str = ""
    view_online_tag: str = ""
    feed_size: int = 20
    sections: tuple[SectionSpec, ...] = ()
    smtp: SmtpSettings | None = None
    publish: PublishSettings | None = None
    robots: bool | str = False  # write out/robots.txt: true, or its rules as text

    @property
    def issues_dir(self) -> Path:
        """Where the editor keeps one Markdown file per issue."""
        return self.root / "issues"

    @property
    def layouts_dir(self) -> Path:
        """Where the Jinja layouts and the stylesheet live."""
        return self.root / "layouts"

    @property
    def merge_tags(self) -> Service:
        """The unsubscribe and view-online tags of the chosen service."""
        if self.service == "generic":
            return Service(self.unsubscribe_tag, self.view_online_tag or None)
        return SERVICES[self.service]

    @property
    def direction(self) -> str:
        """'rtl' for languages written right to left (Arabic, Hebrew, Persian...), else 'ltr'."""
        return "rtl" if self.language.split("-")[0].casefold() in RTL_LANGUAGES else "ltr"

    @property
    def about_paragraphs(self) -> tuple[str, ...]:
        """The standing 'about this newsletter' text, one string per paragraph."""
        return tuple(p.strip() for p in re.split(r"\n\s*\n", self.about) if p.strip())

    def url(self, path: str) -> str:
        """The absolute URL of a path under the site."""
        return self.site_url + path.lstrip("/")


def normalise_title(title: str) -> str:
    """'Why It Matters', 'why it matters' and 'Why  it matters:' are one section."""
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


# --- the schema -----------------------------------------------------------------------------

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Option:
    """One key of `[tool.newsletter]`: its type, whether it is required, and how to check it."""

    kind: type
    required: bool = False
    check: Check | None = None
    item: type | None = None  # for lists: the type of each item


def _absolute_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"expected an absolute http(s) URL, got {value!r}"
    return None


def _address(value: str) -> str | None:
    _name, addr = parseaddr(value)
    if "@" not in addr or any(c in value for c in "\r\n"):
        return f"expected an email address such as 'Name <editor@example.org>', got {value!r}"
    return None


def _optional_address(value: str) -> str | None:
    return _address(value) if value else None


def _language(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        return f"expected a language tag such as 'en' or 'zh-Hans', got {value!r}"
    return None


def _service(value: str) -> str | None:
    if value not in SERVICES:
        return f"expected one of {', '.join(SERVICES)}, got {value!r}"
    return None


def _merge_tag(value: str) -> str | None:
    # The tag goes into an href and the List-Unsubscribe header: one line, and nothing that runs.
    if not value.isprintable():
        return f"expected the merge tag on one line, got {value!r}"
    if re.match(r"\s*(javascript|vbscript|data):", value, re.IGNORECASE):
        return f"expected your service's merge tag or an https:// URL, got {value!r}"
    return None


def _robots(value: object) -> str | None:
    if not isinstance(value, bool | str):
        return f"expected true, false or the rules of robots.txt as text, got {value!r}"
    return None


def _positive(value: int) -> str | None:
    return None if value > 0 else f"expected a positive integer, got {value}"


def _host(value: str) -> str | None:
    if not value.strip() or any(c.isspace() for c in value.strip()):
        return f"expected a host name such as 'smtp.example.org', got {value!r}"
    return None


def _port(value: int) -> str | None:
    return None if 0 < value < 65536 else f"expected a port number (1-65535), got {value}"


def _security(value: str) -> str | None:
    return None if value in SECURITY else f"expected one of {', '.join(SECURITY)}, got {value!r}"


def _no_password(value: str) -> str | None:
    return "the password is never read from a file: set NEWSLETTER_SMTP_PASSWORD instead"


def _no_key(value: Any) -> str | None:
    return "the API key is never read from a file: set NEWSLETTER_API_KEY instead"


def _ids(value: list[int]) -> str | None:
    if not value:
        return "expected at least one id, such as [3]"
    bad = [v for v in value if v <= 0]
    return f"expected positive ids, got {bad[0]}" if bad else None


def _audience(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9]+", value.strip()):
        return f"expected a Mailchimp audience id such as 'a1b2c3d4e5', got {value!r}"
    return None


def _timeout(value: float) -> str | None:
    return None if 0 < value <= 600 else f"expected seconds between 0 and 600, got {value}"


SCHEMA: dict[str, Option] = {
    "name": Option(str, required=True),
    "tagline": Option(str),
    "about": Option(str),
    "contact": Option(str),
    "site_url": Option(str, required=True, check=_absolute_url),
    "language": Option(str, check=_language),
    "editors": Option(list, item=str),
    "sender": Option(str, required=True, check=_address),
    "reply_to": Option(str, check=_optional_address),
    "service": Option(str, check=_service),
    "unsubscribe_tag": Option(str, check=_merge_tag),
    "view_online_tag": Option(str, check=_merge_tag),
    "feed_size": Option(int, check=_positive),
    "sections": Option(list, item=dict),
    "smtp": Option(dict),
    "publish": Option(dict),
    "robots": Option(object, check=_robots),
}

SMTP_SCHEMA: dict[str, Option] = {
    "host": Option(str, required=True, check=_host),
    "port": Option(int, check=_port),
    "security": Option(str, check=_security),
    "user": Option(str),
    "password": Option(str, check=_no_password),
}

PUBLISH_SCHEMA: dict[str, Option] = {
    "api_url": Option(str, check=_absolute_url),
    "audience_id": Option(str, check=_audience),
    "list_ids": Option(list, check=_ids, item=int),
    "template_id": Option(int, check=_positive),
    "timeout": Option(float, check=_timeout),
    "api_key": Option(str, check=_no_key),
    "key": Option(str, check=_no_key),
    "token": Option(str, check=_no_key),
}

SECTION_KEYS = {"title": str, "required": bool}

DEFAULT_SECTIONS = (
    SectionSpec("Summary"),
    SectionSpec("Why It Matters"),
    SectionSpec("Key Points"),
    SectionSpec("Conclusion", required=False),
    SectionSpec("About the Author"),
    SectionSpec("About the Publication"),
)

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    float: "a number",
}


def closest(word: str, choices: list[str]) -> str | None:
    """The choice that WORD is most likely a misspelling of, or None when none is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: list[str]) -> str:
    """A ' (did you mean 'x'?)' hint, or nothing when no choice is close."""
    close = closest(word, choices)
    return f" (did you mean {close!r}?)" if close is not None else ""


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers of the keys of [tool.newsletter], for messages (tomllib keeps no positions).

    Keys of a sub-table such as [tool.newsletter.smtp] are recorded as 'smtp.host'.
    """
    lines: dict[str, int] = {}
    prefix: str | None = None  # None: outside [tool.newsletter] and its sub-tables
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            name = header.group(1)
            prefix = None
            if name == "tool.newsletter":
                prefix = ""
            elif name.startswith("tool.newsletter."):
                prefix = name.removeprefix("tool.newsletter.") + "."
            if prefix is not None:
                lines.setdefault(prefix.rstrip("."), number)
            continue
        key = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)
        if prefix is not None and key:
            lines.setdefault(prefix + key.group(1), number)
    return lines


def settings_line(root: Path, key: str, value: str = "") -> int | None:
    """The line of KEY of [tool.newsletter] in ROOT's pyproject.toml, or of the first line from
    there that quotes VALUE (a section's title in `sections`); None when KEY is not set."""
    try:
        text = (root / SETTINGS_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    start = _key_lines(text).get(key)
    if start is None or not value:
        return start
    rows = text.splitlines()
    quoted = (f'"{value}"', f"'{value}'")
    return next(
        (i + 1 for i in range(start - 1, len(rows)) if any(q in rows[i] for q in quoted)), start
    )


def _type_ok(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check_table(
    table: dict[str, Any],
    schema: dict[str, Option],
    prefix: str,
    report: Callable[[str, str], None],
) -> dict[str, Any]:
    """The values of TABLE that match SCHEMA; every other key is reported (as PREFIX + key)."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = prefix + key
        option = schema.get(key)
        if option is None:
            hint = did_you_mean(name, [prefix + known for known in schema])
            report(name, f"unknown setting {name!r}{hint}")
            continue
        if not _type_ok(value, option.kind):
            report(name, f"{name}: expected {_TYPE_NAMES[option.kind]}, got {value!r}")
            continue
        if option.item is not None and not all(_type_ok(v, option.item) for v in value):
            report(name, f"{name}: every item must be {_TYPE_NAMES[option.item]}")
            continue
        invalid = option.check(value) if option.check else None
        if invalid:
            report(name, f"{name}: {invalid}")
            continue
        values[key] = value
    for key, option in schema.items():
        if option.required and key not in table:
            report(prefix.rstrip("."), f"missing required setting {prefix + key!r}")
    return values


def load_settings(root: Path) -> Settings:
    """Read and check `[tool.newsletter]` of ROOT/pyproject.toml; raise InvalidInput on errors."""
    path = root / SETTINGS_FILE
    shown = SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput([Problem(shown, 1, f"no {SETTINGS_FILE} in {root}")]) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(shown, 1, f"not valid UTF-8 ({exc.reason})")]) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 1
        raise InvalidInput([Problem(shown, line, f"TOML syntax error: {exc}")]) from None

    tool = document.get("tool")
    table = tool.get("newsletter") if isinstance(tool, dict) else None
    misspelt = [Problem(shown, line, message) for line, message in misspelt_tables(document, text)]
    if not isinstance(table, dict):
        message = "no [tool.newsletter] table: add one with the publication's settings (see README)"
        raise InvalidInput(misspelt or [Problem(shown, 1, message)])

    lines = _key_lines(text)
    problems: list[Problem] = misspelt  # [tool.newsleter.smtp] beside [tool.newsletter]

    def report(key: str, message: str) -> None:
        line = lines.get(key) or lines.get(key.rpartition(".")[0]) or lines.get("", 1)
        problems.append(Problem(shown, line, message))

    values = _check_table(table, SCHEMA, "", report)
    if "smtp" in values:
        smtp = _check_table(values["smtp"], SMTP_SCHEMA, "smtp.", report)
        security = smtp.get("security", "starttls")
        values["smtp"] = SmtpSettings(
            host=smtp.get("host", ""),
            port=smtp.get("port", SECURITY.get(security, 0)),
            security=security,
            user=smtp.get("user", ""),
        )

    if "publish" in values:
        values["publish"] = _publish(values["publish"], table.get("service", "generic"), report)

    if "sections" in values:
        sections: list[SectionSpec] = []
        for entry in values["sections"]:
            for k, v in entry.items():
                if k not in SECTION_KEYS:
                    hint = did_you_mean(k, list(SECTION_KEYS))
                    report("sections", f"sections: unknown key {k!r}{hint}")
                elif not isinstance(v, SECTION_KEYS[k]):
                    report("sections", f"sections: {k} must be {_TYPE_NAMES[SECTION_KEYS[k]]}")
            if not isinstance(entry.get("title"), str) or not entry["title"].strip():
                report("sections", "sections: every section needs a title")
                continue
            sections.append(SectionSpec(entry["title"], bool(entry.get("required", True))))
        keys = [s.key for s in sections]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            report("sections", f"sections: {key!r} is listed twice")
        values["sections"] = tuple(sections)

    service = values.get("service", "generic" if "service" not in table else None)
    if service == "generic" and not table.get("unsubscribe_tag"):  # a bad one: reported
        report(
            "service",
            "service 'generic' needs unsubscribe_tag: the merge tag your email service "
            "replaces with the unsubscribe link",
        )

    if problems:
        raise InvalidInput(problems)

    site_url = values.pop("site_url")
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    return Settings(
        root=root,
        site_url=site_url if site_url.endswith("/") else site_url + "/",
        editors=tuple(values.pop("editors", ())),
        sections=values.pop("sections", DEFAULT_SECTIONS),
        **values,
    )


def _publish(
    table: dict[str, Any], service: Any, report: Callable[[str, str], None]
) -> PublishSettings:
    """[tool.newsletter.publish], checked against what the chosen service needs."""
    publish = _check_table(table, PUBLISH_SCHEMA, "publish.", report)
    if service in PUBLISH_KEYS:
        required, optional = PUBLISH_KEYS[service]
        for key in required:
            if key not in table:
                report(
                    "publish", f"missing required setting 'publish.{key}' for service {service!r}"
                )
        foreign = set(publish) - {"api_url", "timeout", *required, *optional}
        for key in sorted(foreign):
            users = [name for name, (req, opt) in PUBLISH_KEYS.items() if key in req + opt]
            report(
                f"publish.{key}",
                f"publish.{key} is for {' and '.join(users)}, not {service!r}: remove it",
            )
    elif isinstance(service, str) and service in SERVICES:
        report("publish", f"service {service!r} has no upload: remove [tool.newsletter.publish]")
    return PublishSettings(
        api_url=publish.get("api_url", "").strip().rstrip("/"),
        audience_id=publish.get("audience_id", "").strip(),
        list_ids=tuple(publish.get("list_ids", ())),
        template_id=publish.get("template_id"),
        timeout=float(publish.get("timeout", 30.0)),
    )


def sender_address(value: str) -> Address:
    """Parse 'Name <addr@host>' into an Address for the message headers."""
    from email.headerregistry import Address  # imported here: only messages need it

    name, addr = parseaddr(value)
    username, _, domain = addr.partition("@")
    return Address(display_name=name, username=username, domain=domain)
