"""Take the README's screenshots: the sample email (600px light, 375px dark) and the web archive
with its topics and a search (800px light, 375px dark).

Run from the repository, with the test extras installed and Debian's chromium (and
fonts-noto-cjk, for the Chinese names) on the machine:

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
SAMPLE = "006-zhao-long-china-russia"
EMAILS = {"email-600-light.png": (600, "light"), "email-375-dark.png": (375, "dark")}
# The archive, served as a host would (the search index is fetched), with a search typed in.
ARCHIVE = {
    "archive-800-light.png": (800, "light", "BRICS"),
    "archive-375-dark.png": (375, "dark", "赵隆"),
}


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves out/ without a line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def photograph_archive(browser: Any, site: str) -> None:
    """The archive with the results of a search, then scrolled to its topics."""
    for name, (width, scheme, query) in ARCHIVE.items():
        page = browser.new_page(viewport={"width": width, "height": 1100}, device_scale_factor=1)
        page.emulate_media(color_scheme=scheme)
        page.goto(site + "index.html")
        page.wait_for_selector(".search:not([hidden])")
        page.fill(".search-input", query)
        page.wait_for_selector(".search-result")
        page.screenshot(path=str(DOCS / name))
        print(f"docs/{name}: {width}px, {scheme}, searching {query!r}")
        page.close()


def main() -> None:
    """Render the sample issues into a temporary folder and photograph the email and archive."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        newsletter = Path(sys.executable).with_name("newsletter")
        subprocess.run([newsletter, "-C", ROOT, "render", "-o", out], check=True)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        handler = functools.partial(Quiet, directory=str(out))
        with (
            http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server,
            sync_playwright() as p,
        ):
            threading.Thread(target=server.serve_forever, daemon=True).start()
            browser = p.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for name, (width, scheme) in EMAILS.items():
                page = browser.new_page(
                    viewport={"width": width, "height": 1100}, device_scale_factor=1
                )
                page.emulate_media(color_scheme=scheme)
                page.goto((out / SAMPLE / "email.html").as_uri())
                page.screenshot(path=str(DOCS / name))
                print(f"docs/{name}: {width}px, {scheme}")
                page.close()
            photograph_archive(browser, f"http://127.0.0.1:{server.server_address[1]}/")
            browser.close()
            server.shutdown()


if __name__ == "__main__":
    main()
