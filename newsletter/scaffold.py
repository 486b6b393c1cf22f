"""`newsletter new`: the next issue's file, every section of the template with a hint in each."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import click
import yaml

from .config import Settings, load_settings, normalise_title
from .issues import load_issues
from .model import Issue

WEEK = timedelta(days=7)

# Every hint starts with the placeholder word TK, which `newsletter check` (lint.py) reports as
# an error in a published issue: a hint cannot reach readers by accident.
HINTS: dict[str, str] = {
    "summary": "TK: Two or three paragraphs: the article's question, method and answer.",
    "why it matters": "TK: Why this article, and why now: what it adds to the debate abroad.",
    "key points": "TK: One `###` heading per key point; the article's argument under each.",
    "conclusion": "TK: The article's conclusion, and what it leaves open.",
    "about the author": "TK: The author's position, institution and field, in a sentence or two.",
    "about the publication": "TK: The journal: who publishes it, how often, and what it covers.",
}
KEY_POINT = (
    "### TK: The first key point, as a one-line claim\n\n"
    "TK: The evidence and reasoning behind it: a paragraph, or a list of bold-led items."
)
STOP_WORDS = frozenset(("a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to"))
SLUG_WORDS = 6  # '008-zhao-long-china-russia-strategic-coordination' at most


class IssueExists(click.ClickException):
    """Raised when the file `newsletter new` would write is already there: it never overwrites."""


@dataclass(frozen=True)
class Scaffold:
    """A new issue's file: where it goes and what it says."""

    path: Path
    number: int
    date: datetime
    text: str


def slugify(title: str) -> str:
    """'ZHAO Long on China-Russia Relations' -> 'zhao-long-china-russia-relations'."""
    # Accents go ('é' -> 'e'); any other character outside ASCII (a dash, '赵') parts words.
    folded = "".join(
        c if c.isascii() else "" if unicodedata.combining(c) else " "
        for c in unicodedata.normalize("NFKD", title)
    )
    words = re.findall(r"[a-z0-9]+", folded.casefold())
    content = [word for word in words if word not in STOP_WORDS] or words
    return "-".join(content[:SLUG_WORDS]) or "untitled"


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _yaml_text(value: str) -> str:
    """VALUE as a YAML scalar: plain when it reads back unchanged, else double-quoted."""
    try:
        plain = yaml.safe_load(f"key: {value}") == {"key": value}
    except yaml.YAMLError:
        plain = False
    return value if plain and value == value.strip() else json.dumps(value, ensure_ascii=False)


def _date_text(moment: datetime) -> str:
    """'2024-10-21' for a plain date (midnight UTC), else the full date-time with its offset."""
    if moment.tzinfo == UTC and moment.time() == time(0):
        return moment.date().isoformat()
    return moment.isoformat()


def render(settings: Settings, number: int, day: datetime, title: str) -> str:
    """A new issue's text: front matter to fill in, the editor's note, the template's sections."""
    title_line = _yaml_text(title) if title else '"TK: The issue\'s title, as in the subject line"'
    front = [
        "---",
        f"number: {number}",
        f"date: {_date_text(day)}",
        f"title: {title_line}",
        'subtitle: "TK: One sentence: the article\'s argument (the preheader and feed summary)."',
        "tags: []",
        "status: draft  # delete this line when the issue is ready to publish",
        "article:",
        '  title: "TK: The article\'s title, in English"',
        "  authors:",
        '    - name: "TK: FAMILY Given"',
        '      name_native: ""  # the name in its own script, as in 赵隆',
        '  publication: "TK: The journal\'s name, in English"',
        '  publication_native: ""  # as in 《俄罗斯研究》',
        "  # url: https://…  (the original article)",
        "  # doi: 10.…",
        "---",
    ]
    note = (
        f"TK: The editor's note: welcome readers to the {_ordinal(number)} edition "
        "and say what this week's article is about."
    )
    parts = ["\n".join(front), note]
    for spec in settings.sections:
        hint = HINTS.get(spec.key, f"TK: What goes under '{spec.title}'.")
        body = f"{hint}\n\n{KEY_POINT}" if spec.key == normalise_title("Key Points") else hint
        parts.append(f"## {spec.title}\n\n{body}")
    return "\n\n".join(parts) + "\n"


def plan(root: Path, title: str = "", day: date | None = None) -> Scaffold:
    """The next issue: the next number, a week after the latest (or on DAY), slug from TITLE."""
    settings = load_settings(root)
    issues: list[Issue] = []
    if any(settings.issues_dir.glob("*.md")):
        issues, _warnings = load_issues(settings)  # newest first
    number = max((issue.number for issue in issues), default=0) + 1
    if day is not None:
        moment = datetime.combine(day, time(0), tzinfo=UTC)
    elif issues:
        moment = issues[0].date + WEEK
    else:
        moment = datetime.combine(date.today(), time(0), tzinfo=UTC)
    path = settings.issues_dir / f"{number:03d}-{slugify(title)}.md"
    return Scaffold(path, number, moment, render(settings, number, moment, title.strip()))


def create(scaffold: Scaffold) -> None:
    """Write the new issue's file; raise IssueExists rather than overwrite anything."""
    scaffold.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with scaffold.path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(scaffold.text)
    except FileExistsError:
        shown = f"{scaffold.path.parent.name}/{scaffold.path.name}"
        raise IssueExists(
            f"{shown} already exists: newsletter new never overwrites a file"
        ) from None
