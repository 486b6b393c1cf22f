"""An issue's images: local files checked, resized and named by content; remote ones kept fluid.

Local images live in `issues/images/` and an issue refers to them as `images/NAME` (relative to
the issue's file, so an editor's Markdown preview shows them too). When an issue is read, each
one it uses is measured (its header only: EXIF orientation applied) and given the name its
output will have, from a hash of its bytes, so every URL is known before anything is rendered.
When the issue is rendered, each is decoded, turned upright, converted to sRGB, resized with
Pillow to twice the width it is shown at (never enlarged), stripped of its metadata and written
as PNG (when it has transparency, or was a PNG or GIF) or JPEG, with save options that put no
timestamp in the file: a second render writes the same bytes.

Every `<img>` gets `width` and `height` attributes at the size it is shown in the 600px email
(Outlook for Windows ignores CSS widths) and a fluid style, so it shrinks on a phone.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import logging
import mimetypes
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from .errors import InvalidInput, Problem

if TYPE_CHECKING:
    from markdown_it.token import Token
    from PIL import Image as PILImage

    from .content import RenderedIssue
    from .model import Issue

log = logging.getLogger(__name__)

FOLDER = "images"  # under issues/: issues/images/liu.png, written images/liu.png in an issue
MAX_BYTES = 10 * 1024 * 1024  # a larger source is a camera original: ask for a smaller copy
MAX_PIXELS = 60_000_000  # beyond this, decoding takes hundreds of MB per worker
DENSITY = 2  # files carry twice the pixels they are shown at, for high-density screens

# Where an image is shown, and how wide at most, in CSS pixels of the 600px email.
EMAIL_WIDTH = 600
COLUMN = 520  # the text column: the email's width less its 40px paddings
KEY_POINT = 478  # inside a key point's box: less its 20px paddings and 1px borders
LEAD = EMAIL_WIDTH  # the issue's image, the whole width of the email
PHOTO = 64  # an author's portrait beside the byline, square

# The style of every image in an issue's text: it never grows past its column, whatever its
# width attribute says. Inline, so that it holds where a client drops the <style> element.
FLUID = "max-width:100%;height:auto"


def fluid(width: int) -> str:
    """The inline style of an image shown at most WIDTH px wide (0: unknown): it shrinks with
    its column, and so does its box when the image is not loaded (its alt text shows instead)."""
    return f"width:100%;max-width:{width}px;height:auto" if width else FLUID


# Bump when processing changes: output names then change with the bytes they name.
VERSION = "1"

# Pillow opens these; mail clients show only PNG, JPEG and GIF, so the others are converted.
READABLE = {"PNG", "JPEG", "MPO", "GIF", "WEBP", "AVIF", "BMP", "TIFF"}
# Mail clients do not show these, and Pillow cannot turn them into pixels.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
ORIENTATION = 0x0112  # the EXIF tag
ROTATED = {5, 6, 7, 8}  # orientations that turn the picture by a quarter: width and height swap
NAME = re.compile(r"[^a-z0-9]+")


class Refused(ValueError):
    """An image that cannot be used; its message says why and what to do."""


@dataclass(frozen=True)
class Source:
    """A local image file as an issue uses it: measured, upright, not yet processed."""

    src: str  # as written in the issue: 'images/liu.png'
    path: str  # relative to the project: 'issues/images/liu.png'
    digest: str  # SHA-256 of its bytes
    width: int  # in pixels, upright (EXIF orientation applied)
    height: int
    kind: str  # what it is written as: 'png' or 'jpeg'


@dataclass(frozen=True)
class Picture:
    """An image as the outputs show it: its absolute URL, the size it is shown at (CSS pixels;
    0 when unknown) and, for a local image, the file written for it under out/."""

    url: str
    width: int = 0
    height: int = 0
    output: str = ""  # '<slug>/<name>-<hash>.png' for a local image; '' for a remote one
    source: Source | None = None
    pixels: tuple[int, int] = (0, 0)  # the written file's size
    square: bool = False  # cropped to a square (an author's portrait)

    def __str__(self) -> str:
        return self.url

    @property
    def mime(self) -> str:
        """'image/png' or 'image/jpeg' for a local image; a remote one's guessed from its URL."""
        if self.source is not None:
            return f"image/{self.source.kind}"
        guessed = mimetypes.guess_type(urlsplit(self.url).path)[0] or ""
        return guessed if guessed.startswith("image/") else ""


