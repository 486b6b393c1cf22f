"""The issue: one typed, frozen model, built once by the loader (issues.py) from an issue file.

Nothing here reads files or imports a parser: the build state (state.py) rebuilds issues from
its own JSON without loading YAML or Markdown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from .images import Picture, Source


@functools.lru_cache(maxsize=4096)  # the archive asks for each tag of each issue, many times
def tag_slug(tag: str) -> str:
    """The folder of a topic's page: 'China-Russia' and 'china russia' are both 'china-russia'."""
    folded = unicodedata.normalize("NFKC", tag).casefold()
    return "-".join(re.findall(r"[^\W_]+", folded))


@dataclass(frozen=True)
class Author:
    """An author of the presented article, with the name in their own script when given."""

    name: str
    name_native: str = ""
    photo: Picture | None = None  # a portrait, shown beside the byline

    @property
    def full_name(self) -> str:
        """'ZHAO Long 赵隆': the name, then the native name when there is one."""
        return f"{self.name} {self.name_native}" if self.name_native else self.name


@dataclass(frozen=True)
class Article:
    """The academic article an issue presents."""

    title: str
    authors: tuple[Author, ...]
    publication: str
    publication_native: str = ""
    url: str = ""
    doi: str = ""
    date: str = ""  # when the article was published: YYYY, YYYY-MM or YYYY-MM-DD

    @property
    def has_photos(self) -> bool:
        """True when an author has a photo: the card then shows one author a line."""
        return any(author.photo for author in self.authors)

    @property
    def byline(self) -> str:
        """The authors' full names, comma-separated."""
        return ", ".join(author.full_name for author in self.authors)

    @property
    def source(self) -> str:
        """The publication's name, then its native name when there is one."""
        native = self.publication_native
        return f"{self.publication} {native}" if native else self.publication

    @property
    def doi_url(self) -> str:
        """The DOI as a resolvable URL, or '' when there is none."""
        return f"https://doi.org/{self.doi}" if self.doi else ""


@dataclass(frozen=True)
class KeyPoint:
    """One key point: a `###` heading inside Key Points and the Markdown under it."""

    title: str
    body: str
    line: int


@dataclass(frozen=True)
class Section:
    """One `##` section of an issue, matched to the template."""

    title: str
    key: str
    body: str
    line: int
    intro: str = ""  # Key Points only: the text before the first key point
    key_points: tuple[KeyPoint, ...] = ()


@dataclass(frozen=True)
class Issue:
    """One issue, validated. Output paths and URLs are computed here, once."""

    path: str
    slug: str
    number: int
    date: datetime
    title: str
    subject: str
    subtitle: str
    preheader: str
    tags: tuple[str, ...]
    status: str
    id: str
    updated: datetime
    article: Article
    note: str
    sections: tuple[Section, ...]
    url: str
    id_line: int = 1  # where the id was pinned (or, when minted, where the number is)
    aliases: tuple[str, ...] = ()  # earlier slugs, each a redirect to this issue's page
    aliases_line: int = 0
    image: Picture | None = None  # the lead and social image (its str() is its absolute URL)
    image_alt: str = ""
    local_images: tuple[Source, ...] = ()  # the files of issues/images/ its text shows

    @property
    def image_url(self) -> str:
        """The absolute URL of the issue's image, or '' when it has none."""
        return self.image.url if self.image else ""

    @property
    def is_draft(self) -> bool:
        """Drafts are rendered only when asked and never enter the feeds or the archive."""
        return self.status == "draft"

    @property
    def out_dir(self) -> str:
        """The issue's folder under out/."""
        return self.slug
