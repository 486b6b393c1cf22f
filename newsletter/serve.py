"""`newsletter serve`: a live preview on 127.0.0.1 that rebuilds on save and reloads the browser.

Nothing is written: every page is rendered in memory from the project as it is on disk, and the
reload script is added to the preview's pages only, never to what `newsletter render` writes.
An issue's local images are served from the preview too, resized as `render` writes them: the
pages point to them there rather than at site_url, where they are not uploaded yet.
"""

from __future__ import annotations

import errno
import hashlib
import html
import logging
import os
import re
import secrets
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import FrameType
from urllib.parse import parse_qs, urlsplit

import click
import jinja2
from markupsafe import Markup

from . import images, layouts
from .compose import IssueFiles, compose
from .config import Settings, load_settings
from .errors import InvalidInput, Problem
from .issues import Known, read_all
from .model import Issue
from .project import SETTINGS_FILE
from .stamp import FileHashes

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # the preview is for the editor's own machine, never the network
KEEP_ALIVE = 10.0  # seconds between comments on an idle event stream
WATCH_READY_MS = 500  # the watcher's first wait: after it, a missed save is looked for once
VIEWS = {"email": "email.html", "web": "index.html", "text": "text.html"}
VIEW_NAMES = {"email": "Email", "web": "Web page", "text": "Plain text"}
MOBILE_WIDTH = 375

# Dark mode is previewed by making the stylesheet's dark rules apply whatever the system's
# setting: (prefers-color-scheme: dark) becomes always true, (... light) never.
DARK = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.IGNORECASE)
LIGHT = re.compile(r"\(\s*prefers-color-scheme\s*:\s*light\s*\)", re.IGNORECASE)

# A tab listens only while it is visible: browsers allow six connections to one host, and an
# event stream holds one open. A tab that comes back reloads if the build changed meanwhile.
RELOAD_SCRIPT = """<script>/* newsletter serve: reload when the project changes */
(() => {
  const key = "newsletter-serve-scroll:" + location.pathname + location.search;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", () => scrollTo(0, Number(saved)));
  }
  let events = null;
  const listen = () => {
    if (events || document.hidden) return;
    events = new EventSource("/_events?since=%(token)s");
    events.onmessage = () => {
      events.close();
      sessionStorage.setItem(key, String(scrollY));
      location.reload();
    };
  };
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) return listen();
    if (events) events.close();
    events = null;
  });
  listen();
})();
</script>
"""

STYLE = """
:root { color-scheme: light dark; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
body { margin: 0; background: #f4f4f5; color: #1f2226; }
a { color: #b3261e; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .5rem .75rem; border-bottom: 1px solid #e4e4e7;
  vertical-align: top; }
.draft { display: inline-block; font-size: .75rem; font-weight: 600; text-transform: uppercase;
  letter-spacing: .05em; padding: 0 .4rem; border-radius: .25rem; background: #fde68a;
  color: #713f12; }
.problems { background: #fff1f0; color: #7f1d1d; border-left: 4px solid #b3261e; padding: 1rem;
  white-space: pre-wrap; font: 14px/1.5 ui-monospace, Menlo, Consolas, monospace; }
.warnings { background: #fffbeb; border-left-color: #d97706; color: #713f12; }
.shell { display: flex; flex-direction: column; height: 100vh; }
.toolbar { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center;
  padding: .5rem 1rem; background: #fff; border-bottom: 1px solid #e4e4e7; }
.toolbar .title { flex: 1 1 20rem; min-width: 0; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.group a { display: inline-block; padding: .2rem .6rem; border: 1px solid #d4d4d8;
  border-radius: .3rem; text-decoration: none; color: inherit; }
.group a[aria-current="page"], .group a[aria-pressed="true"] { background: #1f2226; color: #fff;
  border-color: #1f2226; }
.stage { flex: 1; display: flex; justify-content: center; min-height: 0; background: #d4d4d8; }
.stage.dark { background: #0b0c0e; }
.stage iframe { border: 0; width: 100%; height: 100%; background: #fff; }
.stage.mobile iframe { width: 375px; box-shadow: 0 0 0 1px #a1a1aa, 0 8px 24px rgba(0,0,0,.2); }
.stage.dark iframe { color-scheme: dark; background: #16181b; }
@media (prefers-color-scheme: dark) {
  body { background: #16181b; color: #e8e6e3; }
  table, .toolbar { background: #1f2226; }
  th, td, .toolbar { border-color: #3a3d42; }
  a { color: #f08a7e; }
}
"""