# --- reading: where an image is, whether it can be used, how big it is -------------------------


def is_local(src: str) -> bool:
    """True for a path (images/liu.png); False for a URL with a scheme or a host."""
    parts = urlsplit(src)
    return not parts.scheme and not parts.netloc


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _format_problem(data: bytes, path: Path) -> str:
    """Why bytes that Pillow could not open are not an image we can use."""
    head = data[:1024].lstrip()
    if path.suffix.lower() in (".svg", ".svgz") or head.startswith(b"<svg") or b"<svg" in head:
        return (
            "SVG is not shown by Gmail or Outlook: export it as PNG "
            f"and write 'images/{path.stem}.png'"
        )
    heif = data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS
    if heif or path.suffix.lower() in (".heic", ".heif", ".avif"):
        return "HEIC and AVIF photos are not shown by most mail clients: export it as JPEG"
    return "not an image file that can be read: save it as PNG or JPEG"


def inspect(issues_dir: Path, root: Path, src: str) -> Source:
    """Find and measure the local image SRC (written in an issue in ISSUES_DIR); raise Refused."""
    from PIL import Image, UnidentifiedImageError

    folder = issues_dir / FOLDER
    written = unquote(urlsplit(src).path)
    target = (issues_dir / written).resolve()
    if written.startswith("/") or not target.is_relative_to(folder.resolve()):
        name = Path(written).name or "picture.png"
        raise Refused(
            f"local images go in {_shown(folder, root)}/: put the file there "
            f"and write 'images/{name}'"
        )
    shown = f"{_shown(folder, root)}/{target.relative_to(folder.resolve()).as_posix()}"
    try:
        size = target.stat().st_size
        if not target.is_file():
            raise Refused(f"{shown} is not a file")
        if size > MAX_BYTES:
            raise Refused(
                f"{size / 1024 / 1024:.1f} MB, over the limit of {MAX_BYTES // 1024 // 1024} MB: "
                f"save a smaller copy ({LEAD * DENSITY:,} pixels wide is enough)"
            )
        data = target.read_bytes()
    except FileNotFoundError:
        names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        close = difflib.get_close_matches(written.removeprefix(f"{FOLDER}/"), names, n=1)
        hint = f" (did you mean '{FOLDER}/{close[0]}'?)" if close else ""
        raise Refused(f"no file {shown}{hint}") from None
    except OSError as exc:
        raise Refused(f"cannot read {shown}: {exc.strerror or exc}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise Refused("too many pixels to resize: save a smaller copy") from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise Refused(_format_problem(data, target)) from None
    with image:
        kind = image.format or ""
        if kind not in READABLE:
            raise Refused(f"{kind or 'this'} format is not supported: save it as PNG or JPEG")
        if getattr(image, "n_frames", 1) > 1 and kind != "MPO":  # MPO: a JPEG and its preview
            raise Refused("animated images are not supported: use a still PNG or JPEG")
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise Refused(
                f"{width:,} x {height:,} pixels is too large to resize: save a smaller copy"
            )
        if image.getexif().get(ORIENTATION, 1) in ROTATED:
            width, height = height, width
        alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    written_as = (
        "jpeg" if kind in ("JPEG", "MPO") or (kind not in ("PNG", "GIF") and not alpha) else "png"
    )
    digest = hashlib.sha256(data).hexdigest()
    return Source(src, shown, digest, width, height, written_as)


# --- where an image is shown: its size there, the file written for it ---------------------------


def local(source: Source, base_url: str, slug: str, width: int, square: bool = False) -> Picture:
    """SOURCE shown at most WIDTH CSS pixels wide (a square of WIDTH if SQUARE) on the issue's
    page at BASE_URL: never wider than its file, which has at most DENSITY times the pixels."""
    if square:
        side = min(source.width, source.height)
        shown = min(width, side)
        pixels = (min(side, shown * DENSITY),) * 2
        size = (shown, shown)
    else:
        shown = min(width, source.width)
        size = (shown, max(1, round(source.height * shown / source.width)))
        wide = min(source.width, shown * DENSITY)
        pixels = (wide, max(1, round(source.height * wide / source.width)))
    key = hashlib.sha256(
        f"{VERSION}:{source.digest}:{pixels[0]}x{pixels[1]}:{square}".encode()
    ).hexdigest()
    stem = NAME.sub("-", Path(source.path).stem.lower()).strip("-")[:40] or "image"
    name = f"{stem}-{key[:10]}.{'jpg' if source.kind == 'jpeg' else 'png'}"
    return Picture(urljoin(base_url, name), *size, f"{slug}/{name}", source, pixels, square)


def remote(url: str, width: int = 0, height: int = 0, at_most: int = COLUMN) -> Picture:
    """A remote image, shown at WIDTH x HEIGHT when given, never wider than AT_MOST."""
    if width > at_most:
        height = round(height * at_most / width) if height else 0
        width = at_most
    return Picture(url, width, height if width else 0)


# --- the Markdown's images: found when an issue is read, placed when it is rendered --------------


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    """Every token and its children, but not an image's (its alt text is text)."""
    for token in tokens:
        yield token
        if token.children and token.type != "image":
            yield from _walk(token.children)


def image_tokens(tokens: Sequence[Token], env: dict[str, Any]) -> Iterator[tuple[Token, int]]:
    """Every image token of a parsed body, with the first line of the block it is in (0-based),
    inline footnotes' included (the footnote plugin keeps those in ENV)."""
    line = 0
    for token in _walk(tokens):
        if token.map:
            line = token.map[0]
        if token.type == "image":
            yield token, line
    notes = env.get("footnotes", {}).get("list", {})
    for note in notes.values():
        for token in _walk(note.get("tokens") or ()):
            if token.type == "image":
                yield token, 0


def _dimension(token: Token, name: str) -> int:
    """A width or height given in the Markdown ({width=520}); 0 when none or not a number."""
    value = str(token.attrGet(name) or "")
    return int(value) if value.isdigit() and 0 < int(value) <= 100_000 else 0


@dataclass
class Placement:
    """Puts an issue's images in its rendered content: URL, size and style of each `<img>`."""

    issue: Issue
    pictures: list[Picture]

    @classmethod
    def of(cls, issue: Issue) -> Placement:
        """A placement for ISSUE's content, with none placed yet."""
        return cls(issue, [])

    def place(self, tokens: Sequence[Token], at_most: int) -> None:
        """Set every image's src, width, height and style in TOKENS, shown at most AT_MOST wide."""
        sources = {source.src: source for source in self.issue.local_images}
        for token, _ in image_tokens(tokens, {}):
            src = str(token.attrGet("src") or "")
            wanted = _dimension(token, "width")
            width = min(wanted, at_most) if wanted else at_most
            source = sources.get(src)
            if source is not None:
                picture = local(source, self.issue.url, self.issue.slug, width)
                self.pictures.append(picture)
            elif is_local(src):  # validation refuses these; should one slip through, a URL
                picture = Picture(urljoin(self.issue.url, src))
            else:
                picture = remote(src, wanted, _dimension(token, "height"), at_most)
            token.attrs = {k: v for k, v in token.attrs.items() if k not in ("width", "height")}
            token.attrSet("src", picture.url)
            if picture.width:
                token.attrSet("width", str(picture.width))
            if picture.height:
                token.attrSet("height", str(picture.height))
            token.attrSet("style", fluid(picture.width))


def used(rendered: RenderedIssue) -> list[Picture]:
    """Every local picture of a rendered issue: its image, its authors' photos, its content's."""
    issue = rendered.issue
    found = [issue.image] if issue.image else []
    found += [author.photo for author in issue.article.authors if author.photo]
    found += rendered.pictures
    return [picture for picture in found if picture.source is not None]


# --- rendering: the files written for an issue ---------------------------------------------------


def _upright(image: PILImage.Image, source: Source) -> PILImage.Image:
    """The picture turned as its EXIF says, in sRGB, in a mode its format can hold, no metadata."""
    from PIL import ImageCms, ImageOps

    image = ImageOps.exif_transpose(image) or image
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            )
            image = converted or image
        except ImageCms.PyCMSError as exc:  # a broken profile: the pixels are used as they are
            log.warning("%s: colour profile ignored: %s", source.path, exc)
    if source.kind == "png":
        alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
        mode = (
            ("LA" if alpha else "L")
            if image.mode in ("L", "LA", "1")
            else "RGBA"
            if alpha
            else "RGB"
        )
    else:
        mode = "L" if image.mode in ("L", "1") else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    clean = image.copy()
    clean.info = {}  # no EXIF, no ICC profile, no text chunks: nothing but the pixels
    return clean


