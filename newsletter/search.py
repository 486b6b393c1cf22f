"""The archive's search: a Pagefind index of every published issue, searched in the browser.

Pagefind (pagefind.app; its binary comes with the `pagefind-bin` package) indexes one small
record per issue (its titles, authors and publications, in English and in their own script, and
its text) written to a temporary folder, never out/: so a draft, or an issue deleted but whose
old page is still in out/, is never found. Its output is the same bytes for the same records,
and goes to out/pagefind/ through the same atomic writer as every other file; `layouts/search.js`
(out/search.js) is the search box. The index lists every issue, so it is rebuilt when one of
them changes, and only then.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
import subprocess
import tempfile
import weakref
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .errors import InvalidInput, OutputError, Problem

if TYPE_CHECKING:
    from .model import Issue

log = logging.getLogger(__name__)

BUNDLE = "pagefind"  # out/pagefind/<year>/: the index of a year's issues, and the code to read it
YEARS = f"{BUNDLE}/years.json"  # the years indexed, newest first: search.js reads them all
SCRIPT = "search.js"  # out/search.js: the search box, from layouts/search.js
# What the search box uses of Pagefind's bundle; its own ready-made interfaces are left out.
UNUSED = re.compile(r"pagefind-(ui|modular-ui|component-ui|highlight)\.(js|css)")

# Markdown's syntax, removed so that the index holds the words a reader sees.
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # an image too, once its '!' is gone
REFERENCE = re.compile(r"\[([^\]]*)\]\[[^\]]*\]")
FOOTNOTE = re.compile(r"\[\^[^\]]+\]:?")
DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
AUTOLINK = re.compile(r"<((?:https?|mailto|ftp|tel):[^>\s]*)>")
LINE_MARKUP = re.compile(r"^[ \t]{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.M)
EMPHASIS = re.compile(r"[*_`~]+")
# Where a record's endings of CJK runs start (see cjk_suffixes): search.js shows no text after it.
ENDINGS = "\u2042"  # ⁂, the asterism: not a word, and in no issue
# Runs of Chinese, Japanese or Korean characters, written without spaces between words.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


@functools.cache
def version() -> str:
    """The version of Pagefind's binary, part of the search index's key ('' if not installed)."""
    try:
        return metadata.version("pagefind-bin")
    except metadata.PackageNotFoundError:
        return ""


def bundle_of(name: str) -> str:
    """The year whose index the file NAME under out/ belongs to ('2024'), or ''."""
    parts = name.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == BUNDLE else ""


def plain(markdown: str) -> str:
    """The words of a Markdown text, without its syntax: links by their text, images by alt."""
    text = DEFINITION.sub("", markdown)
    text = FOOTNOTE.sub("", text)
    text = LINK.sub(r"\1", text.replace("![", "["))
    text = REFERENCE.sub(r"\1", text)
    text = AUTOLINK.sub(r"\1", text)
    return EMPHASIS.sub("", LINE_MARKUP.sub("", text))


def cjk_suffixes(text: str) -> list[str]:
    """Every ending of every run of CJK characters in TEXT ('罗斯研究', '斯研究', ... for
    '俄罗斯研究'), each once, in order. Pagefind reads such a run as one word and finds a word
    by its beginning; with its endings indexed too, any part of the run is found."""
    found: dict[str, None] = {}
    for run in CJK.findall(text):
        for start in range(1, len(run)):
            found.setdefault(run[start:])
    return list(found)


def record(issue: Issue) -> str:
    """The page Pagefind indexes for ISSUE: what a reader may search it by, and what a result
    shows (title, issue number and date, the presented article)."""
    from .layouts import longdate

    article = issue.article
    escape = html.escape
    lines = [
        "<!DOCTYPE html>",
        "<html><head><meta charset='utf-8'></head>",
        # Shown with a result, not searched: the words of the date would match every issue.
        f'<body data-pagefind-meta="issue:Issue {issue.number} · {longdate(issue.date)}">',
        f'<h1 data-pagefind-meta="title">{escape(issue.title)}</h1>',
        f'<p data-pagefind-weight="4" data-pagefind-meta="article">{escape(article.title)}, '
        f"by {escape(article.byline)} ({escape(article.source)})</p>",
    ]
    if issue.subtitle:
        lines.append(f'<p data-pagefind-weight="2">{escape(issue.subtitle)}</p>')
    if issue.tags:
        lines.append(f"<p>{escape(', '.join(issue.tags))}</p>")
    for part in (issue.note, *(f"{s.title}\n\n{s.body}" for s in issue.sections)):
        for paragraph in re.split(r"\n\s*\n", plain(part)):
            if paragraph.strip():
                lines.append(f"<p>{escape(' '.join(paragraph.split()))}</p>")
    endings = cjk_suffixes("\n".join(lines))
    if endings:  # last, light, and after a mark: search.js shows a result's text before it
        lines.append(f'<p data-pagefind-weight="0.5">{ENDINGS} {escape(" ".join(endings))}</p>')
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"


def _script(settings: Settings) -> bytes:
    path = settings.layouts_dir / SCRIPT
    try:
        return path.read_bytes()
    except FileNotFoundError:
        message = f"layout {SCRIPT!r} not found in {settings.layouts_dir}: the archive's search box"
        raise InvalidInput([Problem(f"layouts/{SCRIPT}", 1, message)]) from None


def _executable() -> str:
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError:
        raise OutputError(
            "the search index needs Pagefind: pip install 'pagefind-bin' (see pyproject.toml)"
        ) from None
    return str(get_executable())


class Indexing:
    """Pagefind indexing one year's RECORDS (each issue's folder under out/ and its `record`),
    started at once in a process of its own: it takes a few tenths of a second, which rendering
    the issues and the other pages meanwhile hides. `bundle()` waits for it."""

    def __init__(self, settings: Settings, records: Sequence[tuple[str, str]], year: int) -> None:
        self.year = year
        folder = tempfile.TemporaryDirectory(prefix="newsletter-search-")
        self._site, self._bundle = Path(folder.name) / "site", Path(folder.name) / "bundle"
        for out_dir, text in records:
            page = self._site / out_dir / "index.html"
            page.parent.mkdir(parents=True)
            page.write_text(text, encoding="utf-8")
        command = [_executable(), "--site", str(self._site), "--output-path", str(self._bundle)]
        command += ["--force-language", settings.language.split("-")[0].lower(), "--silent"]
        log.info("indexing the %d issues of %d for search", len(records), year)
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        # A render that stops before it asks for the bundle still stops Pagefind, and cleans up.
        self._done = weakref.finalize(self, _stop, self._process, folder)

    def bundle(self) -> dict[str, bytes]:
        """Pagefind's bundle, by path under out/: `pagefind/2024/...`."""
        try:
            stdout, stderr = self._process.communicate()
            if self._process.returncode != 0:
                shown = (stderr or stdout).strip().splitlines()
                failed = shown[-1] if shown else self._process.returncode
                raise OutputError(f"the search index failed: {failed}")
            files = {}
            for path in sorted(self._bundle.rglob("*")):
                name = path.relative_to(self._bundle).as_posix()
                if path.is_file() and not UNUSED.fullmatch(name):
                    files[f"{BUNDLE}/{self.year}/{name}"] = path.read_bytes()
            return files
        finally:
            self._done()


def _stop(process: subprocess.Popen[str], folder: tempfile.TemporaryDirectory[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.communicate()
    folder.cleanup()


def box(settings: Settings, years: Sequence[int]) -> dict[str, bytes]:
    """The search box's script, and the list of the YEARS whose index it searches, newest first
    (none for an archive with no published issue: then no box is shown)."""
    listing = json.dumps({"years": sorted(years, reverse=True)}) + "\n"
    return {SCRIPT: _script(settings), YEARS: listing.encode()}
