"""`newsletter publish`: the issue's draft campaign at the email service, created or updated.

A publish never sends and never schedules. It finds the issue's draft again at the service by a
key the issue carries (its feed id, or its number in the campaign's name), so publishing twice,
even from a fresh clone, updates one draft; a campaign of the issue that is no longer a draft is
never touched. One small class per service knows its paths, its body and its error messages.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import click
import httpx

from .config import SERVICES, PublishSettings
from .send import RenderedEmail, render_email

log = logging.getLogger(__name__)

KEY_VARIABLE = "NEWSLETTER_API_KEY"
_REDACTED = f"${KEY_VARIABLE}"  # what --dry-run prints where the key would be
ATTEMPTS = 3  # of a request that may be repeated
BACKOFF = (1.0, 3.0)  # seconds before the second and the third attempt of a GET
MAX_WAIT = 60.0  # the longest Retry-After that is waited for
SHOWN = 80  # characters of a long text (over 300) that --dry-run prints
PAGES = 1000  # a lookup reads at most this many pages of campaigns


class PublishError(click.ClickException):
    """The draft could not be published: one line saying what went wrong and what to do."""


class NotConfigured(PublishError):
    """Raised when the settings or NEWSLETTER_API_KEY are missing or malformed."""


class NoUpload(PublishError):
    """Raised for services that have no draft to upload to (sendgrid, generic)."""


class AuthFailed(PublishError):
    """Raised when the service refuses the key (401, 403)."""


class NotFound(PublishError):
    """Raised when the service does not know the audience, list, template or path (404)."""


class Rejected(PublishError):
    """Raised when the service rejects a request (400, 422), with the service's own message."""


class AlreadySent(PublishError):
    """Raised when the issue's campaign at the service is no longer a draft."""


class ConnectionFailed(PublishError):
    """Raised when the service cannot be reached: refused, unknown host, timed out."""


class TlsFailed(PublishError):
    """Raised when the TLS handshake fails (an untrusted certificate, http and https mixed up)."""


class ServerError(PublishError):
    """Raised when the service answers anything else: a server error, a redirect, no JSON."""


@dataclass(frozen=True)
class Draft:
    """What every service is sent: the issue's email as rendered, and how to find it again."""

    path: str  # the issue's file, for messages
    number: int
    feed_id: str
    url: str  # the issue's web page
    date: str  # ISO 8601
    subject: str
    preheader: str
    title: str
    html: str  # email.html, byte for byte
    text: str  # email.txt
    from_name: str
    from_address: str
    sender: str  # 'Name <address>'
    reply_to: str

    @property
    def key(self) -> str:
        """How a campaign's name starts when it is this issue's: 'Issue 6 — '."""
        return f"Issue {self.number} — "

    @property
    def name(self) -> str:
        """The campaign's name in the service's list of campaigns."""
        return self.key + self.title


@dataclass(frozen=True)
class Call:
    """One request to the service: what --dry-run prints, and what a publish sends."""

    method: str
    path: str  # under the API root; '{id}' stands for the draft's id
    step: str  # the progress line, or '' for none
    what: str  # what is asked, for messages: 'the new draft', 'the lookup'
    params: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None
    missing: str = ""  # the message when the service does not know what the path names

    def at(self, ident: str) -> Call:
        """The call with the draft's id in its path and its progress line."""
        path = self.path.replace("{id}", quote(ident, safe=""))
        return replace(self, path=path, step=self.step.replace("{id}", ident))


@dataclass(frozen=True)
class Found:
    """A campaign of the issue, found at the service."""

    ident: str
    status: str
    editable: bool


