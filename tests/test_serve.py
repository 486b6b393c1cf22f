"""`newsletter serve`: the preview, run as the editor runs it, in a process of its own."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from . import pictures
from .conftest import SAMPLE, run
from .test_browser import browser  # noqa: F401 (a fixture)

RELOAD_SCRIPT = re.compile(r"<script>/\* newsletter serve: .*?</script>\n", re.DOTALL)


@dataclass
class Server:
    """A running `newsletter serve`: its process, its URL and what it prints."""

    process: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str]

    def get(self, path: str) -> tuple[int, str]:
        """The status and body of a page of the preview."""
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def head(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """The status, headers and body (none, if all is well) of a HEAD request."""
        request = urllib.request.Request(self.url + path.lstrip("/"), method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def printed(self, text: str) -> str:
        """Wait for the server to print a line with TEXT (it does once a rebuild is done)."""
        while True:
            line = self.lines.get(timeout=30)
            if text in line:
                return line

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C: the exit status, and all it printed on stdout and stderr."""
        self.process.send_signal(signal.SIGINT)
        stdout, stderr = self.process.communicate(timeout=10)
        printed = []
        while not self.lines.empty():
            printed.append(self.lines.get())
        return self.process.returncode, "".join(printed) + stdout, stderr


def start(project: Path, *args: str) -> Server:
    """Start `newsletter serve` on a free port; return once it listens."""
    command = ["-C", str(project), "serve", "--port", "0", *args]
    process = subprocess.Popen(
        [sys.executable, "-c", "from newsletter.cli import main; main()", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:
        for line in iter(stdout.readline, ""):
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    first = lines.get(timeout=30)
    match = re.fullmatch(
        r"Serving a preview at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n", first
    )
    assert match, first
    return Server(process, match[1], lines)


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    """The preview of a copy of the sample project, with a draft (issue 8) added."""
    assert run(project, "new", "--title", "Next week").exit_code == 0
    running = start(project)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.communicate()


def test_preview_serves_what_render_writes_plus_the_reload_script(
    server: Server, project: Path, tmp_path: Path
) -> None:
    reference = tmp_path / "reference"
    assert run(project, "render", "--drafts", "-o", str(reference)).exit_code == 0

    status, index = server.get("/")
    assert status == 200
    assert "ZHAO Long on China-Russia" in index
    assert "ZHANG Xin on Opportunities" in index
    row = re.search(r"<tr><td>8</td>.*?</tr>", index)
    assert row and "Next week" in row[0] and '<span class="draft">draft</span>' in row[0]
    assert index.count('class="draft"') == 1

    for name in ("email.html", "index.html"):
        status, served = server.get(f"/{SAMPLE}/{name}")
        assert status == 200
        assert len(RELOAD_SCRIPT.findall(served)) == 1
        assert RELOAD_SCRIPT.sub("", served) == (reference / SAMPLE / name).read_text("utf-8")
        assert "EventSource" not in (reference / SAMPLE / name).read_text("utf-8")
    assert server.get(f"/{SAMPLE}/email.txt") == (
        200,
        (reference / SAMPLE / "email.txt").read_text("utf-8"),
    )
    status, text = server.get(f"/{SAMPLE}/text.html")
    assert status == 200 and "ZHAO LONG ON CHINA-RUSSIA" in text.upper()

    status, shell = server.get(f"/{SAMPLE}/?view=web&width=375&dark=1")
    assert status == 200
    assert f'<iframe src="/{SAMPLE}/index.html?dark=1"' in shell
    assert '<div class="stage mobile dark">' in shell

    assert server.get("/no-such-issue/")[0] == 404
    assert not (project / "out").exists()  # the preview writes nothing

    code, stdout, stderr = server.stop()
    assert code == 0
    assert stdout.endswith("3 issues OK\nStopped.\n")
    assert stderr == ""


def test_a_port_in_use_is_one_line(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(project, "serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr == f"Error: port {port} is in use: choose another with --port\n"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_open_page_follows_the_file_on_disk(
    browser: Any,  # noqa: F811 (the fixture)
    server: Server,
    project: Path,
) -> None:
    from playwright.sync_api import expect

    issue = project / "issues" / f"{SAMPLE}.md"
    original = issue.read_text(encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{server.url}{SAMPLE}/")
    frame = page.frame_locator("iframe")
    expect(frame.locator("h1.title")).to_contain_text("ZHAO Long on China-Russia")
    navigations: list[str] = []
    page.on("framenavigated", lambda f: navigations.append(f.url) if f == page.main_frame else None)

    # an edit shows up by itself
    started = time.monotonic()
    edit(issue, "Enhancing strategic coordination", "Strengthening strategic coordination")
    expect(frame.get_by_text("Strengthening strategic coordination")).to_be_visible(timeout=2000)
    assert time.monotonic() - started < 2

    # a syntax error shows its path:line: message in the page; fixing it recovers
    edit(issue, "tags: [China-Russia, SCO, BRICS, Multilateralism]", "tags: [China-Russia, SCO")
    broken = "\n".join(run(project, "check").stdout.splitlines()[:-1])  # the last: counts
    assert broken.startswith(f"issues/{SAMPLE}.md:")
    expect(frame.locator("pre.problems")).to_have_text(broken, timeout=2000)

    issue.write_text(original, encoding="utf-8")
    expect(frame.get_by_text("Enhancing strategic coordination")).to_be_visible(timeout=2000)
    expect(frame.locator("pre.problems")).to_have_count(0)

    # a layout or a setting changed also reloads the page
    edit(project / "layouts" / "email.html", "</body>", "<p>Layout edited</p></body>")
    expect(frame.get_by_text("Layout edited")).to_be_visible(timeout=2000)
    edit(project / "pyproject.toml", 'name = "ChinAffairs+"', 'name = "ChinAffairs Plus"')
    expect(frame.get_by_text("ChinAffairs Plus").first).to_be_visible(timeout=2000)

    assert navigations == []  # the frame reloaded itself; the page around it stayed put
    page.close()
    assert server.stop()[0] == 0


def test_switches_for_a_375px_frame_and_dark_mode(
    browser: Any,  # noqa: F811 (the fixture)
    server: Server,
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(f"{server.url}{SAMPLE}/")
    frame = page.frame_locator("iframe")
    body = frame.locator("body")
    light = body.evaluate("b => getComputedStyle(b).backgroundColor")

    page.get_by_role("link", name="375px").click()
    page.wait_for_url(re.compile(r"width=375"))
    assert page.locator("iframe").evaluate("f => f.getBoundingClientRect().width") == 375
    inner = frame.locator("html").evaluate("h => [h.scrollWidth, h.clientWidth]")
    assert inner[0] <= inner[1] == 375  # the email fits: no horizontal scroll

    page.get_by_role("link", name="Dark").click()
    page.wait_for_url(re.compile(r"dark=1"))
    dark = body.evaluate("b => getComputedStyle(b).backgroundColor")
    assert dark == "rgb(22, 24, 27)" != light
    assert page.get_by_role("link", name="Dark").get_attribute("aria-pressed") == "true"

    page.get_by_role("link", name="Plain text").click()
    page.wait_for_url(re.compile(r"view=text"))
    assert "width=375" in page.url and "dark=1" in page.url
    assert "ZHAO LONG" in frame.locator("pre").inner_text().upper()
    page.close()


BROKEN_TITLE = "title: Next week: a preview"  # an unquoted ': ' in a value: a YAML error
DRAFT = "issues/008-next-week.md"


def break_the_draft(project: Path) -> str:
    """Put a YAML error in issue 8 (the draft); return its message, as `check` prints it."""
    edit(project / DRAFT, "title: Next week", BROKEN_TITLE)
    message = run(project, "check").stdout.splitlines()[0]
    assert message == (
        f"{DRAFT}:4: front matter: YAML syntax error: mapping values are not allowed here: "
        "put a value with ': ' in quotes, as in title: \"Next week: a preview\""
    )
    return message


def test_a_broken_issue_leaves_every_other_in_the_preview(server: Server, project: Path) -> None:
    message = break_the_draft(project)
    # the file's name, or 'the project' when the save came before the watcher was up
    assert server.printed("changed:").endswith(
        " changed: 2 issues OK, errors shown in the browser\n"
    )
    status, index = server.get("/")
    assert status == 200
    assert "ZHAO Long on China-Russia" in index and "ZHANG Xin on Opportunities" in index
    assert "<tr><td>8</td>" not in index
    assert f'<pre class="problems errors">{escape(message)}</pre>' in index
    for page in (f"/{SAMPLE}/", f"/{SAMPLE}/email.html", f"/{SAMPLE}/index.html"):
        assert server.get(page)[0] == 200, page
    for page in ("/008-next-week/", "/008-next-week/email.html", "/008-next-week/index.html"):
        status, body = server.get(page)
        assert status == 500, page
        assert f'<pre class="problems">{escape(message)}</pre>' in body, page
        assert len(RELOAD_SCRIPT.findall(body)) == 1  # it reloads into the issue once fixed

    # fixed, it is back without a restart
    edit(project / DRAFT, BROKEN_TITLE, "title: Next week")
    assert server.printed("changed:") == f"{DRAFT} changed: 3 issues OK\n"
    status, index = server.get("/")
    assert "<tr><td>8</td>" in index and '<pre class="problems' not in index
    assert server.get("/008-next-week/")[0] == 200
    assert server.stop()[0] == 0


def test_head_answers_as_get_without_a_body(server: Server) -> None:
    for page in ("/", f"/{SAMPLE}/", f"/{SAMPLE}/email.html", f"/{SAMPLE}/email.txt"):
        status, headers, body = server.head(page)
        got_status, got = server.get(page)
        assert (status, body) == (got_status, b""), page
        assert headers["Content-Length"] == str(len(got.encode())), page
        assert headers["Content-Type"] == (
            "text/plain; charset=utf-8" if page.endswith(".txt") else "text/html; charset=utf-8"
        )
    status, headers, body = server.head("/no-such-issue/")
    assert (status, body) == (404, b"")
    status, headers, body = server.head("/_events")
    assert (status, headers["Content-Type"], body) == (200, "text/event-stream", b"")
    assert server.stop()[0] == 0


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "http"])
def test_a_port_out_of_range_is_a_usage_error_in_one_line(project: Path, port: str) -> None:
    result = run(project, "serve", "--port", port)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"Error: --port: expected a port number from 0 to 65535 (0: any free port), got {port}\n",
    )


def test_the_index_shows_a_broken_issue_and_the_others_still_preview(
    browser: Any,  # noqa: F811 (the fixture)
    project: Path,
) -> None:
    from playwright.sync_api import expect

    assert run(project, "new", "--title", "Next week").exit_code == 0
    message = break_the_draft(project)
    running = start(project)
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{running.url}{SAMPLE}/")
        frame = page.frame_locator("iframe")
        expect(frame.locator("h1.title")).to_contain_text("ZHAO Long on China-Russia")
        expect(page.locator(".toolbar .title")).to_contain_text("No. 6")

        page.goto(running.url)
        expect(page.locator("pre.problems.errors")).to_have_text(message)
        expect(page.locator("h2")).to_have_text(f"Left out until fixed: {DRAFT}")
        expect(page.locator("tbody tr")).to_have_count(2)

        # the index reloads by itself when the issue is fixed: issue 8 is back, the error gone
        edit(project / DRAFT, BROKEN_TITLE, "title: Next week")
        expect(page.locator("tbody tr")).to_have_count(3, timeout=5000)
        expect(page.locator("pre.problems")).to_have_count(0)
        page.goto(f"{running.url}008-next-week/")
        expect(page.locator(".toolbar .title")).to_contain_text("No. 8")
        page.close()
    finally:
        code, _stdout, stderr = running.stop()
    assert (code, stderr) == (0, "")


def test_the_preview_shows_local_images_before_they_are_uploaded(
    browser: Any,  # noqa: F811 (the fixture)
    project: Path,
    tmp_path: Path,
) -> None:
    issue = "009-liu-feng-arctic"
    pictures.add_image_issues(project)
    running = start(project)
    try:
        page = browser.new_page(viewport={"width": 600, "height": 900})
        page.route("https://**/*", lambda route: route.abort())  # nothing is uploaded yet
        page.goto(f"{running.url}{issue}/email.html")
        shown = page.evaluate(
            "[...document.images].map(i => [i.getAttribute('src'), i.naturalWidth])"
        )
        local = [src for src, width in shown if not src.startswith("https://images.example/")]
        assert len(local) == 5
        assert all(src.startswith(f"/{issue}/") for src in local)
        assert all(width > 0 for src, width in shown if src in local)  # loaded from the preview

        reference = tmp_path / "reference"
        assert run(project, "render", "-o", str(reference)).exit_code == 0
        for src in local:  # the same files that render writes
            with urllib.request.urlopen(running.url + src.lstrip("/"), timeout=10) as response:
                assert response.headers["Content-Type"] in ("image/png", "image/jpeg")
                assert response.read() == (reference / src.lstrip("/")).read_bytes()
        assert running.get(f"/{issue}/no-such-image.png")[0] == 404

        # an image changed on disk: the open page reloads with the new one
        (project / "issues" / "images" / "logo.png").write_bytes(pictures.small_png(280, 90))
        page.wait_for_function(
            "[...document.images].some(i => i.naturalWidth === 280 && i.naturalHeight === 90)",
            timeout=5000,
        )
        page.close()
    finally:
        assert running.stop()[0] == 0


def test_a_save_reads_and_renders_only_the_saved_issue(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsletter import issues, serve

    for number in range(8, 12):  # six issues in all: which are read again shows
        text = (project / "issues" / "007-zhang-xin-china-russia-rapprochement.md").read_text()
        text = text.replace("number: 7", f"number: {number}", 1)
        text = text.replace("2024-10-14", f"2024-10-{number + 10}", 1)
        (project / "issues" / f"{number:03d}-copy.md").write_text(text)
    read: list[str] = []
    composed: list[str] = []
    real_read, real_compose = issues.read_issue, serve.compose

    def counted_read(path: Path, settings: Any) -> Any:
        read.append(path.name)
        return real_read(path, settings)

    def counted_compose(env: Any, settings: Any, issue: Any) -> Any:
        composed.append(issue.slug)
        return real_compose(env, settings, issue)

    monkeypatch.setattr(issues, "read_issue", counted_read)
    monkeypatch.setattr(serve, "compose", counted_compose)
    said: list[str] = []
    preview = serve.Preview(project, said.append)
    assert len(preview.snapshot.issues) == 6 and len(read) == 6
    slugs = [issue.slug for issue in preview.snapshot.issues]
    for slug in slugs:
        assert preview.respond(f"/{slug}/email.html").status == 200
    assert sorted(composed) == sorted(slugs)  # each once: the email is rendered with its page

    read.clear(), composed.clear()
    saved = project / "issues" / "010-copy.md"
    saved.write_text(saved.read_text().replace("\n## ", "\nOne sentence more.\n\n## ", 1))
    assert preview.refresh(["issues/010-copy.md"])
    assert read == ["010-copy.md"]  # the other five are as they were: not read again
    index = preview.respond("/")
    assert index.status == 200 and index.body.count(b'?view=web">') == 6  # the list of issues
    for slug in slugs:
        page = preview.respond(f"/{slug}/index.html")
        assert page.status == 200
    assert composed == ["010-copy"]  # the saved issue alone is rendered again
    assert b"One sentence more." in preview.respond("/010-copy/index.html").body

    read.clear(), composed.clear()
    (project / "layouts" / "style.css").write_text(
        (project / "layouts" / "style.css").read_text() + "\n/* a change */\n"
    )
    assert preview.refresh(["layouts/style.css"])
    assert read == []  # a layout shapes the files, not the reading
    for slug in slugs:
        assert preview.respond(f"/{slug}/email.html").status == 200
    assert sorted(composed) == sorted(slugs)  # but every issue's files are rendered again
