"""Email services' APIs as their documentation describes them, for the tests of `publish`.

Each fake keeps its campaigns in memory, answers on a real HTTP server (pytest-httpserver) and
enforces what the service's own reference says: paths, the authentication header's shape, the
required fields and their types, the status codes and bodies of its errors. Each rule names the
page it comes from. A fake also notes every request that would send or schedule a campaign, in
`sending`; the tests assert that list stays empty.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug import Request, Response

SPECS = Path(__file__).resolve().parent.parent.parent / "shared" / "specs"
BUTTONDOWN_SPEC = SPECS / "buttondown-openapi.json"


@dataclass(frozen=True)
class Seen:
    """One request as the service received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


class Fake:
    """What every fake shares: the record of requests, scripted failures, the dispatch."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.requests: list[Seen] = []
        self.sending: list[str] = []
        # (method, path regex) -> responses to give instead, in order, before the real one
        self.failures: list[tuple[str, str, Response]] = []
        self.ids = itertools.count(101)

    def fail(self, method: str, path: str, response: Response) -> None:
        """Answer the next METHOD on a path matching PATH with RESPONSE (a scripted outage)."""
        self.failures.append((method, path, response))

    def handle(self, request: Request) -> Response:
        """Record REQUEST, then answer it as the service would."""
        body = request.get_json(silent=True) if request.get_data() else None
        seen = Seen(
            request.method,
            request.path,
            {k: request.args.getlist(k) for k in request.args},
            dict(request.headers),
            body,
        )
        self.requests.append(seen)
        for index, (method, path, response) in enumerate(self.failures):
            if method == seen.method and re.fullmatch(path, seen.path):
                del self.failures[index]
                return response
        denied = self.authenticate(seen)
        if denied is not None:
            return denied
        return self.route(seen)

    def authenticate(self, seen: Seen) -> Response | None:
        """An error response when the request's credentials are wrong, else None."""
        raise NotImplementedError

    def route(self, seen: Seen) -> Response:
        """The answer to an authenticated request."""
        raise NotImplementedError

    def writes(self) -> list[Seen]:
        """The requests that changed something."""
        return [s for s in self.requests if s.method != "GET"]


# --- Buttondown ---------------------------------------------------------------------------------
# Rules from Buttondown's OpenAPI description (../shared/specs/buttondown-openapi.json, the copy of
# buttondown/docs public/openapi.json) and its prose pages in the same repository.


def _buttondown_validator(schema: str) -> Draft202012Validator:
    spec = json.loads(BUTTONDOWN_SPEC.read_text(encoding="utf-8"))
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:buttondown", resource)
    return Draft202012Validator(
        {"$ref": f"urn:buttondown#/components/schemas/{schema}"}, registry=registry
    )