class Service:
    """What all services share; each subclass knows one service's paths, bodies and messages."""

    title: ClassVar[str]
    kind: ClassVar[str] = "campaign"  # what the service calls a campaign
    hosted: ClassVar[str] = ""  # the hosted API root, when there is one
    needs: ClassVar[tuple[str, ...]] = ()  # settings that must be in [tool.newsletter.publish]

    def __init__(self, settings: PublishSettings, key: str) -> None:
        self.settings = settings
        self.key = key

    def root(self) -> str:
        """The API root: api_url, else the hosted one."""
        return self.settings.api_url or self.hosted

    def check_key(self) -> None:
        """Raise NotConfigured when the key cannot be this service's."""

    def headers(self, key: str) -> dict[str, str]:
        """The authentication header(s) carrying KEY."""
        raise NotImplementedError

    def redacted(self) -> dict[str, str]:
        """The authentication header(s) as --dry-run prints them: the key's name, not the key."""
        return self.headers(_REDACTED)

    def checks(self) -> list[Call]:
        """Read-only requests that check the settings before anything is written."""
        return []

    def verify(self, call: Call, answer: Any) -> None:
        """Raise when a check's answer shows the settings are wrong."""

    def lookup(self, cursor: str | None) -> Call:
        """The request for one page of the service's campaigns (CURSOR: None for the first)."""
        raise NotImplementedError

    def page(self, answer: Any, seen: int, cursor: str | None) -> tuple[list[Any], str | None]:
        """The campaigns in a lookup's ANSWER, and the cursor of the next page (None: no more)."""
        raise NotImplementedError

    def found(self, item: Any, draft: Draft) -> Found | None:
        """ITEM as a campaign of the draft's issue, or None when it is another's."""
        raise NotImplementedError

    def create(self, draft: Draft) -> list[Call]:
        """The requests that make the draft; later ones use the id the first answers with."""
        raise NotImplementedError

    def update(self, draft: Draft) -> list[Call]:
        """The requests that bring the found draft ('{id}') up to date."""
        raise NotImplementedError

    def created(self, answer: Any) -> str:
        """The new draft's id in the answer to the first create request."""
        return str(answer["id"])

    def not_found(self, status: int, message: str) -> bool:
        """Whether an error answer means that what the path names does not exist."""
        return status == 404

    def error(self, answer: Any) -> str:
        """The service's own message in an error answer's JSON."""
        return ""


def _text(value: Any) -> str:
    """A message from a service on one line."""
    return " ".join(str(value).split())


class Buttondown(Service):
    """Buttondown: POST /emails and PATCH /emails/{id}; the draft is found by its metadata."""

    title = "Buttondown"
    kind = "email"
    hosted = "https://api.buttondown.com/v1"

    def headers(self, key: str) -> dict[str, str]:
        """Buttondown's 'Authorization: Token <key>'."""
        return {"Authorization": f"Token {key}"}

    def lookup(self, cursor: str | None) -> Call:
        """GET /emails, page by page, without the bodies."""
        page = cursor or "1"
        return Call(
            "GET",
            "/emails",
            "Looking for the issue's draft at Buttondown..." if page == "1" else "",
            "the list of emails",
            params=(("excluded_fields", "body"), ("page", page)),
        )

    def page(self, answer: Any, seen: int, cursor: str | None) -> tuple[list[Any], str | None]:
        """A page of emails; 'next' and 'count' say whether there is another."""
        results = list(answer.get("results") or [])
        count = answer.get("count")
        more = bool(answer.get("next")) and bool(results)
        if isinstance(count, int) and seen + len(results) >= count:
            more = False
        return results, str(int(cursor or "1") + 1) if more else None

    def found(self, item: Any, draft: Draft) -> Found | None:
        """The email whose metadata names the issue's feed id; a deleted one does not count."""
        metadata = item.get("metadata") or {}
        status = str(item.get("status") or "")
        if metadata.get("newsletter_id") != draft.feed_id or status == "deleted":
            return None
        return Found(str(item.get("id")), status, status == "draft")

    def _body(self, draft: Draft) -> dict[str, Any]:
        # 'status' defaults to about_to_send, which sends: a draft is asked for by name. The
        # 'naked' template sends the body as it is, without Buttondown's own layout around it.
        return {
            "subject": draft.subject,
            "description": draft.preheader,
            "body": draft.html,
            "status": "draft",
            "template": "naked",
            "canonical_url": draft.url,
            "metadata": {"newsletter_id": draft.feed_id, "newsletter_issue": draft.number},
        }

    def create(self, draft: Draft) -> list[Call]:
        """One POST /emails."""
        step = "Creating the draft at Buttondown..."
        return [Call("POST", "/emails", step, "the new draft", body=self._body(draft))]

    def update(self, draft: Draft) -> list[Call]:
        """One PATCH /emails/{id}."""
        step = "Updating the draft {id} at Buttondown..."
        return [Call("PATCH", "/emails/{id}", step, "the draft", body=self._body(draft))]

    def error(self, answer: Any) -> str:
        """'detail': a sentence, or a list of validation errors."""
        detail = answer.get("detail")
        if isinstance(detail, list):
            return "; ".join(
                f"{'.'.join(str(part) for part in d.get('loc', []))}: {d.get('msg', '')}"
                if isinstance(d, dict)
                else str(d)
                for d in detail
            )
        return str(detail or "")


