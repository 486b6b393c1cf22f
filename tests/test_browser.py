"""The email and the web page open in headless Chromium (Debian's) as a newsletter."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import SAMPLE

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
