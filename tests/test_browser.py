"""The email and the web page open in headless Chromium (Debian's) as a newsletter."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import SAMPLE, copy_sample, run
from .test_hostile import HOSTILE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def launch(playwright: Any) -> Any:
    """Headless Chromium, without background network traffic."""
    # launch() gives every run a fresh temporary profile (its own --user-data-dir).
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.mark.parametrize("width", [600, 375])
def test_email_reads_as_a_newsletter(browser: Any, rendered: Path, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((rendered / SAMPLE / "email.html").as_uri())
    assert page.title().startswith("ZHAO Long on China-Russia")
    title = page.locator("h1.title")
    assert title.is_visible()
    assert float(title.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 24
    # the preheader is in the document but not on screen
    assert not page.locator(".preheader").is_visible()
    sections = page.locator("h2.section-title").all_inner_texts()
    assert [s.strip().casefold() for s in sections] == [
        "summary",
        "why it matters",
        "key points",
        "conclusion",
        "about the author",
        "about the publication",
    ]
    assert page.locator("h3.keypoint-title").count() == 3
    width_used = page.evaluate("document.documentElement.scrollWidth")
    assert width_used <= width
    body = page.locator(".content p").first
    assert float(body.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 16
    page.close()


def background(page: Any, selector: str) -> str:
    """The computed background colour of the first element matching SELECTOR."""
    return str(page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor"))


@pytest.mark.parametrize("width", [600, 375])
def test_email_in_light_and_dark_mode_fits_the_screen(
    browser: Any, rendered: Path, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    colours = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto((rendered / SAMPLE / "email.html").as_uri())
        # no horizontal scroll, whatever the width and the scheme
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("document.body.scrollWidth") <= width
        colours[scheme] = {
            selector: background(page, selector) for selector in ("body", ".container", ".card")
        }
        text = page.locator(".content p").first.evaluate("e => getComputedStyle(e).color")
        colours[scheme]["text"] = str(text)
    assert colours["light"]["body"] == "rgb(243, 241, 236)"
    assert colours["light"][".container"] == "rgb(255, 255, 255)"
    assert colours["dark"]["body"] == "rgb(22, 24, 27)"
    assert colours["dark"][".container"] == "rgb(31, 34, 38)"
    # every surface and the text change with the scheme
    assert all(colours["light"][k] != colours["dark"][k] for k in colours["light"])
    page.close()


def test_web_page_opens_with_the_feeds_advertised(browser: Any, rendered: Path) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.goto((rendered / SAMPLE / "index.html").as_uri())
    assert page.locator("h1.title").is_visible()
    feeds = page.locator("link[rel=alternate]").evaluate_all("ls => ls.map(l => l.href)")
    assert feeds == [
        "https://chinaffairs.example/feed.xml",
        "https://chinaffairs.example/atom.xml",
        "https://chinaffairs.example/feed.json",
    ]
    page.close()


class QuietServer(http.server.ThreadingHTTPServer):
    """A static web server that says nothing of requests the browser gave up on."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """FOLDER on a static web server at 127.0.0.1, as a host would serve out/; its address."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    with QuietServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture(scope="module")
def site(rendered: Path) -> Iterator[str]:
    """The sample's out/ on a static web server: its address."""
    with serve(rendered) as address:
        yield address


def search(page: Any, query: str) -> list[str]:
    """Type QUERY into the page's search box; the addresses of the results, best first."""
    page.fill(".search-input", query)
    page.wait_for_function(
        "q => document.querySelector('.search-results').dataset.query === q", arg=query
    )
    return [
        str(href)
        for href in page.locator(".search-title").evaluate_all("as => as.map(a => a.href)")
    ]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("index.html", "tripartite"),  # a word of issue 6's deck
        ("index.html", "赵隆"),  # its author's name in Chinese
        ("index.html", "俄罗斯研究"),  # its journal's
        ("index.html", "研究"),  # and a part of it, as Chinese is searched
        ("index.html", "ZHAO Long"),
        (f"{SAMPLE}/", "赵隆"),  # the box on an issue page
        ("tags/sco/", "tripartite"),  # and on a topic's
    ],
)
def test_search_finds_issue_6_first(browser: Any, site: str, path: str, query: str) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + path)
    page.wait_for_selector(".search:not([hidden])")
    found = search(page, query)
    assert found[0] == f"{site}{SAMPLE}/"
    first = page.locator(".search-result").first
    assert first.locator(".search-issue").text_content() == "Issue 6 · 7 October 2024"
    # the text around what was found, as the issue has it (never the index's extra endings of
    # Chinese words: see search.py)
    shown = str(first.locator(".search-excerpt").text_content())
    assert query.split()[0].casefold() in shown.casefold()
    assert "\u2042" not in shown and "斯研究 研究" not in shown
    assert errors == []
    page.close()