class ButtondownFake(Fake):
    """Buttondown's /emails, stateful."""

    page_size = 100

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.emails: dict[str, dict[str, Any]] = {}
        self.create_schema = _buttondown_validator("EmailInput")
        self.update_schema = _buttondown_validator("EmailUpdateInput")

    def authenticate(self, seen: Seen) -> Response | None:
        # api-authentication.mdoc: "passing the token key in the Authorization HTTP header,
        # prepended with the string `Token `"; openapi.json: 401 answers an ErrorMessage.
        if seen.headers.get("Authorization") != f"Token {self.key}":
            return answer(401, {"code": "invalid_token", "detail": "Invalid token."})
        return None

    def route(self, seen: Seen) -> Response:
        # openapi.json paths: POST /emails/{id}/send-draft and /publish send an email.
        if re.fullmatch(r"/emails/[^/]+/(send-draft|publish)", seen.path):
            self.sending.append(f"{seen.method} {seen.path}")
            return answer(200, {})
        if seen.path == "/emails" and seen.method == "GET":
            return self._list(seen)
        if seen.path == "/emails" and seen.method == "POST":
            return self._create(seen)
        match = re.fullmatch(r"/emails/([^/]+)", seen.path)
        if match and seen.method == "PATCH":
            return self._update(match[1], seen)
        return answer(404, {"detail": "Not found."})

    def _invalid(self, validator: Draft202012Validator, body: Any) -> Response | None:
        # openapi.json: a body that does not match the schema is a 422 ValidationErrorMessage.
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        if not errors:
            return None
        detail = [{"type": e.validator, "loc": ["body", *e.path], "msg": e.message} for e in errors]
        return answer(422, {"detail": detail})

    def _sends(self, seen: Seen, status: Any) -> None:
        # EmailInput.status: "default": "about_to_send"; drafting-emails-via-the-api.mdoc: "The
        # 'Status' must be set as 'Draft'"; 'about_to_send' and 'scheduled' send it.
        if status != "draft":
            self.sending.append(f"{seen.method} {seen.path} with status {status!r}")

    def _list(self, seen: Seen) -> Response:
        # api-pagination.mdoc: number-based pages, 'next' is null on the last page.
        # openapi.json: the 'excluded_fields' items are EmailExcludableField ('body').
        if any(f != "body" for f in seen.query.get("excluded_fields", [])):
            return answer(422, {"detail": [{"type": "enum", "loc": ["query"], "msg": "bad"}]})
        page = int(seen.query.get("page", ["1"])[0])
        emails = list(self.emails.values())
        chunk = emails[(page - 1) * self.page_size : page * self.page_size]
        more = page * self.page_size < len(emails)
        if "body" in seen.query.get("excluded_fields", []):
            chunk = [{k: v for k, v in e.items() if k != "body"} for e in chunk]
        return answer(
            200,
            {
                "results": chunk,
                "count": len(emails),
                "next": f"http://buttondown.invalid/v1/emails?page={page + 1}" if more else None,
                "previous": None,
            },
        )

    def _create(self, seen: Seen) -> Response:
        invalid = self._invalid(self.create_schema, seen.body)
        if invalid is not None:
            return invalid
        self._sends(seen, seen.body.get("status", "about_to_send"))
        ident = f"em_{next(self.ids):026d}"
        self.emails[ident] = {"id": ident, "status": "draft", "metadata": {}, **seen.body}
        return answer(201, self.emails[ident])

    def _update(self, ident: str, seen: Seen) -> Response:
        if ident not in self.emails:
            return answer(404, {"detail": "Not found."})
        invalid = self._invalid(self.update_schema, seen.body)
        if invalid is not None:
            return invalid
        if "status" in seen.body:
            self._sends(seen, seen.body["status"])
        self.emails[ident].update(seen.body)
        return answer(200, self.emails[ident])


# --- Mailchimp ----------------------------------------------------------------------------------
# Rules from Mailchimp's Marketing API reference, https://mailchimp.com/developer/marketing/ ...,
# and its SDK mailchimp/mailchimp-marketing-python (mailchimp_marketing/api/campaigns_api.py names
# each method's path, verb and parameters).

MAILCHIMP_ERRORS = "https://mailchimp.com/developer/marketing/docs/errors/"


def _problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    # .../docs/errors/: every error is a problem document with type, title, status, detail.
    body = {"type": MAILCHIMP_ERRORS, "title": title, "status": status, "detail": detail}
    return answer(status, {**body, "instance": "00000000-0000-0000-0000-000000000000", **extra})


