"""Readable in both colour schemes, and holding at every width, in headless Chromium (Debian's).

axe-core (bundled by the axe-playwright-python package) runs its colour-contrast rule, WCAG AA
(4.5:1, 3:1 for large text), on the email and the web page of every sample issue and every fixture
issue that renders, at 375 and 600 px, with prefers-color-scheme light and dark: no violation. A
control runs the same check on the stylesheet's dark rules as they were before every coloured
element had one, and finds the card's links. Outlook.com's [data-ogsc]/[data-ogsb] rules are
checked to give the dark colours. And nothing scrolls sideways at 375 px, with and without the
<style> elements, with a 2,400 px local image, a 1,200 px remote one, a 200-character URL and a
long unbroken run of Chinese text.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest

from . import pictures
from .conftest import ROOT, SAMPLE, copy_sample, run
from .test_browser import browser, launch  # noqa: F401 (a fixture)

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
CONTRAST = "{runOnly: {type: 'rule', values: ['color-contrast']}, resultTypes: ['violations']}"
SITE = "https://chinaffairs.example/"
WIDTHS = (375, 600)
SCHEMES = ("light", "dark")
WIDE = "010-what-must-fit"
FIXTURES = ROOT / "tests" / "fixtures"
# Every fixture issue that renders (bad-input fixtures do not): its own numbers are all 8.
RENDERED_FIXTURES = sorted(
    [
        *(FIXTURES / "text").glob("*.md"),
        *(FIXTURES / "hostile").glob("*.md"),
        *(FIXTURES / "lint").glob("*/issues/*.md"),
    ]
)
# The stylesheet's dark rules before this test was written: the card's links and a quote kept
# the light colours premailer writes on them (#8c1c13 and #4a4f55 on the dark card).
OLD_DARK_RULES = """@media (prefers-color-scheme: dark) {
  body, .body, .wrapper, .outer { background-color: #16181b !important; }
  .container, .masthead, .page { background-color: #1f2226 !important; }
  .title, .card-title, .keypoint-title, .content, .content h4, .content strong { color: #e8e6e3 !important; }
  .deck, .tagline, .issue-meta, .card-line, .archive-date { color: #b6b9bd !important; }
  .brand, .brand a, .section-title, .card-label, .keypoint-number, .content a { color: #f08a7e !important; }
  .card { background-color: #2a2620 !important; }
  .keypoint { background-color: #25282c !important; border-color: #3a3d42 !important; }
  .footer { background-color: #191b1e !important; color: #b6b9bd !important; }
  .footer a { color: #b6b9bd !important; }
}
"""


def _with_fixtures(project: Path) -> list[str]:
    """Add every rendering fixture issue to PROJECT (numbered 100 on) and the issues with
    images; return the slugs of all its issues."""
    for number, path in enumerate(RENDERED_FIXTURES, start=100):
        text = re.sub(
            r"^number: \d+$", f"number: {number}", path.read_text("utf-8"), count=1, flags=re.M
        )
        (project / "issues" / path.name).write_text(text, encoding="utf-8")
    pictures.add_image_issues(project)
    return sorted(path.stem for path in (project / "issues").glob("*.md"))


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The sample project with every fixture issue, rendered: its out/ and the issues' slugs."""
    project = copy_sample(tmp_path_factory.mktemp("everything") / "project")
    slugs = _with_fixtures(project)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    return project / "out", slugs


def serve_offline(page: Any, out: Path) -> None:
    """Answer the site's URLs from OUT, remote images with PNGs of their size, nothing else."""
    remote = {url: pictures.remote_png(*size) for url, size in pictures.REMOTE.items()}

    def answer(route: Any) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        elif url.startswith(SITE) and (out / url.removeprefix(SITE)).is_file():
            path = out / url.removeprefix(SITE)
            kind = {".png": "image/png", ".jpg": "image/jpeg"}.get(path.suffix, "text/html")
            route.fulfill(body=path.read_bytes(), content_type=kind)
        elif url in remote:
            route.fulfill(body=remote[url], content_type="image/png")
        else:
            route.abort()

    page.route("**/*", answer)


def contrast_problems(page: Any) -> list[str]:
    """axe-core's colour-contrast violations on PAGE, one line per element."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    results = page.evaluate(f"axe.run(document, {CONTRAST})")
    return [
        f"{' '.join(node['target'])}: {node['any'][0]['message'] if node['any'] else ''}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    """A fresh page of the browser."""
    page = browser.new_page(viewport={"width": 600, "height": 900})
    yield page
    page.close()


def _contrast_of(out: Path, documents: list[Path]) -> tuple[int, list[str]]:
    """The contrast check of DOCUMENTS at both widths in both schemes, in a browser of this
    thread's own: how many checks ran, and every violation."""
    from playwright.sync_api import sync_playwright

    problems, checked = [], 0
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        tab = chromium.new_page(viewport={"width": 600, "height": 900})
        serve_offline(tab, out)
        for document in documents:
            tab.set_viewport_size({"width": 600, "height": 900})
            tab.goto(document.as_uri())
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": 900})
                for scheme in SCHEMES:
                    tab.emulate_media(color_scheme=scheme)
                    found = contrast_problems(tab)
                    checked += 1
                    where = f"{document.relative_to(out)} at {width}px, {scheme}"
                    problems += [f"{where}: {problem}" for problem in found]
        chromium.close()
    return checked, problems


def test_every_text_meets_wcag_aa_contrast_in_both_schemes_and_widths(
    everything: tuple[Path, list[str]],
) -> None:
    out, slugs = everything
    assert {SAMPLE, "008-plain-text-workout", "008-hostile", WIDE} <= set(slugs)
    documents = [out / slug / name for slug in slugs for name in ("email.html", "index.html")]
    documents.append(out / "index.html")
    # Two browsers, one per core: axe-core's contrast rule takes most of a second a page.
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_contrast_of, [out] * 2, [documents[0::2], documents[1::2]]))
    assert sum(checked for checked, _ in results) == 4 * (2 * len(slugs) + 1)
    assert [problem for _, found in results for problem in found] == []


def test_the_check_finds_the_card_links_of_the_old_dark_rules(tab: Any, tmp_path: Path) -> None:
    """The control: with the dark rules as they were, the same check fails on the card's links
    (and on a quote), in dark mode only."""
    project = copy_sample(tmp_path / "project")
    shutil.copy(FIXTURES / "text" / "008-plain-text-workout.md", project / "issues")
    style = project / "layouts" / "style.css"
    css = style.read_text("utf-8")
    start = css.index("@media (prefers-color-scheme: dark)")
    style.write_text(css[:start] + OLD_DARK_RULES, encoding="utf-8")
    assert run(project, "render").exit_code == 0
    tab.goto((project / "out" / "008-plain-text-workout" / "email.html").as_uri())
    assert contrast_problems(tab) == []  # light mode was always fine
    tab.emulate_media(color_scheme="dark")
    found = contrast_problems(tab)
    card_links = [p for p in found if p.startswith(".card-links > a")]
    assert len(card_links) == 2, found  # "Read the original" and the DOI
    assert "contrast of 1.64 (foreground color: #8c1c13, background color: #2a2620" in card_links[0]
    assert any(p.startswith("blockquote") for p in found), found


def test_outlook_com_dark_rules_give_the_dark_colours(
    tab: Any, everything: tuple[Path, list[str]]
) -> None:
    """Outlook.com recolours a message itself and marks what it touched with data-ogsc (text)
    and data-ogsb (backgrounds): under those marks, every element has its dark colours."""
    out, _ = everything
    serve_offline(tab, out)
    colours = """() => [...document.body.querySelectorAll('*')].map(e => {
        const s = getComputedStyle(e); return [e.tagName, e.className, s.color, s.backgroundColor];
    })"""
    for slug in (SAMPLE, "009-liu-feng-arctic", "008-plain-text-workout"):
        tab.goto((out / slug / "email.html").as_uri())
        tab.emulate_media(color_scheme="dark")
        dark = tab.evaluate(colours)
        tab.emulate_media(color_scheme="light")
        light = tab.evaluate(colours)
        tab.evaluate("document.documentElement.setAttribute('data-ogsc', '')")
        tab.evaluate("document.documentElement.setAttribute('data-ogsb', '')")
        marked = tab.evaluate(colours)
        assert marked == dark, slug
        assert marked != light  # the marks did change something
        assert contrast_problems(tab) == [], slug


def _scroll_width(page: Any) -> int:
    return int(
        page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    )


@pytest.mark.parametrize("styles", ["with", "without"])
@pytest.mark.parametrize("name", ["email.html", "index.html"])
def test_nothing_scrolls_sideways_at_375px(
    tab: Any, everything: tuple[Path, list[str]], name: str, styles: str
) -> None:
    out, slugs = everything
    serve_offline(tab, out)
    tab.set_viewport_size({"width": 375, "height": 900})
    for slug in slugs:
        tab.goto((out / slug / name).as_uri())
        if styles == "without":  # as Gmail shows the email to accounts not of Google's
            tab.evaluate("document.querySelectorAll('style').forEach(s => s.remove())")
            assert tab.evaluate("document.querySelectorAll('style').length") == 0
        for scheme in SCHEMES:
            tab.emulate_media(color_scheme=scheme)
            assert _scroll_width(tab) <= 375, (slug, name, styles, scheme)
    # the issue made for this: what it shows is wider than the screen, and it was loaded
    tab.goto((out / WIDE / name).as_uri())
    if styles == "without":
        tab.evaluate("document.querySelectorAll('style').forEach(s => s.remove())")
    loaded = tab.evaluate(
        "[...document.images].map(i => [i.complete, i.naturalWidth,"
        " i.getBoundingClientRect().right])"
    )
    assert all(complete for complete, _, _ in loaded)
    natural = sorted(width for _, width, _ in loaded)
    assert natural == [128, 956, 1040, 1200]  # the photo, the 2,400px one twice, the remote one
    assert all(right <= 375 for _, _, right in loaded)
    text = tab.evaluate("document.body.innerText")
    assert re.search(r"https://www\.example\.org/\S{100,}", text.replace("\n", ""))
    assert "北极航道开发能源合作" * 1 in text
    assert _scroll_width(tab) <= 375


def test_the_email_is_600px_wide_on_a_wide_screen(
    tab: Any, everything: tuple[Path, list[str]]
) -> None:
    """...and, with every width attribute at most the column's, as wide in Outlook for Windows,
    which sizes images by their width attribute alone."""
    out, _ = everything
    serve_offline(tab, out)
    tab.set_viewport_size({"width": 900, "height": 900})
    tab.goto((out / WIDE / "email.html").as_uri())
    assert tab.evaluate("document.querySelector('.container').getBoundingClientRect().width") == 600
    widths = tab.evaluate("[...document.images].map(i => Number(i.getAttribute('width')))")
    assert widths and max(widths) <= 520