class Mailchimp(Service):
    """Mailchimp: a campaign, then its content; found by its title among the campaigns."""

    title = "Mailchimp"
    needs = ("audience_id",)

    def root(self) -> str:
        """api_url, else https://<dc>.api.mailchimp.com/3.0 with the key's data centre."""
        if self.settings.api_url:
            return self.settings.api_url
        centre = self.key.rpartition("-")[2] if "-" in self.key else "<dc>"
        return f"https://{centre}.api.mailchimp.com/3.0"

    def check_key(self) -> None:
        """A Mailchimp key ends with its data centre: '...-us19'."""
        if not self.settings.api_url and not re.fullmatch(r".+-[a-z]+[0-9]+", self.key):
            raise NotConfigured(
                f"{KEY_VARIABLE} does not end with a Mailchimp data centre such as '-us19': "
                "copy the whole key from Mailchimp's API keys page"
            )

    def headers(self, key: str) -> dict[str, str]:
        """HTTP Basic with any user name and the key as the password."""
        pair = base64.b64encode(f"newsletter:{key}".encode()).decode("ascii")
        return {"Authorization": f"Basic {pair}"}

    def redacted(self) -> dict[str, str]:
        """The Basic header as it is made, not as it is encoded."""
        return {"Authorization": f"Basic base64(newsletter:{_REDACTED})"}

    def checks(self) -> list[Call]:
        """The audience exists."""
        audience = self.settings.audience_id
        return [
            Call(
                "GET",
                f"/lists/{quote(audience, safe='')}",
                f"Checking audience {audience} at Mailchimp...",
                f"audience {audience}",
                params=(("fields", "id,name"),),
                missing=f"Mailchimp has no audience {audience!r}: check audience_id in "
                "[tool.newsletter.publish]",
            )
        ]

    def lookup(self, cursor: str | None) -> Call:
        """GET /campaigns, a thousand at a time, only the fields the lookup needs."""
        offset = cursor or "0"
        return Call(
            "GET",
            "/campaigns",
            "Looking for the issue's draft at Mailchimp..." if offset == "0" else "",
            "the list of campaigns",
            params=(
                ("type", "regular"),
                ("fields", "campaigns.id,campaigns.status,campaigns.settings.title,total_items"),
                ("count", "1000"),
                ("offset", offset),
                ("sort_field", "create_time"),
                ("sort_dir", "DESC"),
            ),
        )

    def page(self, answer: Any, seen: int, cursor: str | None) -> tuple[list[Any], str | None]:
        """A page of campaigns; 'total_items' says whether there is another."""
        campaigns = list(answer.get("campaigns") or [])
        total = answer.get("total_items")
        more = bool(campaigns) and isinstance(total, int) and seen + len(campaigns) < total
        return campaigns, str(seen + len(campaigns)) if more else None

    def found(self, item: Any, draft: Draft) -> Found | None:
        """The campaign whose title starts 'Issue 6 — '; only a saved one ('save') is a draft."""
        title = str((item.get("settings") or {}).get("title") or "")
        if not title.startswith(draft.key):
            return None
        status = str(item.get("status") or "")
        return Found(str(item.get("id")), status, status == "save")

    def _settings(self, draft: Draft) -> dict[str, Any]:
        return {
            "recipients": {"list_id": self.settings.audience_id},
            "settings": {
                "subject_line": draft.subject,
                "preview_text": draft.preheader,
                "title": draft.name,
                "from_name": draft.from_name,
                "reply_to": draft.reply_to,
            },
        }

    def _content(self, draft: Draft) -> Call:
        return Call(
            "PUT",
            "/campaigns/{id}/content",
            "Setting the content of campaign {id} (HTML and plain text)...",
            "the campaign's content",
            body={"html": draft.html, "plain_text": draft.text},
        )

    def create(self, draft: Draft) -> list[Call]:
        """POST /campaigns (a regular campaign, saved), then its content."""
        body = {"type": "regular", **self._settings(draft)}
        step = "Creating the campaign at Mailchimp..."
        return [
            Call("POST", "/campaigns", step, "the new campaign", body=body),
            self._content(draft),
        ]

    def update(self, draft: Draft) -> list[Call]:
        """PATCH the campaign's settings, then PUT its content."""
        step = "Updating the settings of campaign {id} at Mailchimp..."
        settings = Call(
            "PATCH", "/campaigns/{id}", step, "the campaign", body=self._settings(draft)
        )
        return [settings, self._content(draft)]

    def error(self, answer: Any) -> str:
        """A problem document: title, detail, and each rejected field."""
        parts = [str(answer.get("title") or ""), str(answer.get("detail") or "")]
        for field in answer.get("errors") or []:
            if isinstance(field, dict):
                parts.append(f"{field.get('field', '')}: {field.get('message', '')}")
        return ": ".join(part for part in parts if part)