def _decoded(data: bytes, source: Source, drafted: Picture | None = None) -> PILImage.Image:
    """The upright pixels of SOURCE's DATA; a JPEG decoded at 1/2, 1/4 or 1/8 of its size when
    that is enough for DRAFTED (per picture, so that its file never depends on another's)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as opened:
            if drafted is not None:
                width, height = drafted.pixels
                scale = max(width / source.width, height / source.height)
                raw = opened.size
                opened.draft(opened.mode, (round(raw[0] * scale), round(raw[1] * scale)))
            opened.load()
            return _upright(opened, source)


def _written(image: PILImage.Image, picture: Picture) -> bytes:
    """IMAGE resized (or cropped) to PICTURE's pixels, as PNG or JPEG, with no timestamp."""
    from PIL import Image, ImageOps

    size = picture.pixels
    if picture.square:
        image = ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    elif image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if picture.source is not None and picture.source.kind == "png":
        image.save(out, "PNG")  # no pnginfo: no text, no tIME chunk
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=False, subsampling="4:2:0")
    return out.getvalue()


def process(data: bytes, source: Source, pictures: Sequence[Picture]) -> list[bytes]:
    """The files written for PICTURES of SOURCE, from its DATA: upright, resized, no metadata.
    A PNG or a WebP is decoded once for all of them; a JPEG once for each, at its own scale."""
    shared: PILImage.Image | None = None
    written = []
    for picture in pictures:
        if source.kind == "jpeg" and _is_jpeg(data):
            image = _decoded(data, source, picture)
        else:
            shared = shared or _decoded(data, source)
            image = shared
        written.append(_written(image, picture))
    return written


