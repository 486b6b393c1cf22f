"""Take the README's screenshots of the sample email: 600px wide in light mode, 375px in dark mode.

Run from the repository, with the test extras installed and Debian's chromium (and
fonts-noto-cjk, for the Chinese names) on the machine:

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
SAMPLE = "006-zhao-long-china-russia"
SHOTS = {"email-600-light.png": (600, "light"), "email-375-dark.png": (375, "dark")}


def main() -> None:
    """Render the sample issues into a temporary folder and photograph the email."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        newsletter = Path(sys.executable).with_name("newsletter")
        subprocess.run([newsletter, "-C", ROOT, "render", "6", "-o", out], check=True)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for name, (width, scheme) in SHOTS.items():
                page = browser.new_page(
                    viewport={"width": width, "height": 1100}, device_scale_factor=1
                )
                page.emulate_media(color_scheme=scheme)
                page.goto((out / SAMPLE / "email.html").as_uri())
                page.screenshot(path=str(DOCS / name))
                print(f"docs/{name}: {width}px, {scheme}")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
