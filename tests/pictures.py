"""Real image files, made by Pillow for the tests: the images the fixture issues in
tests/fixtures/images/ show, and the remote ones a browser test serves in place of the web."""

from __future__ import annotations

import functools
import io
import shutil
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageDraw, PngImagePlugin

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "images"
RED, BLUE = (200, 30, 30), (30, 60, 200)
ORIENTATION, MAKE, MODEL, DATE, GPS = 0x0112, 0x010F, 0x0110, 0x9003, 0x8825


def chart_png(width: int = 2400, height: int = 1200) -> bytes:
    """A PNG with an alpha channel that fades from opaque to clear, and a text chunk."""
    image = Image.new("RGBA", (width, height))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 8):
        draw.rectangle((x, 0, x + 7, height), fill=(30, 90, 160, 255 - 255 * x // width))
    draw.ellipse((width // 4, height // 4, width // 2, height * 3 // 4), fill=(250, 200, 0, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "A chart maker")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def rotated_jpeg(width: int = 800, height: int = 600) -> bytes:
    """A JPEG stored on its side, as a phone writes it: left half red, right half blue, EXIF
    orientation 6 (turn it a quarter clockwise: red on top), a camera, a date, a place, and an
    ICC profile."""
    image = Image.new("RGB", (width, height), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height), fill=RED)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "Phone Maker"
    exif[MODEL] = "Phone 12"
    exif[DATE] = "2024:10:01 08:00:00"
    exif.get_ifd(GPS).update({1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)})
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif, icc_profile=profile)
    return out.getvalue()


def photo_jpeg(width: int = 2400, height: int = 1600) -> bytes:
    """A plain JPEG photo (a sky over a harbour, in bands)."""
    image = Image.new("RGB", (width, height), (40, 70, 110))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 40):
        draw.rectangle((0, y, width, y + 19), fill=(60 + y * 120 // height, 90, 140))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def webp(width: int = 1600, height: int = 900, alpha: bool = False) -> bytes:
    """A WebP: opaque (a green field with a white circle), or with a transparent border."""
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (10, 120, 60))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 3, height // 4, width * 2 // 3, height * 3 // 4), fill="white")
    if alpha:
        draw.rectangle((0, 0, width, height // 10), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=90, lossless=alpha)
    return out.getvalue()


def small_png(width: int = 300, height: int = 100) -> bytes:
    """A small opaque PNG: narrower than any column, so never enlarged."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (140, 28, 19)).save(out, "PNG")
    return out.getvalue()


def remote_png(width: int, height: int) -> bytes:
    """What a remote image server answers: a PNG of the given size."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 60, 160)).save(out, "PNG")
    return out.getvalue()


# The files the fixture issues show, by name under issues/images/.
IMAGES = {
    "cover.webp": webp,
    "liu-feng.jpg": rotated_jpeg,
    "trade-chart.png": chart_png,
    "logo.png": small_png,
    "wide-photo.jpg": photo_jpeg,
}
# The remote images they show, by URL.
REMOTE = {
    "https://images.example/ice-cover.png": (1200, 600),
    "https://images.example/wide-chart.png": (1200, 800),
}


@functools.cache
def _made(name: str) -> bytes:
    """The bytes of a fixture image, made once per session (an ICC profile made by Pillow is
    stamped with the time it was made: two projects must get the same sources)."""
    return IMAGES[name]()


def make_images(project: Path) -> Path:
    """Write the fixture issues' images into PROJECT's issues/images/; return that folder."""
    folder = project / "issues" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    for name in IMAGES:
        (folder / name).write_bytes(_made(name))
    return folder


def add_image_issues(project: Path) -> list[str]:
    """Copy the fixture issues with images into PROJECT, with their images; their slugs."""
    make_images(project)
    slugs = []
    for path in sorted(FIXTURES.glob("*.md")):
        shutil.copy(path, project / "issues" / path.name)
        slugs.append(path.stem)
    return slugs


def pixel_size(data: bytes) -> tuple[int, int]:
    """The width and height of an image file's pixels."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def opened(data: bytes) -> Any:
    """An image file, opened (and loaded) by Pillow."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