def _is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def render(root: Path, source: Source, pictures: Sequence[Picture]) -> list[bytes]:
    """The files written for PICTURES of SOURCE, a local image of the project at ROOT."""
    path = root / source.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = Problem(source.path, 1, f"cannot read the image: {exc.strerror or exc}")
        raise InvalidInput([problem]) from None
    if hashlib.sha256(data).hexdigest() != source.digest:
        message = "the image changed while the issue was rendered: render again"
        raise InvalidInput([Problem(source.path, 1, message)])
    try:
        return process(data, source, pictures)
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's errors for a damaged file
        message = f"the image cannot be decoded ({exc}): save it again as PNG or JPEG"
        raise InvalidInput([Problem(source.path, 1, message)]) from None


def files(root: Path, pictures: Iterable[Picture]) -> dict[str, bytes]:
    """The files written for local PICTURES (each source read and decoded once), by their path
    under out/."""
    by_source: dict[Source, dict[str, Picture]] = {}
    for picture in pictures:
        if picture.source is not None:
            by_source.setdefault(picture.source, {}).setdefault(picture.output, picture)
    found: dict[str, bytes] = {}
    for source, outputs in by_source.items():
        written = render(root, source, list(outputs.values()))
        found.update(zip(outputs, written, strict=True))
    return dict(sorted(found.items()))


def fingerprint(issues_dir: Path) -> str:
    """A hash of every file in the images folder, names and bytes: what the issues' images are."""
    folder = issues_dir / FOLDER
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(f"{path.relative_to(folder).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