# listmonk evaluates a campaign's body, alternative body and subject as Go templates, and rewrites
# 'https://…@TrackLink' into a tracked link before that. Everything of ours but its merge tags is
# made a Go string literal there, so readers get the text as it was written.
GO_ACTION = re.compile(r"\{\{|@TrackLink")


def go_literal(text: str, tags: tuple[str, ...]) -> str:
    """TEXT for a Go template: '{{' and '@TrackLink' printed as written, TAGS left to listmonk."""
    tags = tuple(tag for tag in tags if tag)
    kept = re.compile("(" + "|".join(re.escape(tag) for tag in tags) + ")") if tags else None
    parts = kept.split(text) if kept else [text]
    return "".join(
        part
        if kept and kept.fullmatch(part)
        else GO_ACTION.sub(lambda m: '{{"' + m[0] + '"}}', part)
        for part in parts
    )


# A template that adds nothing: listmonk puts the campaign's body where this action is.
PASS_THROUGH = re.compile(r'\s*\{\{-?\s*template\s+"content"\s+\.\s*-?\}\}\s*')


class Listmonk(Service):
    """listmonk (self-hosted): one campaign, created as a draft; found by its name."""

    title = "listmonk"
    needs = ("api_url", "list_ids", "template_id")

    def check_key(self) -> None:
        """A listmonk key is 'api_user:token'."""
        user, _, token = self.key.partition(":")
        if not user or not token:
            raise NotConfigured(
                f"for listmonk, set {KEY_VARIABLE} to the API user and its token: api_user:token"
            )

    def headers(self, key: str) -> dict[str, str]:
        """listmonk's 'Authorization: token api_user:token'."""
        return {"Authorization": f"token {key}"}

    def checks(self) -> list[Call]:
        """Every list exists, and the template passes the email through."""
        calls = [
            Call(
                "GET",
                f"/api/lists/{list_id}",
                f"Checking list {list_id} at listmonk...",
                f"list {list_id}",
                missing=f"listmonk has no list {list_id}: check list_ids in "
                "[tool.newsletter.publish]",
            )
            for list_id in self.settings.list_ids
        ]
        template = self.settings.template_id
        calls.append(
            Call(
                "GET",
                f"/api/templates/{template}",
                f"Checking template {template} at listmonk...",
                f"template {template}",
                missing=f"listmonk has no template {template}: check template_id in "
                "[tool.newsletter.publish]",
            )
        )
        return calls

    def verify(self, call: Call, answer: Any) -> None:
        """The template's whole body is {{ template "content" . }}: it adds nothing."""
        if not call.path.startswith("/api/templates/"):
            return
        data = answer.get("data") or {}
        body = str(data.get("body") or "")
        if data.get("type", "campaign") != "campaign" or not PASS_THROUGH.fullmatch(body):
            raise NotConfigured(
                f"listmonk template {self.settings.template_id} ({data.get('name', '')!r}) adds "
                "its own HTML around the email: point template_id at a campaign template whose "
                'whole body is {{ template "content" . }}'
            )

    def lookup(self, cursor: str | None) -> Call:
        """Every campaign in one page, without bodies."""
        return Call(
            "GET",
            "/api/campaigns",
            "Looking for the issue's draft at listmonk...",
            "the list of campaigns",
            params=(("per_page", "all"), ("no_body", "true")),
        )

    def page(self, answer: Any, seen: int, cursor: str | None) -> tuple[list[Any], str | None]:
        """All campaigns are in the one page."""
        return list((answer.get("data") or {}).get("results") or []), None

    def found(self, item: Any, draft: Draft) -> Found | None:
        """The campaign whose name starts 'Issue 6 — '."""
        if not str(item.get("name") or "").startswith(draft.key):
            return None
        status = str(item.get("status") or "")
        return Found(str(item.get("id")), status, status == "draft")

    def _body(self, draft: Draft) -> dict[str, Any]:
        tags = (SERVICES["listmonk"].unsubscribe, SERVICES["listmonk"].view_online or "")
        body: dict[str, Any] = {
            "name": draft.name,
            "subject": go_literal(draft.subject, ()),
            "lists": list(self.settings.list_ids),
            "from_email": draft.sender,
            "type": "regular",
            "content_type": "html",
            "body": go_literal(draft.html, tags),
            "altbody": go_literal(draft.text, tags),
            "template_id": self.settings.template_id,
            "messenger": "email",
        }
        if draft.reply_to:
            body["headers"] = [{"Reply-To": draft.reply_to}]
        return body

    def create(self, draft: Draft) -> list[Call]:
        """One POST /api/campaigns: listmonk makes every new campaign a draft."""
        step = "Creating the campaign at listmonk..."
        return [Call("POST", "/api/campaigns", step, "the new campaign", body=self._body(draft))]

    def update(self, draft: Draft) -> list[Call]:
        """One PUT /api/campaigns/{id}."""
        step = "Updating campaign {id} at listmonk..."
        return [Call("PUT", "/api/campaigns/{id}", step, "the campaign", body=self._body(draft))]

    def created(self, answer: Any) -> str:
        """The id in {"data": {...}}."""
        return str(answer["data"]["id"])

    def not_found(self, status: int, message: str) -> bool:
        """listmonk answers 400 '... not found' for an unknown list or template."""
        return status == 404 or (status == 400 and "not found" in message.casefold())

    def error(self, answer: Any) -> str:
        """{"message": ...}."""
        return str(answer.get("message") or "")