class ServeError(click.ClickException):
    """Raised when the preview cannot start (the port is taken)."""


@dataclass(frozen=True)
class Response:
    """What the preview answers to one request."""

    status: HTTPStatus
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    location: str = ""


@dataclass
class Snapshot:
    """One build of the project: its issues, or the problems that stop it, and what was rendered."""

    token: str
    settings: Settings | None
    issues: tuple[Issue, ...]  # the valid ones: a broken issue leaves the others in the preview
    problems: tuple[Problem, ...]  # the errors of the settings that stopped it, or all problems
    context: str = ""  # the hash of what every issue's files depend on: settings, images, layouts
    cache: dict[tuple[str, str, bool], Response] = field(default_factory=dict)
    rendered: dict[str, IssueFiles] = field(default_factory=dict)
    env: jinja2.Environment | None = None

    @property
    def failed(self) -> bool:
        """True when the project has errors: every page then shows them."""
        return self.settings is None

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The errors that keep issues out of the preview (none when it failed as a whole)."""
        return tuple(p for p in self.problems if p.severity == "error") if self.settings else ()

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The warnings of the issues in the preview."""
        return tuple(p for p in self.problems if p.severity == "warning") if self.settings else ()

    def issue(self, slug: str) -> Issue | None:
        """The issue with this slug, drafts included."""
        return next((issue for issue in self.issues if issue.slug == slug), None)

    def broken(self, slug: str) -> tuple[Problem, ...]:
        """The errors of the issue file with this slug, which keep it out of the preview."""
        return tuple(p for p in self.errors if PurePosixPath(p.path).stem == slug)