class MailchimpFake(Fake):
    """Mailchimp's /lists/{id} and /campaigns, stateful."""

    def __init__(self, key: str, audience: str) -> None:
        super().__init__(key)
        self.audience = audience
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.content: dict[str, dict[str, Any]] = {}

    def authenticate(self, seen: Seen) -> Response | None:
        # .../docs/fundamentals/#connecting-to-the-api: HTTP Basic, any user name, the API key
        # as the password; .../docs/errors/: a wrong key is 401 'API Key Invalid'.
        header = seen.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        try:
            _user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            password = ""
        if scheme != "Basic" or password != self.key:
            return _problem(
                401,
                "API Key Invalid",
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
            )
        return None

    def route(self, seen: Seen) -> Response:
        # campaigns_api.py: send, schedule and test are POST /campaigns/{id}/actions/...
        if re.fullmatch(r"/campaigns/[^/]+/actions/.+", seen.path):
            self.sending.append(f"{seen.method} {seen.path}")
            return answer(204, {})
        match = re.fullmatch(r"/lists/([^/]+)", seen.path)
        if match and seen.method == "GET":
            # .../api/lists/get-list-info/; .../docs/errors/: 404 'Resource Not Found'.
            if match[1] != self.audience:
                return _problem(
                    404, "Resource Not Found", "The requested resource could not be found."
                )
            return answer(200, {"id": self.audience, "name": "Readers"})
        if seen.path == "/campaigns" and seen.method == "GET":
            return self._list(seen)
        if seen.path == "/campaigns" and seen.method == "POST":
            return self._create(seen)
        match = re.fullmatch(r"/campaigns/([^/]+)(/content)?", seen.path)
        if match and match[1] not in self.campaigns:
            return _problem(404, "Resource Not Found", "The requested resource could not be found.")
        if match and match[2] and seen.method == "PUT":
            return self._set_content(match[1], seen)
        if match and not match[2] and seen.method == "PATCH":
            return self._update(match[1], seen)
        return _problem(405, "Method Not Allowed", "The requested method is not allowed.")

    def _invalid(self, errors: list[tuple[str, str]]) -> Response:
        # .../docs/errors/: 400 'Invalid Resource' lists each rejected field.
        return _problem(
            400,
            "Invalid Resource",
            "The resource submitted could not be validated. For field-specific details, see "
            "the 'errors' array.",
            errors=[{"field": f, "message": m} for f, m in errors],
        )

    def _check_settings(self, settings: Any, required: tuple[str, ...]) -> list[tuple[str, str]]:
        # .../api/campaigns/add-campaign/ and update-campaign-settings/: settings.subject_line,
        # preview_text, title, from_name and reply_to are strings; reply_to is an email address;
        # updating the settings requires subject_line, from_name and reply_to.
        errors = []
        if not isinstance(settings, dict):
            return [("settings", "Required fields were not provided: settings")]
        for field in ("subject_line", "preview_text", "title", "from_name", "reply_to"):
            if field in settings and not isinstance(settings[field], str):
                errors.append((f"settings.{field}", "Schema describes string"))
        for field in required:
            if not settings.get(field):
                errors.append((f"settings.{field}", f"Required fields were not provided: {field}"))
        if "@" not in str(settings.get("reply_to", "@")):
            errors.append(("settings.reply_to", "This value should be a valid email."))
        return errors

    def _create(self, seen: Seen) -> Response:
        # .../api/campaigns/add-campaign/: 'type' is required, one of regular, plaintext,
        # absplit, rss, variate; recipients.list_id names an audience. A new campaign is saved
        # ('save'), not sent.
        body = seen.body if isinstance(seen.body, dict) else {}
        errors = []
        if body.get("type") not in ("regular", "plaintext", "absplit", "rss", "variate"):
            errors.append(("type", "Schema describes enum"))
        list_id = (body.get("recipients") or {}).get("list_id")
        if list_id != self.audience:
            errors.append(("recipients.list_id", "The list id is invalid."))
        errors += self._check_settings(body.get("settings", {}), ())
        if errors:
            return self._invalid(errors)
        ident = f"c{next(self.ids)}"
        self.campaigns[ident] = {
            "id": ident,
            "type": body["type"],
            "status": "save",
            "recipients": body["recipients"],
            "settings": body.get("settings", {}),
        }
        return answer(200, self.campaigns[ident])

    def _update(self, ident: str, seen: Seen) -> Response:
        campaign = self.campaigns[ident]
        body = seen.body if isinstance(seen.body, dict) else {}
        errors = self._check_settings(
            body.get("settings"), ("subject_line", "from_name", "reply_to")
        )
        if errors:
            return self._invalid(errors)
        if campaign["status"] != "save":
            # .../docs/errors/: 400 'Bad Request' for an action the resource's state forbids.
            return _problem(400, "Bad Request", "This campaign cannot be updated once it is sent.")
        campaign["settings"].update(body["settings"])
        campaign["recipients"] = body.get("recipients", campaign["recipients"])
        return answer(200, campaign)

    def _set_content(self, ident: str, seen: Seen) -> Response:
        # .../api/campaign-content/set-campaign-content/: 'html' (the raw HTML) and
        # 'plain_text' are strings; without plain_text Mailchimp makes one itself.
        body = seen.body if isinstance(seen.body, dict) else {}
        bad = [(f, "Schema describes string") for f in ("html", "plain_text") if f in body]
        bad = [b for b in bad if not isinstance(body[b[0]], str)]
        if bad:
            return self._invalid(bad)
        if self.campaigns[ident]["status"] != "save":
            return _problem(400, "Bad Request", "This campaign cannot be updated once it is sent.")
        self.content[ident] = body
        return answer(200, {"html": body.get("html", ""), "plain_text": body.get("plain_text")})

    def _list(self, seen: Seen) -> Response:
        # .../api/campaigns/list-campaigns/: count (default 10, at most 1000) and offset page the
        # 'campaigns'; 'total_items' counts them all; 'fields' names the fields returned.
        count = int(seen.query.get("count", ["10"])[0])
        offset = int(seen.query.get("offset", ["0"])[0])
        if count > 1000:
            return self._invalid([("count", "Must be at most 1000")])
        campaigns = sorted(self.campaigns.values(), key=lambda c: c["id"], reverse=True)
        wanted = [c for c in campaigns if c["type"] == seen.query.get("type", [c["type"]])[0]]
        return answer(
            200, {"campaigns": wanted[offset : offset + count], "total_items": len(wanted)}
        )