class Kit(Service):
    """Kit (formerly ConvertKit): a broadcast with send_at null; found by its description."""

    title = "Kit"
    kind = "broadcast"
    hosted = "https://api.kit.com"

    def headers(self, key: str) -> dict[str, str]:
        """Kit's 'X-Kit-Api-Key' header."""
        return {"X-Kit-Api-Key": key}

    def lookup(self, cursor: str | None) -> Call:
        """GET /v4/broadcasts, a thousand at a time."""
        params: tuple[tuple[str, str], ...] = (("per_page", "1000"),)
        if cursor:
            params += (("after", cursor),)
        step = "" if cursor else "Looking for the issue's draft at Kit..."
        return Call("GET", "/v4/broadcasts", step, "the list of broadcasts", params=params)

    def page(self, answer: Any, seen: int, cursor: str | None) -> tuple[list[Any], str | None]:
        """A page of broadcasts; 'pagination' has the cursor of the next."""
        pagination = answer.get("pagination") or {}
        after = pagination.get("end_cursor") if pagination.get("has_next_page") else None
        return list(answer.get("broadcasts") or []), str(after) if after else None

    def found(self, item: Any, draft: Draft) -> Found | None:
        """The broadcast whose description starts 'Issue 6 — '; a draft has no send_at."""
        if not str(item.get("description") or "").startswith(draft.key):
            return None
        status = str(item.get("status") or ("scheduled" if item.get("send_at") else "draft"))
        return Found(str(item.get("id")), status, status == "draft" and not item.get("send_at"))

    def _body(self, draft: Draft) -> dict[str, Any]:
        # send_at null is what makes a broadcast a draft; a time would schedule it.
        body: dict[str, Any] = {
            "subject": draft.subject,
            "preview_text": draft.preheader,
            "description": draft.name,
            "content": draft.html,
            "public": False,
            "published_at": draft.date,
            "send_at": None,
            "email_address": draft.from_address,
        }
        if self.settings.template_id is not None:
            body["email_template_id"] = self.settings.template_id
        return body

    def create(self, draft: Draft) -> list[Call]:
        """One POST /v4/broadcasts."""
        step = "Creating the broadcast at Kit..."
        return [Call("POST", "/v4/broadcasts", step, "the new broadcast", body=self._body(draft))]

    def update(self, draft: Draft) -> list[Call]:
        """One PUT /v4/broadcasts/{id}."""
        step = "Updating broadcast {id} at Kit..."
        return [Call("PUT", "/v4/broadcasts/{id}", step, "the broadcast", body=self._body(draft))]

    def created(self, answer: Any) -> str:
        """The id in {"broadcast": {...}}."""
        return str(answer["broadcast"]["id"])

    def error(self, answer: Any) -> str:
        """{"errors": [...]}."""
        errors = answer.get("errors")
        return "; ".join(str(e) for e in errors) if isinstance(errors, list) else str(errors or "")


