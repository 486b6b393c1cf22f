"""Images: local files resized and named by content, remote ones kept fluid, the issue's image and
its authors' photos, in every output; each bad image reported at its line.

Every image is a real file that Pillow makes in the test (tests/pictures.py): a PNG with an alpha
channel, a JPEG stored on its side with EXIF orientation 6 and a camera's metadata, a WebP.
"""

from __future__ import annotations

import email
import json
import os
import random
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from . import pictures
from .conftest import ROOT, checked, copy_sample, run, snapshot

SITE = "https://chinaffairs.example/"
ISSUE = "009-liu-feng-arctic"
FOLDER = f"{SITE}{ISSUE}/"
NAMED = re.compile(r"([a-z0-9-]+)-([0-9a-f]{10})\.(png|jpg)")
MEDIA = "{http://search.yahoo.com/mrss/}content"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def pictured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with the fixture issues that have images, rendered; the project."""
    project = copy_sample(tmp_path_factory.mktemp("pictured") / "project")
    pictures.add_image_issues(project)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    return project


class _Images(HTMLParser):
    """The attributes of every <img> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found.append({name: value or "" for name, value in attrs})


def img_tags(page: str) -> list[dict[str, str]]:
    """Every <img> of PAGE, as a dict of its attributes."""
    parser = _Images()
    parser.feed(page)
    return parser.found