# --- listmonk -----------------------------------------------------------------------------------
# Rules from knadh/listmonk: docs/docs/content/apis/campaigns.md and templates.md (the API as
# documented), and what the server does: cmd/campaigns.go, cmd/handlers.go, internal/auth/auth.go,
# internal/core/lists.go and templates.go, models/campaigns.go and models/common.go, i18n/en.json.

LISTMONK_FUNCTIONS = ("TrackView", "UnsubscribeURL", "ManageURL", "OptinURL", "MessageURL")
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def go_template_error(text: str) -> str | None:
    """Why Go's template parser refuses TEXT as listmonk prepares it, or None.

    models/common.go first rewrites {{ UnsubscribeURL }} and its kin into {{ UnsubscribeURL . }};
    then every {{ … }} is an action: a string literal, a field of the data ('.Subscriber.Email'),
    or one of listmonk's functions. Anything else, or a {{ without its }}, does not compile.
    """
    rest = _ACTION.sub("", text)
    if "{{" in rest:
        return "template: content:1: unclosed action"
    for action in _ACTION.findall(text):
        words = action.strip().strip("-").strip()
        if re.fullmatch(r'"[^"\\]*"', words) or words.startswith("."):
            continue
        name = words.split()[0] if words.split() else ""
        if name in (*LISTMONK_FUNCTIONS, "TrackLink", "template", "L", "Date", "Safe"):
            continue
        return f'template: content:1: function "{name}" not defined'
    return None


def go_execute(text: str, unsubscribe: str) -> str:
    """TEXT as a reader gets it: string literals printed, the unsubscribe tag filled in."""

    def one(match: re.Match[str]) -> str:
        words = match[1].strip()
        if re.fullmatch(r'"[^"\\]*"', words):
            return words[1:-1]
        if words.split()[0] == "UnsubscribeURL":
            return unsubscribe
        return f"<evaluated {words}>"

    return _ACTION.sub(one, text)