UPLOADS: dict[str, type[Service]] = {
    "buttondown": Buttondown,
    "mailchimp": Mailchimp,
    "listmonk": Listmonk,
    "kit": Kit,
}


@dataclass(frozen=True)
class Plan:
    """A publish ready to run: the rendered draft and the service it goes to."""

    draft: Draft
    service: Service

    def requests(self) -> list[str]:
        """Every request a publish would make, key redacted and long texts cut, for --dry-run."""
        service, draft = self.service, self.draft
        lines: list[str] = []
        for call in [*service.checks(), service.lookup(None)]:
            lines += self._show(call)
        lines.append(f"# when {service.title} has no {service.kind} of issue {draft.number}:")
        for call in service.create(draft):
            lines += self._show(call)
        lines.append(f"# when it has the draft of issue {draft.number} (<id>), instead:")
        for call in service.update(draft):
            lines += self._show(call)
        lines.append(f"No request was made (--dry-run); a publish reads {KEY_VARIABLE}.")
        return lines

    def _show(self, call: Call) -> list[str]:
        query = f"?{urlencode(call.params)}" if call.params else ""
        path = call.path.replace("{id}", "<id>")
        lines = [f"{call.method} {self.service.root()}{path}{query}"]
        lines += [f"{name}: {value}" for name, value in self.service.redacted().items()]
        if call.body is not None:
            lines += json.dumps(_shorten(call.body), indent=2, ensure_ascii=False).splitlines()
        return [*lines, ""]


def _shorten(value: Any) -> Any:
    """VALUE with every long text cut to its start and its length."""
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    if isinstance(value, str) and len(value) > 300:
        return f"{value[:SHOWN]}… ({len(value):,} characters)"
    return value


def prepare(root: Path, name: str) -> Plan:
    """Render issue NAME afresh and pair it with the service of the settings."""
    email = render_email(root, name)
    settings, issue = email.settings, email.issue
    service_class = UPLOADS.get(settings.service)
    if service_class is None:
        raise NoUpload(
            f"service {settings.service!r} has no draft upload: after `newsletter render`, upload "
            f"out/{issue.out_dir}/email.html (and email.txt) to it by hand"
        )
    if settings.publish is None and service_class.needs:
        raise NotConfigured(
            f"publishing to {service_class.title} needs [tool.newsletter.publish] in "
            f"pyproject.toml with {', '.join(service_class.needs)} (see README)"
        )
    key = os.environ.get(KEY_VARIABLE, "").strip()  # held, never shown: it is sent only
    return Plan(_draft(email), service_class(settings.publish or PublishSettings(), key))