class Preview:
    """The project as the preview shows it: rebuilt when its files change, rendered on request."""

    def __init__(self, root: Path, report: Callable[[str], None]) -> None:
        self.root = root
        self.report = report
        self._session = secrets.token_hex(4)  # a restarted server makes open tabs reload
        self._serial = 0
        self._fingerprint = ""
        self._changed = threading.Condition()
        self._render_lock = threading.Lock()
        self._stopping = False
        self._known: Known = {}  # each issue file's reading, while its bytes stay the same
        self._hashes = FileHashes()  # each source's hash, while its stat stays the same
        self._reading = ""  # the hash of what reading an issue depends on: settings, images
        self.snapshot = self._load(self._fingerprinted())

    # --- building ------------------------------------------------------------------------

    def is_source(self, path: Path) -> bool:
        """True for a file the output depends on; not for editors' swap and temporary files."""
        return self._part(path) is not None

    def _part(self, path: Path) -> str | None:
        """Which of the project's sources PATH is: settings, issues, images or layouts (None for
        none, such as editors' swap and temporary files)."""
        parts = self._relative(path).split("/")
        name = parts[-1]
        if parts[0] == "layouts":
            return "layouts" if not name.startswith(".") and not name.endswith("~") else None
        if parts[:2] == ["issues", images.FOLDER]:
            return "images" if not name.startswith(".") and not name.endswith("~") else None
        if parts[0] == "issues":
            ok = len(parts) == 2 and name.endswith(".md") and not name.startswith(".")
            return "issues" if ok else None
        return "settings" if parts == [SETTINGS_FILE] else None

    def _relative(self, path: Path) -> str:
        """PATH relative to the project, with '/' (as is, if outside it); in plain strings: the
        preview asks for every source on every save."""
        text, prefix = str(path), f"{self.root}{os.sep}"
        relative = text[len(prefix) :] if text.startswith(prefix) else text
        return relative.replace(os.sep, "/")

    def sources(self) -> Iterator[tuple[Path, str]]:
        """Every file the output depends on (the settings, the issues, their images and the
        layouts), with which of them it is."""
        yield self.root / SETTINGS_FILE, "settings"
        for folder in ("issues", "layouts"):
            found = [(p, self._part(p)) for p in (self.root / folder).rglob("*")]
            kept = [(p, part) for p, part in found if part is not None and p.is_file()]
            yield from sorted(kept, key=lambda item: str(item[0]))

    def _fingerprinted(self) -> dict[str, str]:
        """A hash of each part of the sources (settings, issues, images, layouts), and of all."""
        digests = {part: hashlib.sha256() for part in ("settings", "issues", "images", "layouts")}
        for path, part in self.sources():
            hashed = self._hashes.digest(path)
            if not hashed:  # removed while we looked: the next event tells
                continue
            digests[part].update(f"{self._relative(path)}\0{hashed}\0".encode())
        parts = {part: digest.hexdigest() for part, digest in digests.items()}
        return {**parts, "all": "".join(parts.values())}

    def _load(self, fingerprint: dict[str, str], last: Snapshot | None = None) -> Snapshot:
        """A build of the project: only the issue files that changed are read again, and the
        files of every issue that stayed the same are kept from LAST, the build before."""
        self._fingerprint = fingerprint["all"]
        self._serial += 1
        token = f"{self._session}-{self._serial}"
        try:
            settings = load_settings(self.root)
        except InvalidInput as exc:  # no issue can be built without the settings
            return Snapshot(token, None, (), tuple(exc.problems))
        reading = fingerprint["settings"] + fingerprint["images"]
        if reading != self._reading:  # every issue is read, and rendered, again
            self._known.clear()
            self._reading = reading
        issues, problems = read_all(
            settings, self._known, self._hashes
        )  # the valid ones, whatever the others
        context = reading + fingerprint["layouts"]
        snapshot = Snapshot(token, settings, tuple(issues), tuple(sorted(problems)), context)
        if last is not None and last.context == context and last.settings is not None:
            now = {issue.slug: issue for issue in snapshot.issues}
            snapshot.env = last.env
            snapshot.rendered = {
                slug: files for slug, files in last.rendered.items() if now.get(slug) == files.issue
            }
        return snapshot

    def refresh(self, changed: list[str] | None = None) -> bool:
        """Rebuild if a source changed; wake every open tab. False when nothing changed."""
        with self._render_lock:
            fingerprint = self._fingerprinted()
            if fingerprint["all"] == self._fingerprint:
                return False
            snapshot = self._load(fingerprint, self.snapshot)
        with self._changed:
            self.snapshot = snapshot
            self._changed.notify_all()
        self.report(f"{', '.join(changed or ['the project'])} changed: {self.summary()}")
        return True

    def summary(self) -> str:
        """How the latest build went, for the terminal."""
        snapshot = self.snapshot
        if snapshot.failed:
            return "errors, shown in the browser:\n" + "\n".join(map(str, snapshot.problems))
        count = len(snapshot.issues)
        text = f"{count} issue{'s' * (count != 1)} OK"
        if snapshot.errors:
            text += ", errors shown in the browser"
        if snapshot.problems:
            text += "\n" + "\n".join(map(str, snapshot.problems))
        return text

    def watch(self, stop: threading.Event) -> None:
        """Refresh on every change under issues/ and layouts/, and to pyproject.toml."""
        import watchfiles  # imported here: only the preview needs it

        folders = [p for p in (self.root / "issues", self.root / "layouts") if p.is_dir()]

        def source(_change: watchfiles.Change, path: str) -> bool:
            return self.is_source(Path(path))

        def follow(paths: list[Path], recursive: bool) -> None:
            # Editors save by replacing the file, so folders are watched rather than files; the
            # project's root is watched apart, not recursively, to stay clear of .venv/ and out/.
            # The first wait that ends, with changes or without, finds the watcher watching: a
            # save between the first build and then is caught by one refresh (it hashes all).
            first = True
            for changes in watchfiles.watch(
                *paths,
                watch_filter=source,
                recursive=recursive,
                stop_event=stop,
                rust_timeout=WATCH_READY_MS,
                yield_on_timeout=True,
            ):
                if changes or first:
                    names = sorted({_shown(Path(path), self.root) for _change, path in changes})
                    self.refresh(names or None)
                first = False

        threads = [
            threading.Thread(target=follow, args=(folders, True)),
            threading.Thread(target=follow, args=([self.root], False)),
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        for thread in threads:
            thread.join()

    def wait(self, since: str, timeout: float) -> str | None:
        """Block until the build differs from SINCE; its token, or None on timeout or stop."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._stopping or self.snapshot.token != since, timeout=timeout
            )
            if self._stopping or self.snapshot.token == since:
                return None
            return self.snapshot.token

    def stop(self) -> None:
        """Release every open event stream."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()

    @property
    def stopping(self) -> bool:
        """True once the server is shutting down."""
        return self._stopping

    # --- answering ---------------------------------------------------------------------------

    def respond(self, target: str) -> Response:
        """The page for a request path (with its query)."""
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        snapshot = self.snapshot
        if snapshot.failed:
            return self._page(
                snapshot,
                "Errors",
                _problems_html(snapshot.problems, "The preview cannot be built"),
                HTTPStatus.INTERNAL_SERVER_ERROR,
            )
        if path in ("/", "/index.html"):
            return self._page(snapshot, "Preview", _index_html(snapshot))
        slug, _, name = path.strip("/").partition("/")
        issue = snapshot.issue(slug)
        errors = snapshot.broken(slug) if issue is None else ()
        if errors:  # its own pages show its errors, and reload into the issue once it is fixed
            body = _problems_html(errors, f"{errors[0].path} cannot be previewed", back=True)
            return self._page(snapshot, "Errors", body, HTTPStatus.INTERNAL_SERVER_ERROR)
        if issue is None:
            body = Markup(
                "<main><h1>Not found</h1><p>No issue {} in the preview (renamed?). "
                '<a href="/" target="_top">All issues</a></p></main>'
            ).format(slug or path)
            return self._page(snapshot, "Not found", body, HTTPStatus.NOT_FOUND)
        if not path.endswith("/") and not name:
            return Response(HTTPStatus.MOVED_PERMANENTLY, b"", location=f"/{slug}/")
        if name == "":
            return self._page(snapshot, issue.title, _shell_html(issue, query), shell=True)
        if name in ("email.html", "index.html", "text.html", "email.txt"):
            return self._document(snapshot, issue, name, query.get("dark") == "1")
        if "/" not in name and name.endswith((".png", ".jpg")):
            return self._document(snapshot, issue, name, False)
        body = Markup("<main><h1>Not found</h1><p>{} is not a page of the preview.</p></main>")
        return self._page(snapshot, "Not found", body.format(path), HTTPStatus.NOT_FOUND)

    def _page(
        self,
        snapshot: Snapshot,
        title: str,
        body: Markup,
        status: HTTPStatus = HTTPStatus.OK,
        shell: bool = False,
    ) -> Response:
        """A page of the preview's own, with the reload script (except the frame around issues)."""
        name = snapshot.settings.name if snapshot.settings else "newsletter"
        document = Markup(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{} · {} preview</title><style>{}</style></head>\n<body>{}</body></html>\n"
        ).format(title, name, Markup(STYLE), body)
        # The frame page stays put: the document inside it reloads itself.
        text = str(document) if shell else _with_reload(str(document), snapshot.token)
        return Response(status, text.encode())

    def _document(self, snapshot: Snapshot, issue: Issue, name: str, dark: bool) -> Response:
        """One of the issue's outputs, rendered now (once per build), as `render` would write it."""
        key = (issue.slug, name, dark)
        with self._render_lock:
            if key not in snapshot.cache:
                snapshot.cache[key] = self._render(snapshot, issue, name, dark)
            return snapshot.cache[key]

    def _render(self, snapshot: Snapshot, issue: Issue, name: str, dark: bool) -> Response:
        settings = snapshot.settings
        assert settings is not None
        try:
            if snapshot.env is None:
                snapshot.env = layouts.environment(settings)
            if issue.slug not in snapshot.rendered:  # every file of the issue, as render writes
                snapshot.rendered[issue.slug] = compose(snapshot.env, settings, issue)
            files = snapshot.rendered[issue.slug]
            if name.endswith((".png", ".jpg")):
                return _image(files, f"{issue.slug}/{name}")
        except InvalidInput as exc:
            self.report(
                f"{issue.path}: cannot render {name}:\n" + "\n".join(map(str, exc.problems))
            )
            body = _problems_html(exc.problems, f"{issue.path}: {name} cannot be rendered")
            return self._page(snapshot, "Errors", body, HTTPStatus.INTERNAL_SERVER_ERROR)
        if name == "email.txt":
            return Response(HTTPStatus.OK, files.text.encode(), "text/plain; charset=utf-8")
        if name == "text.html":
            document = _text_html(issue, files.text, dark)
        else:
            document = files.files[f"{issue.out_dir}/{name}"].decode()
        if dark:
            document = LIGHT.sub("(max-width: 0px)", DARK.sub("(min-width: 0px)", document))
        for output in files.names:  # its images, served here: not uploaded to site_url yet
            if output.endswith((".png", ".jpg")):
                url = settings.url(output)
                for written in (html.escape(url), url):
                    document = document.replace(written, f"/{output}")
        return Response(HTTPStatus.OK, _with_reload(document, snapshot.token).encode())


# --- the preview's own pages -----------------------------------------------------------------


def _image(files: IssueFiles, output: str) -> Response:
    """The image file OUTPUT of an issue, as `render` writes it; 404 if the issue has none."""
    if output in files.files:
        kind = "image/png" if output.endswith(".png") else "image/jpeg"
        return Response(HTTPStatus.OK, files.files[output], kind)
    body = f"No image {output} in the preview.".encode()
    return Response(HTTPStatus.NOT_FOUND, body, "text/plain; charset=utf-8")


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _with_reload(document: str, token: str) -> str:
    """DOCUMENT with the reload script before its closing </body> (or at its end)."""
    script = RELOAD_SCRIPT % {"token": token}
    at = document.lower().rfind("</body>")
    return document + script if at < 0 else document[:at] + script + document[at:]


def _problems_html(
    problems: tuple[Problem, ...] | list[Problem], heading: str, back: bool = False
) -> Markup:
    lines = "\n".join(str(problem) for problem in problems)
    # In the frame around an issue too: the way back leaves it (target=_top).
    link = Markup(' <a href="/" target="_top">All issues</a>') if back else ""
    return Markup(
        '<main><h1>{}</h1><pre class="problems">{}</pre>'
        "<p>Fix the file and save it: this page reloads by itself.{}</p></main>"
    ).format(heading, lines, link)


def _draft_mark(issue: Issue) -> Markup:
    """' draft', marked up, after a draft's title; nothing after a published issue's."""
    return Markup(' <span class="draft">draft</span>') if issue.is_draft else Markup("")


def _index_html(snapshot: Snapshot) -> Markup:
    assert snapshot.settings is not None
    rows = Markup("").join(
        Markup(
            "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>"
            '<a href="/{}/">Email</a> · <a href="/{}/?view=web">Web page</a> · '
            '<a href="/{}/?view=text">Plain text</a></td></tr>'
        ).format(
            issue.number,
            issue.date.date().isoformat(),
            issue.title,
            _draft_mark(issue),
            issue.slug,
            issue.slug,
            issue.slug,
        )
        for issue in snapshot.issues
    )
    broken = sorted({p.path for p in snapshot.errors})
    errors = (
        Markup('<h2>{}</h2><pre class="problems errors">{}</pre>').format(
            f"Left out until fixed: {', '.join(broken)}" if broken else "Errors",
            "\n".join(map(str, snapshot.errors)),
        )
        if snapshot.errors
        else ""
    )
    warnings = (
        Markup('<pre class="problems warnings">{}</pre>').format(
            "\n".join(map(str, snapshot.warnings))
        )
        if snapshot.warnings
        else ""
    )
    count = len(snapshot.issues)
    return Markup(
        "<main><h1>{}</h1><p>Preview of {} issue{}, drafts included, as they are on disk now. "
        "Pages reload by themselves when you save. <code>newsletter render</code> writes the "
        "published files.</p>{}{}<table><thead><tr><th>No.</th><th>Date</th><th>Title</th>"
        "<th>Preview</th></tr></thead><tbody>{}</tbody></table></main>"
    ).format(snapshot.settings.name, count, "s" * (count != 1), errors, warnings, rows)


def _shell_html(issue: Issue, query: dict[str, str]) -> Markup:
    """The frame around an issue: which output, a 375px-wide frame, dark mode."""
    view = query.get("view", "email") if query.get("view") in VIEWS else "email"
    mobile = query.get("width") == str(MOBILE_WIDTH)
    dark = query.get("dark") == "1"

    def link(view_: str, mobile_: bool, dark_: bool) -> str:
        params = [f"view={view_}"] if view_ != "email" else []
        params += [f"width={MOBILE_WIDTH}"] if mobile_ else []
        params += ["dark=1"] if dark_ else []
        return "?" + "&".join(params) if params else "./"

    views = Markup(" ").join(
        Markup('<a href="{}"{}>{}</a>').format(
            link(key, mobile, dark),
            Markup(' aria-current="page"') if key == view else "",
            VIEW_NAMES[key],
        )
        for key in VIEWS
    )
    switches = Markup(
        '<a href="{}" aria-pressed="{}" title="Show the issue in a 375px-wide frame">{}px</a> '
        '<a href="{}" aria-pressed="{}" title="Show the issue as in dark mode">Dark</a>'
    ).format(
        link(view, not mobile, dark),
        "true" if mobile else "false",
        MOBILE_WIDTH,
        link(view, mobile, not dark),
        "true" if dark else "false",
    )
    source = f"/{issue.slug}/{VIEWS[view]}" + ("?dark=1" if dark else "")
    classes = " ".join(c for c, on in (("mobile", mobile), ("dark", dark)) if on)
    return Markup(
        '<div class="shell"><nav class="toolbar"><a href="/">All issues</a>'
        '<span class="title">No. {} · {} · {}{}</span>'
        '<span class="group views">{}</span><span class="group switches">{}</span></nav>'
        '<div class="stage {}"><iframe src="{}" title="{}"></iframe></div></div>'
    ).format(
        issue.number,
        issue.date.date().isoformat(),
        issue.title,
        _draft_mark(issue),
        views,
        switches,
        classes,
        source,
        f"{VIEW_NAMES[view]} of issue {issue.number}",
    )


def _text_html(issue: Issue, text: str, dark: bool) -> str:
    """The plain-text part as a page: monospace, wrapped as the email client would show it."""
    colours = "background:#16181b;color:#e8e6e3" if dark else "background:#fff;color:#1f2226"
    return str(
        Markup(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{}</title></head>\n"
            '<body style="margin:0;{}"><pre style="margin:0;padding:16px;max-width:80ch;'
            "white-space:pre-wrap;overflow-wrap:anywhere;"
            'font:14px/1.5 ui-monospace,Menlo,Consolas,monospace">{}</pre>'
            "</body></html>\n"
        ).format(issue.title, colours, text)
    )


# --- the server ------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    preview: Preview
    server_version = "newsletter-serve"

    def do_HEAD(self) -> None:
        """What GET would answer, without the body (link checkers and `curl -I` ask so)."""
        self._answer(with_body=False)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def _answer(self, with_body: bool) -> None:
        if urlsplit(self.path).path == "/_events":
            self._events(with_body)
            return
        try:
            response = self.preview.respond(self.path)
        except click.ClickException as exc:
            body = Markup("<pre class='problems'>{}</pre>").format(exc.format_message())
            response = Response(HTTPStatus.INTERNAL_SERVER_ERROR, str(body).encode())
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        if response.location:
            self.send_header("Location", response.location)
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def _events(self, with_body: bool = True) -> None:
        """Server-sent events: one message when the build changes, comments meanwhile."""
        since = parse_qs(urlsplit(self.path).query).get("since", [""])[-1]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not with_body:
            return
        try:
            self.wfile.write(b"retry: 500\n\n")  # after a restart, reconnect (and reload) quickly
            self.wfile.flush()
            while not self.preview.stopping:
                token = self.preview.wait(since, KEEP_ALIVE)
                if token is not None:
                    self.wfile.write(f"data: {token}\n\n".encode())
                    self.wfile.flush()
                    return
                self.wfile.write(b": waiting\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the tab was closed or reloaded

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # open event streams must not hold up Ctrl-C


def run(root: Path, port: int, report: Callable[[str], None]) -> None:
    """Serve the preview of ROOT on 127.0.0.1:PORT until Ctrl-C; REPORT says what happens."""
    preview = Preview(root, report)
    handler = type("Handler", (_Handler,), {"preview": preview})
    try:
        server = _Server((HOST, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is in use: choose another with --port") from None
        raise ServeError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    url = f"http://{HOST}:{server.server_address[1]}/"
    report(f"Serving a preview at {url} (Ctrl-C to stop)")
    report(preview.summary())
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), daemon=True)
    watcher.start()
    # Ctrl-C stops the server even when started from a script that ignores SIGINT, and
    # SIGTERM (from a process manager, or a test) stops it just as cleanly.
    main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    signals = (signal.SIGINT, signal.SIGTERM) if main else ()
    handlers = {sig: signal.signal(sig, _interrupt) for sig in signals}
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
        stop.set()
        preview.stop()
        server.server_close()
        watcher.join(timeout=2)
    report("Stopped.")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