class ListmonkFake(Fake):
    """listmonk's /api/lists, /api/templates and /api/campaigns, stateful."""

    def __init__(self, key: str, lists: tuple[int, ...], templates: dict[int, str]) -> None:
        super().__init__(key)
        self.lists = lists
        self.templates = templates
        self.campaigns: dict[int, dict[str, Any]] = {}

    def authenticate(self, seen: Seen) -> Response | None:
        # internal/auth/auth.go: 'Authorization: token api_user:token' (or Basic); a wrong pair
        # is 403 "invalid API credentials"; cmd/handlers.go: errors are {"message": ...}.
        if seen.headers.get("Authorization") != f"token {self.key}":
            return answer(403, {"message": "invalid API credentials"})
        return None

    def route(self, seen: Seen) -> Response:
        # campaigns.md: PUT /api/campaigns/{id}/status starts (sends) or schedules a campaign;
        # POST /api/campaigns/{id}/test sends it to some subscribers.
        if re.fullmatch(r"/api/campaigns/\d+/(status|test)", seen.path):
            self.sending.append(f"{seen.method} {seen.path}")
            return answer(200, {"data": True})
        match = re.fullmatch(r"/api/lists/(\d+)", seen.path)
        if match and seen.method == "GET":
            # internal/core/lists.go: an unknown list is 400 "{name} not found".
            if int(match[1]) not in self.lists:
                return answer(400, {"message": "List not found"})
            return answer(200, {"data": {"id": int(match[1]), "name": "Readers"}})
        match = re.fullmatch(r"/api/templates/(\d+)", seen.path)
        if match and seen.method == "GET":
            # internal/core/templates.go: an unknown template is 400 "{name} not found".
            if int(match[1]) not in self.templates:
                return answer(400, {"message": "Template not found"})
            body = self.templates[int(match[1])]
            template = {"id": int(match[1]), "name": f"Template {match[1]}", "type": "campaign"}
            return answer(200, {"data": {**template, "body": body}})
        if seen.path == "/api/campaigns" and seen.method == "GET":
            return self._list(seen)
        if seen.path == "/api/campaigns" and seen.method == "POST":
            return self._save(None, seen)
        match = re.fullmatch(r"/api/campaigns/(\d+)", seen.path)
        if match and seen.method == "PUT":
            return self._save(int(match[1]), seen)
        return answer(404, {"message": "Not found"})

    def _list(self, seen: Seen) -> Response:
        # cmd/main.go: per_page is at most 50, or 'all'; cmd/campaigns.go GetCampaigns answers
        # {"data": {"results": [...], "total", "per_page", "page"}}, no_body blanks the bodies.
        per_page = seen.query.get("per_page", ["20"])[0]
        if per_page != "all" and int(per_page) > 50:
            per_page = "50"
        campaigns = sorted(self.campaigns.values(), key=lambda c: c["id"], reverse=True)
        shown = campaigns if per_page == "all" else campaigns[: int(per_page)]
        if seen.query.get("no_body") == ["true"]:
            shown = [{**c, "body": "", "altbody": None} for c in shown]
        data = {"results": shown, "query": "", "total": len(campaigns), "per_page": 0, "page": 1}
        return answer(200, {"data": data})

    def _save(self, ident: int | None, seen: Seen) -> Response:
        # campaigns.md POST /api/campaigns: name, subject, lists (numbers), type, content_type
        # and body are required; cmd/campaigns.go validateCampaignFields: the messages below;
        # models/campaigns.go CompileTemplate: subject, body and altbody compile as templates.
        body = seen.body if isinstance(seen.body, dict) else {}
        if ident is not None:
            if ident not in self.campaigns:
                return answer(400, {"message": "Campaign not found"})
            # cmd/campaigns.go canEditCampaign: only draft, paused and scheduled campaigns.
            if self.campaigns[ident]["status"] not in ("draft", "paused", "scheduled"):
                return answer(400, {"message": "Cannot update a running or a finished campaign."})
        if not isinstance(body.get("name"), str) or not body["name"]:
            return answer(400, {"message": "Invalid length for name."})
        if not isinstance(body.get("subject"), str) or not 1 <= len(body["subject"]) <= 5000:
            return answer(400, {"message": "Invalid length for subject."})
        lists = body.get("lists")
        if not lists or not all(isinstance(i, int) and i in self.lists for i in lists):
            return answer(400, {"message": "Invalid list IDs."})
        if body.get("content_type") not in ("richtext", "html", "markdown", "plain", "visual"):
            return answer(400, {"message": "Invalid content type."})
        if body.get("type", "regular") not in ("regular", "optin"):
            return answer(400, {"message": "Invalid campaign type."})
        if body.get("template_id") is not None and body["template_id"] not in self.templates:
            return answer(400, {"message": "Template not found"})
        if body.get("send_at"):
            self.sending.append(f"{seen.method} {seen.path} with send_at {body['send_at']!r}")
        for field in ("subject", "body", "altbody"):
            error = go_template_error(str(body.get(field) or ""))
            if error:
                return answer(400, {"message": f"Error compiling campaign body: {error}"})
        if ident is None:
            # cmd/campaigns.go CreateCampaign: "Newly created campaigns are always drafts."
            ident = next(self.ids)
            self.campaigns[ident] = {"id": ident, "status": "draft"}
        self.campaigns[ident].update(body)
        return answer(200, {"data": self.campaigns[ident]})