def _draft(email: RenderedEmail) -> Draft:
    settings, issue = email.settings, email.issue
    from_name, from_address = parseaddr(settings.sender)
    return Draft(
        path=issue.path,
        number=issue.number,
        feed_id=issue.id,
        url=issue.url,
        date=issue.date.isoformat(),
        subject=issue.subject,
        preheader=issue.preheader,
        title=issue.title,
        html=email.html,
        text=email.text,
        from_name=from_name or settings.name,
        from_address=from_address,
        sender=settings.sender,
        reply_to=parseaddr(settings.reply_to)[1] if settings.reply_to else from_address,
    )


@dataclass(frozen=True)
class Published:
    """What a publish did."""

    service: str
    kind: str
    number: int
    ident: str
    created: bool

    def summary(self) -> str:
        """One line for the editor."""
        done = "Created" if self.created else "Updated"
        return (
            f"{done} the draft of issue {self.number} at {self.service} "
            f"({self.kind} {self.ident}); nothing was sent: review it and send it there."
        )


def upload(plan: Plan, progress: Callable[[str], None] = lambda _: None) -> Published:
    """Create, or find and update, the issue's draft at the service; never send it."""
    service, draft = plan.service, plan.draft
    if not service.key:
        raise NotConfigured(f"set {KEY_VARIABLE} to your {service.title} API key")
    service.check_key()
    with _Api(service, progress) as api:
        for call in service.checks():
            answer = api.send(call)
            with _shape(service, call):
                service.verify(call, answer)
        found = _find(api, service, draft)
        if found is not None and not found.editable:
            raise AlreadySent(
                f"issue {draft.number} is already {found.status!r} at {service.title} "
                f"({service.kind} {found.ident}): "
                "publish changes only drafts, so it is left as it is"
            )
        calls = service.update(draft) if found else service.create(draft)
        ident = found.ident if found else ""
        for index, call in enumerate(calls):
            try:
                answer = api.send(call.at(ident))
            except PublishError as exc:
                if index == 0:
                    raise
                done = "updated" if found else "created"
                raise type(exc)(
                    f"{exc.message}; the draft {ident} was {done} without it: "
                    f"`newsletter publish {draft.number}` again finds it and completes it"
                ) from None
            if index == 0 and found is None:
                with _shape(service, call):
                    ident = service.created(answer)
    return Published(service.title, service.kind, draft.number, ident, found is None)


@contextmanager
def _shape(service: Service, call: Call) -> Iterator[None]:
    """Turn an answer that is not shaped as the service documents it into one line."""
    try:
        yield
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise ServerError(
            f"{service.title} answered {call.what} in a shape that publish does not know "
            f"({type(exc).__name__}: {exc}): check api_url"
        ) from None