def files_by_stem(folder: Path) -> dict[str, list[str]]:
    """The image files of an issue's folder under out/, by the stem of their source."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        match = NAMED.fullmatch(path.name)
        if match:
            found.setdefault(match[1], []).append(path.name)
    return found


def test_each_image_is_written_once_per_size_named_by_its_content(pictured: Path) -> None:
    folder = pictured / "out" / ISSUE
    names = sorted(path.name for path in folder.iterdir())
    pages = ["email.eml", "email.html", "email.txt", "index.html"]
    assert [name for name in names if not NAMED.fullmatch(name)] == pages
    stems = files_by_stem(folder)
    # the chart twice: in the text column and, narrower, in a key point's box
    assert {stem: len(found) for stem, found in stems.items()} == {
        "cover": 1,
        "liu-feng": 1,
        "logo": 1,
        "trade-chart": 2,
    }
    sizes = {
        name: pictures.pixel_size((folder / name).read_bytes())
        for found in stems.values()
        for name in found
    }
    by_stem = {stem: sorted(sizes[name] for name in found) for stem, found in stems.items()}
    assert by_stem == {
        "cover": [(1200, 675)],  # 1,600 wide: twice the email's 600
        "liu-feng": [(128, 128)],  # a square, twice the 64 it is shown at
        "logo": [(300, 100)],  # narrower than its column: never enlarged
        "trade-chart": [(956, 478), (1040, 520)],  # 2,400 wide: twice 478 and twice 520
    }
    # nothing else under out/ but the pages and the image files the pages use
    used = {
        src.removeprefix(FOLDER)
        for page in ("email.html", "index.html")
        for src in (tag["src"] for tag in img_tags((folder / page).read_text("utf-8")))
        if src.startswith(FOLDER)
    }
    assert used == set(sizes)


def test_formats_alpha_orientation_and_no_metadata(pictured: Path) -> None:
    folder = pictured / "out" / ISSUE
    stems = files_by_stem(folder)
    data = {stem: (folder / found[0]).read_bytes() for stem, found in stems.items()}
    chart = pictures.opened(data["trade-chart"])
    assert (chart.format, chart.mode) == ("PNG", "RGBA")
    alphas = chart.getchannel("A").getextrema()
    assert alphas[0] < 32 and alphas[1] == 255  # the fade to clear survives the resize
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"tIME", b"eXIf", b"iCCP"):
        assert chunk not in data["trade-chart"], chunk
    cover = pictures.opened(data["cover"])  # a WebP: mail clients do not show it
    assert (cover.format, cover.mode) == ("JPEG", "RGB")
    portrait = pictures.opened(data["liu-feng"])
    assert portrait.format == "JPEG"
    # stored on its side, red on the left; upright, red is on top (EXIF orientation 6)
    assert _near(portrait.getpixel((64, 10)), pictures.RED)
    assert _near(portrait.getpixel((118, 64)), pictures.RED)
    assert _near(portrait.getpixel((64, 118)), pictures.BLUE)
    for image, raw in ((portrait, data["liu-feng"]), (cover, data["cover"])):
        assert not image.getexif()
        assert "icc_profile" not in image.info and "exif" not in image.info
        assert b"Exif" not in raw and b"Phone Maker" not in raw and b"ICC_PROFILE" not in raw


def _near(colour: object, expected: tuple[int, int, int]) -> bool:
    assert isinstance(colour, tuple)
    return all(abs(int(a) - b) < 40 for a, b in zip(colour, expected, strict=False))


def test_every_img_has_its_displayed_size_and_a_fluid_style(pictured: Path) -> None:
    html = (pictured / "out" / ISSUE / "email.html").read_text("utf-8")
    tags = img_tags(html)
    shown = [
        (
            NAMED.fullmatch(tag["src"].removeprefix(FOLDER))[1]  # type: ignore[index]
            if tag["src"].startswith(FOLDER)
            else tag["src"],
            tag.get("width"),
            tag.get("height"),
        )
        for tag in tags
    ]
    assert shown == [
        ("cover", "600", "338"),
        ("liu-feng", "64", "64"),
        ("trade-chart", "520", "260"),
        ("logo", "300", "100"),
        ("https://images.example/ice-cover.png", "520", None),  # {width=1200}: the column's
        ("trade-chart", "478", "239"),
    ]
    for tag in tags:
        assert tag["alt"].strip(), tag
        if "photo" not in tag.get("class", ""):  # the photo is a fixed 64px square
            fluid = f"width:100%;max-width:{tag['width']}px;height:auto"
            assert fluid in tag["style"].replace(" ", ""), tag
    assert tags[1]["alt"] == "Portrait of LIU Feng 刘峰"


def _eml_html(data: bytes) -> str:
    message = email.message_from_bytes(data)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError("no HTML part")


def test_image_urls_are_absolute_in_every_output(pictured: Path) -> None:
    out = pictured / "out"
    names = {stem: found for stem, found in files_by_stem(out / ISSUE).items()}
    cover = FOLDER + names["cover"][0]
    body_chart = FOLDER + next(n for n in names["trade-chart"] if _width(out / ISSUE / n) == 1040)
    portrait = FOLDER + names["liu-feng"][0]
    pages = {
        "email.html": (out / ISSUE / "email.html").read_text("utf-8"),
        "index.html": (out / ISSUE / "index.html").read_text("utf-8"),
        "email.eml": _eml_html((out / ISSUE / "email.eml").read_bytes()),
    }
    for name, page in pages.items():
        sources = [tag["src"] for tag in img_tags(page)]
        assert sources and all(re.match(r"https://", src) for src in sources), name
        assert {cover, body_chart, portrait} <= set(sources), name
    text = (out / ISSUE / "email.txt").read_text("utf-8")
    assert "[A chart of the route's cargo from 2014 to 2024, rising fourfold] [" in text
    assert body_chart in text and "https://images.example/ice-cover.png" in text
    # nothing anywhere still points at the issue's own folder of sources
    everything = [*pages.values(), text]
    everything += [(out / name).read_text("utf-8") for name in ("feed.xml", "atom.xml")]
    everything += [(out / "feed.json").read_text("utf-8")]
    for content in everything:
        assert not re.search(r"(?<![\w./])images/", content)

    rss = ET.fromstring((out / "feed.xml").read_bytes())
    items = {item.findtext("link"): item for item in rss.iter("item")}
    media = items[FOLDER].find(MEDIA)
    assert media is not None and media.attrib == {
        "url": cover,
        "type": "image/jpeg",
        "medium": "image",
        "width": "600",
        "height": "338",
    }
    assert all(item.find(MEDIA) is None for link, item in items.items() if link != FOLDER)
    content = items[FOLDER].findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    assert body_chart in content and portrait in content and "style=" not in content
    atom = ET.fromstring((out / "atom.xml").read_bytes())
    entries = [[link.attrib for link in e.iter(f"{ATOM}link")] for e in atom.iter(f"{ATOM}entry")]
    (links,) = [links for links in entries if {"href": FOLDER} in links]
    assert {"href": cover, "rel": "enclosure", "type": "image/jpeg"} in links
    feed = json.loads((out / "feed.json").read_text("utf-8"))
    item = next(i for i in feed["items"] if i["url"] == FOLDER)
    assert item["image"] == cover
    assert all("image" not in i for i in feed["items"] if i["url"] != FOLDER)


def _width(path: Path) -> int:
    return pictures.pixel_size(path.read_bytes())[0]


def test_a_second_render_writes_the_same_bytes(pictured: Path, tmp_path: Path) -> None:
    again = copy_sample(tmp_path / "again")
    pictures.add_image_issues(again)
    assert run(again, "render").exit_code == 0
    first, second = snapshot(pictured / "out"), snapshot(again / "out")
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    forced = run(again, "render", "--force")
    assert forced.exit_code == 0 and forced.stdout.endswith(" 0 changed.\n"), forced.stdout


def test_a_changed_image_gets_a_new_name_on_the_next_render(project: Path) -> None:
    pictures.add_image_issues(project)
    assert run(project, "render").exit_code == 0
    page = project / "out" / ISSUE / "email.html"
    before = {tag["src"] for tag in img_tags(page.read_text("utf-8"))}
    # Inputs older than the racy window: the next render may answer from their stats alone.
    past = 1_700_000_000
    for path in project.rglob("*"):
        if "out" not in path.relative_to(project).parts:
            os.utime(path, (past, past))
    assert run(project, "render").exit_code == 0
    assert run(project, "render").stdout.endswith(" 0 changed.\n")
    (project / "issues" / "images" / "logo.png").write_bytes(pictures.small_png(280, 100))
    result = run(project, "render")
    assert result.exit_code == 0 and not result.stdout.endswith(" 0 changed.\n"), result.stdout
    after = {tag["src"] for tag in img_tags(page.read_text("utf-8"))}
    (old,), (new,) = before - after, after - before
    assert NAMED.fullmatch(old.removeprefix(FOLDER))[1] == "logo"  # type: ignore[index]
    assert pictures.pixel_size((project / "out" / new.removeprefix(SITE)).read_bytes()) == (
        280,
        100,
    )


def test_a_transparent_webp_becomes_a_png(project: Path) -> None:
    pictures.add_image_issues(project)
    (project / "issues" / "images" / "cover.webp").write_bytes(pictures.webp(800, 400, True))
    assert run(project, "render", "9").exit_code == 0
    (cover,) = files_by_stem(project / "out" / ISSUE)["cover"]
    image = pictures.opened((project / "out" / ISSUE / cover).read_bytes())
    assert (cover[-4:], image.format, image.mode, image.size) == (".png", "PNG", "RGBA", (800, 400))


# --- bad images: one fixture each, the exact message at the image's line ------------------------

BAD = ROOT / "tests" / "fixtures" / "bad-images"


def _noise_png(path: Path) -> None:
    """A PNG of 3.6 million random pixels, stored uncompressed: over 10 MB."""
    noise = random.Random(13).randbytes(2000 * 1800 * 3)
    Image.frombytes("RGB", (2000, 1800), noise).save(path, "PNG", compress_level=0)


def _animated_gif(path: Path) -> None:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "blue")]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100)


def _heic(path: Path) -> None:
    """The start of an HEIC file as an iPhone writes it: an ISO media 'ftyp' box, brand heic."""
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))


# case: (images the test makes, by path under issues/, and the expected message)
BAD_IMAGES = {
    "missing-image": (
        {},
        "issues/008-missing-image.md:20: image 'images/chart.png': no file issues/images/chart.png",
    ),
    "misspelt-image": (
        {"images/trade-chart.png": lambda p: p.write_bytes(pictures.small_png())},
        "issues/008-misspelt-image.md:18: image 'images/trade-chrt.png': no file "
        "issues/images/trade-chrt.png (did you mean 'images/trade-chart.png'?)",
    ),
    "image-outside-its-folder": (
        {"chart.png": lambda p: p.write_bytes(pictures.small_png())},
        "issues/008-outside.md:18: image 'chart.png': local images go in issues/images/: put "
        "the file there and write 'images/chart.png'",
    ),
    "svg-image": (
        {"images/route.svg": lambda p: p.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')},
        "issues/008-svg.md:18: image 'images/route.svg': SVG is not shown by Gmail or Outlook: "
        "export it as PNG and write 'images/route.png'",
    ),
    "heic-image": (
        {"images/harbour.heic": _heic},
        "issues/008-heic.md:18: image 'images/harbour.heic': HEIC and AVIF photos are not "
        "shown by most mail clients: export it as JPEG",
    ),
    "not-an-image": (
        {"images/chart.png": lambda p: p.write_text("year,tonnes\n2024,37900000\n")},
        "issues/008-not-an-image.md:18: image 'images/chart.png': not an image file that can "
        "be read: save it as PNG or JPEG",
    ),
    "animated-image": (
        {"images/moving.gif": _animated_gif},
        "issues/008-animated.md:18: image 'images/moving.gif': animated images are not "
        "supported: use a still PNG or JPEG",
    ),
    "image-over-10-mb": (
        {"images/scan.png": _noise_png},
        "issues/008-too-big.md:18: image 'images/scan.png': 10.3 MB, over the limit of 10 MB: "
        "save a smaller copy (1,200 pixels wide is enough)",
    ),
    "missing-photo": (
        {},
        "issues/008-missing-photo.md:9: article.authors[1].photo: no file issues/images/li-wei.jpg",
    ),
    "image-not-a-url": (
        {},
        "issues/008-image-ftp.md:5: image: expected a file in issues/images/ (written "
        "'images/NAME') or an https:// URL, got 'ftp://files.example.org/cover.png'",
    ),
    "image-alt-without-image": (
        {},
        "issues/008-alt-only.md:5: image_alt: there is no image to describe: add 'image:' or "
        "remove this line",
    ),
}


def test_every_bad_image_fixture_has_an_expected_message() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_IMAGES)


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
def test_a_bad_image_is_reported_at_its_line(project: Path, case: str) -> None:
    made, expected = BAD_IMAGES[case]
    for name, make in made.items():
        target = project / "issues" / name
        target.parent.mkdir(exist_ok=True)
        make(target)
    for fixture in (BAD / case).iterdir():
        shutil.copy(fixture, project / "issues" / fixture.name)
    result = run(project, "check")  # check: every problem on stdout, then the count
    assert (result.exit_code, result.stdout) == (1, checked(expected)), result.output
    result = run(project, "render")
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr == expected + "\n"
    assert not (project / "out").exists()  # nothing is written


def test_an_image_at_exactly_the_limit_and_a_jpeg_on_its_side_are_accepted(project: Path) -> None:
    folder = project / "issues" / "images"
    folder.mkdir()
    (folder / "chart.png").write_bytes(pictures.small_png())
    (folder / "portrait.jpg").write_bytes(pictures.rotated_jpeg())
    path = project / "issues" / "006-zhao-long-china-russia.md"
    text = path.read_text("utf-8").replace(
        "      name_native: 赵隆\n", "      name_native: 赵隆\n      photo: images/portrait.jpg\n"
    )
    path.write_text(
        text.replace("## Why It Matters", "![A chart](images/chart.png)\n\n## Why It Matters"),
        "utf-8",
    )
    padding = 10 * 1024 * 1024 - (folder / "chart.png").stat().st_size
    with (folder / "chart.png").open("ab") as handle:  # PNG readers stop at IEND
        handle.write(bytes(padding))
    result = run(project, "check", "--strict")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