# --- Kit ----------------------------------------------------------------------------------------
# Rules from Kit's API reference, https://developers.kit.com/api-reference/ ...: authentication,
# pagination, broadcasts/create-a-broadcast, update-a-broadcast and list-broadcasts.


class KitFake(Fake):
    """Kit's /v4/broadcasts, stateful."""

    page_size_limit = 1000

    def __init__(self, key: str, templates: tuple[int, ...] = (2,)) -> None:
        super().__init__(key)
        self.templates = templates
        self.broadcasts: dict[int, dict[str, Any]] = {}

    def authenticate(self, seen: Seen) -> Response | None:
        # authentication: the key goes in the 'X-Kit-Api-Key' header; every endpoint answers
        # 401 {"errors": ["The access token is invalid"]} when it cannot authenticate.
        if seen.headers.get("X-Kit-Api-Key") != self.key:
            return answer(401, {"errors": ["The access token is invalid"]})
        return None

    def route(self, seen: Seen) -> Response:
        if seen.path == "/v4/broadcasts" and seen.method == "GET":
            return self._list(seen)
        if seen.path == "/v4/broadcasts" and seen.method == "POST":
            return self._save(None, seen)
        match = re.fullmatch(r"/v4/broadcasts/(\d+)", seen.path)
        if match and seen.method == "PUT":
            return self._save(int(match[1]), seen)
        return answer(404, {"errors": ["Not Found"]})

    def _list(self, seen: Seen) -> Response:
        # pagination: cursor based; per_page (default 500, at most 1000), 'after' takes the
        # end_cursor of the page before; list-broadcasts: drafts, scheduled and sent alike.
        per_page = int(seen.query.get("per_page", ["500"])[0])
        if per_page > self.page_size_limit:
            return answer(422, {"errors": ["per_page must be at most 1000"]})
        ordered = sorted(self.broadcasts.values(), key=lambda b: b["id"], reverse=True)
        after = seen.query.get("after", [None])[0]
        start = 0
        if after is not None:
            start = next(i + 1 for i, b in enumerate(ordered) if str(b["id"]) == after)
        chunk = ordered[start : start + per_page]
        has_next = start + per_page < len(ordered)
        pagination = {
            "has_previous_page": start > 0,
            "has_next_page": has_next,
            "start_cursor": str(chunk[0]["id"]) if chunk else None,
            "end_cursor": str(chunk[-1]["id"]) if chunk else None,
            "per_page": per_page,
        }
        return answer(200, {"broadcasts": chunk, "pagination": pagination})

    def _save(self, ident: int | None, seen: Seen) -> Response:
        # create-a-broadcast: "To save a draft, set send_at to null"; a timestamp schedules it.
        # Its request schema requires content, description, public, published_at, preview_text
        # and subject (subscriber_filter too, but its description says that without one the
        # broadcast goes to all subscribers); 422 {"errors": [...]} answers invalid parameters,
        # e.g. "Email template not found".
        body = seen.body if isinstance(seen.body, dict) else {}
        if ident is not None and ident not in self.broadcasts:
            return answer(404, {"errors": ["Not Found"]})
        errors = []
        required = ("content", "description", "public", "published_at", "preview_text", "subject")
        if ident is None:
            errors += [f"{field} is required" for field in required if field not in body]
        types = {
            "content": str,
            "description": str,
            "preview_text": str,
            "subject": str,
            "published_at": str,
            "public": bool,
            "email_template_id": int,
        }
        for field, kind in types.items():
            if field in body and not isinstance(body[field], kind):
                errors.append(f"{field} is invalid")
        if "send_at" in body and body["send_at"] is not None:
            self.sending.append(f"{seen.method} {seen.path} with send_at {body['send_at']!r}")
        if "email_template_id" in body and body["email_template_id"] not in self.templates:
            errors.append("Email template not found")
        if errors:
            return answer(422, {"errors": errors})
        if ident is None:
            ident = next(self.ids)
            self.broadcasts[ident] = {"id": ident, "send_at": None, "status": "draft"}
        self.broadcasts[ident].update(body)
        return answer(201 if seen.method == "POST" else 200, {"broadcast": self.broadcasts[ident]})