def _find(api: _Api, service: Service, draft: Draft) -> Found | None:
    """The issue's campaign at the service: one no longer a draft if any, else its draft."""
    matches: list[Found] = []
    cursor: str | None = None
    seen = 0
    for _ in range(PAGES):
        call = service.lookup(cursor)
        answer = api.send(call)
        with _shape(service, call):
            items, cursor = service.page(answer, seen, cursor)
            seen += len(items)
            matches += [
                f for item in items if isinstance(item, dict) and (f := service.found(item, draft))
            ]
        if cursor is None:
            break
    # A sent campaign of the issue wins: publishing it again would be a second send.
    sent = [f for f in matches if not f.editable]
    return sent[0] if sent else (matches[0] if matches else None)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds a 429 or 503 asks to wait, or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Api:
    """The HTTP client: timeouts on every request, retries only where they are safe."""

    def __init__(self, service: Service, progress: Callable[[str], None]) -> None:
        self.service = service
        self.progress = progress
        self.timeout = service.settings.timeout
        root = service.root()
        parts = urlsplit(root)
        self.where = parts.netloc or root
        self.client = httpx.Client(
            base_url=root,
            headers={**service.headers(service.key), "Accept": "application/json"},
            timeout=httpx.Timeout(self.timeout),
            verify=ssl.create_default_context(),
            follow_redirects=False,
        )

    def __enter__(self) -> _Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def send(self, call: Call) -> Any:
        """Make CALL and return its JSON answer; raise a PublishError in one line otherwise."""
        if call.step:
            self.progress(call.step)
        url = self.service.root() + call.path
        for attempt in range(1, ATTEMPTS + 1):
            last = attempt == ATTEMPTS
            try:
                response = self.client.request(
                    call.method, call.path, params=call.params or None, json=call.body
                )
            except httpx.HTTPError as exc:
                # A GET changes nothing, so it may be asked again; a write that got no answer
                # may have been done, and only a new lookup can tell.
                if call.method == "GET" and not last and _transient(exc):
                    self._wait(BACKOFF[attempt - 1])
                    continue
                raise self._transport_error(call, exc) from None
            status = response.status_code
            log.info("%s %s: %s", call.method, url, status)
            if status in (429, 503) and not last:
                wait = _retry_after(response)
                if wait is not None and wait <= MAX_WAIT:
                    self._wait(wait)
                    continue
                if wait is None and call.method == "GET":
                    self._wait(BACKOFF[attempt - 1])
                    continue
            if status in (502, 504) and call.method == "GET" and not last:
                self._wait(BACKOFF[attempt - 1])
                continue
            return self._answer(call, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, seconds: float) -> None:
        log.info("waiting %.1f s before asking %s again", seconds, self.where)
        time.sleep(seconds)

    def _answer(self, call: Call, response: httpx.Response) -> Any:
        service, status = self.service, response.status_code
        try:
            answer = response.json() if response.content.strip() else {}
        except ValueError:
            answer = None
        if 200 <= status < 300:
            if not isinstance(answer, dict):
                raise ServerError(
                    f"{service.title} answered {call.what} with something that is not a JSON "
                    "object: check api_url"
                )
            return answer
        message = _text(service.error(answer) if isinstance(answer, dict) else "")
        said = f"{status} {message or response.reason_phrase}"
        if status in (401, 403):
            raise AuthFailed(f"{service.title} refused the key in {KEY_VARIABLE} ({said})")
        if service.not_found(status, message):
            if call.missing:
                raise NotFound(f"{call.missing} ({said})")
            raise NotFound(
                f"{service.title} has no {call.method} {call.path} ({said}): check api_url"
            )
        if status in (400, 422):
            raise Rejected(f"{service.title} rejected {call.what}: {said}")
        if status == 429:
            wait = _retry_after(response)
            later = f" in {wait:.0f} s" if wait is not None else " later"
            raise ServerError(f"{service.title} is limiting requests ({said}): try again{later}")
        if 300 <= status < 400:
            raise ServerError(
                f"{service.title} answered {call.what} with a redirect ({said}): check api_url"
            )
        raise ServerError(f"{service.title} failed to answer {call.what} ({said})")

    def _transport_error(self, call: Call, exc: httpx.HTTPError) -> PublishError:
        where = self.where
        for cause in _causes(exc):
            if isinstance(cause, ssl.SSLCertVerificationError):
                return TlsFailed(f"TLS with {where} failed: {cause.verify_message}")
            if isinstance(cause, ssl.SSLError):
                return TlsFailed(
                    f"TLS with {where} failed ({cause.reason or cause}): "
                    "does api_url start with the right http:// or https://?"
                )
        maybe = ""
        if call.method != "GET":
            maybe = (
                f"; {call.what} may have been made: `newsletter publish` again finds it, "
                "so it makes no second draft"
            )
        if isinstance(exc, httpx.TimeoutException):
            return ConnectionFailed(f"no answer from {where} in {self.timeout:g} s{maybe}")
        for cause in _causes(exc):
            if isinstance(cause, ConnectionRefusedError):
                return ConnectionFailed(f"cannot connect to {where}: connection refused")
            if isinstance(cause, socket.gaierror):
                host = urlsplit(self.service.root()).hostname
                return ConnectionFailed(f"cannot connect to {where}: unknown host {host}")
        if isinstance(exc, httpx.RemoteProtocolError):
            return ConnectionFailed(f"{where} closed the connection without an answer{maybe}")
        return ConnectionFailed(f"cannot connect to {where}: {_text(exc) or type(exc).__name__}")


def _transient(exc: httpx.HTTPError) -> bool:
    """Whether a failed GET is worth asking again: no answer, or a dropped connection."""
    if isinstance(exc, httpx.TimeoutException | httpx.RemoteProtocolError | httpx.ReadError):
        return not any(isinstance(c, ssl.SSLError) for c in _causes(exc))
    return False
