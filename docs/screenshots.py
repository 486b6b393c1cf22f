"""Take the README's screenshots of the sample email, with a portrait beside the byline: 600px
wide in light mode, 375px in dark mode.

The sample issues carry no photo (the repository has no portrait of ZHAO Long to publish), so this
script renders a copy of the project in which issue 6 has one: a drawn head-and-shoulders
silhouette in issues/images/, named in the front matter as `photo: images/zhao-long.png`. It goes
through the pipeline as any local image does (resized, named by content).

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
from typing import Any

from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
SAMPLE = "006-zhao-long-china-russia"
SITE = "https://chinaffairs.example/"
SHOTS = {"email-600-light.png": (600, "light"), "email-375-dark.png": (375, "dark")}


def portrait(path: Path) -> None:
    """A head-and-shoulders silhouette on a warm ground, 600 x 750 pixels."""
    image = Image.new("RGB", (600, 750), (214, 196, 170))
    draw = ImageDraw.Draw(image)
    for y in range(750):  # a soft light from above
        shade = 230 - y * 60 // 750
        draw.line((0, y, 600, y), fill=(shade, shade - 18, shade - 44))
    draw.ellipse((60, 470, 540, 1000), fill=(58, 66, 82))  # shoulders
    draw.rectangle((250, 380, 350, 520), fill=(196, 160, 132))  # neck
    draw.ellipse((175, 150, 425, 450), fill=(206, 170, 140))  # head
    draw.chord((165, 120, 435, 380), 180, 360, fill=(40, 36, 34))  # hair
    image.save(path, "PNG")


def project(folder: Path) -> Path:
    """A copy of the project whose issue 6 has a portrait of its author."""
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    for name in ("issues", "layouts"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "issues" / "images").mkdir(exist_ok=True)
    portrait(folder / "issues" / "images" / "zhao-long.png")
    issue = folder / "issues" / f"{SAMPLE}.md"
    text = issue.read_text(encoding="utf-8")
    native = "      name_native: 赵隆\n"
    photo = "      photo: images/zhao-long.png\n"
    issue.write_text(text.replace(native, native + photo, 1), encoding="utf-8")
    return folder


def main() -> None:
    """Render the copy into a temporary folder and photograph the email."""
    with tempfile.TemporaryDirectory() as tmp:
        root = project(Path(tmp))
        out = root / "out"
        newsletter = Path(sys.executable).with_name("newsletter")
        subprocess.run([newsletter, "-C", root, "render", "6"], check=True)

        def answer(route: Any) -> None:  # the site is not uploaded: serve it from out/
            url = route.request.url
            local = out / url.removeprefix(SITE)
            if url.startswith("file:"):
                route.continue_()
            elif url.startswith(SITE) and local.is_file():
                route.fulfill(body=local.read_bytes(), content_type="image/png")
            else:
                route.abort()

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
                page.route("**/*", answer)
                page.emulate_media(color_scheme=scheme)
                page.goto((out / SAMPLE / "email.html").as_uri())
                page.screenshot(path=str(DOCS / name))
                print(f"docs/{name}: {width}px, {scheme}")
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