class PrismFront(Fake):
    """Buttondown as Prism mocks it from the OpenAPI file, with a memory in front of it.

    Prism validates every request against the vendor's description, but it is stateless: it
    answers each list with its examples. This front passes every request on to Prism unchanged
    and answers with Prism's response, except that a list also holds the emails created through
    it so far, and a created or updated email keeps what it was sent. So a second publish can find
    its draft, and every request of both publishes is still checked by Prism.
    """

    def __init__(self, prism: str) -> None:
        super().__init__("")
        self.prism = prism
        self.emails: dict[str, dict[str, Any]] = {}

    def handle(self, request: Request) -> Response:
        """Forward REQUEST to Prism, then add what Prism cannot remember."""
        import httpx

        body = request.get_json(silent=True) if request.get_data() else None
        seen = Seen(
            request.method,
            request.path,
            {k: request.args.getlist(k) for k in request.args},
            dict(request.headers),
            body,
        )
        self.requests.append(seen)
        forwarded = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED}
        upstream = httpx.request(
            request.method,
            self.prism + request.path,
            params=list(request.args.items(multi=True)),
            headers=forwarded,
            content=request.get_data(),
        )
        status, data = upstream.status_code, upstream.json() if upstream.content else None
        if re.fullmatch(r"/emails/[^/]+/(send-draft|publish)", seen.path):
            self.sending.append(f"{seen.method} {seen.path}")
        writing = seen.method in ("POST", "PATCH") and isinstance(body, dict)
        if writing and body.get("status", "about_to_send") != "draft":
            self.sending.append(f"{seen.method} {seen.path} with status {body.get('status')}")
        if seen.path == "/emails" and seen.method == "POST" and status == 201:
            ident = f"em_{next(self.ids):026d}"
            self.emails[ident] = data = {**data, **body, "id": ident}
        elif seen.path == "/emails" and seen.method == "GET" and status == 200:
            data["results"] = [*data["results"], *self.emails.values()]
            data["count"] = len(data["results"])
        elif seen.method == "PATCH" and status == 200:
            ident = seen.path.rpartition("/")[2]
            if ident in self.emails:
                self.emails[ident].update(body)
                data = {**data, **self.emails[ident]}
        return answer(status, data)

    def authenticate(self, seen: Seen) -> Response | None:
        """Prism checks the security scheme."""
        return None

    def route(self, seen: Seen) -> Response:
        """Prism answers."""
        raise NotImplementedError


FORWARDED = {"authorization", "content-type", "accept"}
Handler = Callable[[Request], Response]