def test_the_indexes_of_several_years_are_searched_as_one(browser: Any, tmp_path: Path) -> None:
    # Issue 6 a year earlier: two indexes, 2024's (issue 7) and 2023's. A word only issue 6 has
    # finds it alone: 2024's index, which has no such word, brings no near miss ('t...').
    project = copy_sample(tmp_path / "project")
    path = project / "issues" / f"{SAMPLE}.md"
    path.write_text(
        path.read_text("utf-8").replace("date: 2024-10-07", "date: 2023-12-25"), "utf-8"
    )
    assert run(project, "render").exit_code == 0
    assert (project / "out" / "pagefind" / "years.json").read_text() == '{"years": [2024, 2023]}\n'
    with serve(project / "out") as address:
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        page.goto(address + "index.html")
        page.wait_for_selector(".search:not([hidden])")
        for query in ("tripartite", "赵隆", "研究"):
            assert search(page, query) == [f"{address}{SAMPLE}/"], query
        assert search(page, "张昕") == [f"{address}007-zhang-xin-china-russia-rapprochement/"]
        assert sorted(search(page, "China-Russia")) == [
            f"{address}{SAMPLE}/",
            f"{address}007-zhang-xin-china-russia-rapprochement/",
        ]
        page.close()


def test_search_finds_the_other_issue_and_nothing_for_an_unknown_word(
    browser: Any, site: str
) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.goto(site + "index.html")
    page.wait_for_selector(".search:not([hidden])")
    assert search(page, "张昕") == [f"{site}007-zhang-xin-china-russia-rapprochement/"]
    assert search(page, "China-Russia")[:2] != []
    assert search(page, "zzyzx") == []
    assert page.locator(".search-status").inner_text() == "0 issues found"
    page.close()


def test_without_a_server_the_search_box_stays_hidden(browser: Any, rendered: Path) -> None:
    # Opened from the disk, the browser loads no module script (and so no index): no box that
    # cannot work. The page's load event comes after its module scripts ran, or failed to load.
    page = browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((rendered / "index.html").as_uri(), wait_until="load")
    assert failed == [(rendered / "search.js").as_uri()]
    assert page.locator(".search").is_hidden()
    assert page.locator(".archive-title").count() == 2
    page.close()


def test_a_hostile_issue_is_found_as_text(browser: Any, tmp_path: Path) -> None:
    # Its title, deck, authors and text are markup and template syntax meant to run: the search
    # results show them as written, and nothing runs.
    project = copy_sample(tmp_path / "project")
    shutil.copy(HOSTILE, project / "issues" / HOSTILE.name)
    assert run(project, "render").exit_code == 0
    with serve(project / "out") as address:
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(address + "index.html")
        page.wait_for_selector(".search:not([hidden])")
        assert search(page, "onerror") == [f"{address}008-hostile/"]
        result = page.locator(".search-result").first
        assert result.locator(".search-title").inner_text() == (
            "Hostile \"quotes\" & 'apostrophes' < > {{ 7*7 }} Bcc: victim@example.org"
        )
        assert "onerror" in result.locator(".search-excerpt").inner_text()  # shown as text
        elements = page.locator(".search-results *").evaluate_all("es => es.map(e => e.localName)")
        assert set(elements) <= {"li", "a", "p", "mark"}
        assert dialogs == []
        page.close()
