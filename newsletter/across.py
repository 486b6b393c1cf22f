"""Checks across issues: what no single file shows, and the messages both sides must agree on.

A number or a feed id used twice is an error; dates out of order with the numbers, repeated, or
far ahead, and files in issues/ that look like issues but are not read, are warnings; a section
title misspelt in the template is one problem in pyproject.toml instead of one in every issue.

It works on the issues (model.py) and imports neither YAML nor Markdown: a render with no file to
read runs these checks without loading either.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from .config import Settings, closest, did_you_mean, settings_line
from .errors import Problem
from .model import Issue
from .project import SETTINGS_FILE


def unknown_section(title: str, titles: list[str]) -> str:
    """The warning for a section the template does not have."""
    hint = did_you_mean(title, titles) or f" (the template has: {', '.join(titles)})"
    return f"unknown section '{title}'{hint}"


def missing_section(title: str) -> str:
    """The error for a required section that an issue lacks."""
    return f"missing required section '{title}'"


def across(
    settings: Settings, issues: Sequence[Issue], problems: Iterable[Problem]
) -> list[Problem]:
    """Every problem of the project: each file's PROBLEMS and what shows only across ISSUES.

    A number or an id used twice is an error; dates out of order with the numbers, a date used
    twice or more than a year after the newest other issue, and a file in issues/ that looks like
    an issue but is not read (not '*.md') are warnings. A section title that the template
    spells one way and every issue another is one problem, at its line in pyproject.toml.
    """
    found = _template_misspelt(settings, issues, list(problems))
    found += repeated(issues)
    failed = {p.path for p in found if p.severity == "error"}  # their dates would mislead
    found += _dates(settings, [issue for issue in issues if issue.path not in failed])
    found += strays(settings)
    return found


def repeated(issues: Iterable[Issue]) -> list[Problem]:
    """A number, a feed id or a page's folder names one issue: the second file (by name) to reuse
    one is an error."""
    problems: list[Problem] = []
    by_number: dict[int, Issue] = {}
    by_id: dict[str, Issue] = {}
    issues = sorted(issues, key=lambda i: i.path)
    by_folder: dict[str, Issue] = {issue.slug: issue for issue in issues}
    for issue in issues:
        for alias in issue.aliases:
            other = by_folder.setdefault(alias, issue)
            if other is not issue:
                what = "the slug" if other.slug == alias else "an alias"
                message = f"aliases: {alias!r} is already {what} of {other.path}"
                problems.append(Problem(issue.path, issue.aliases_line, message))
    for issue in issues:
        if issue.number in by_number:
            problems.append(
                Problem(
                    issue.path,
                    2,
                    f"number: {issue.number} is already used by {by_number[issue.number].path}",
                )
            )
            continue
        by_number[issue.number] = issue
        if issue.id in by_id:  # feed readers would take the two issues for one
            message = f"id: {issue.id!r} is already used by {by_id[issue.id].path}"
            problems.append(Problem(issue.path, issue.id_line, message))
        else:
            by_id[issue.id] = issue
    return problems


DAY_SLACK = timedelta(days=366)  # 'a year after the newest other issue', leap years too
LOOKS_LIKE_AN_ISSUE = (".markdown", ".mdown", ".mkd", ".mkdn", ".md")  # any case
READ_AS_ISSUES = "*.md"


def _day(value: datetime) -> date:
    """The calendar date of an issue's date."""
    return value.date()


def _key_line(settings: Settings, shown: str, key: str) -> int:
    """The line of front matter KEY in the issue file SHOWN, for a warning about its value."""
    try:
        text = (settings.root / shown).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):  # changed since it was read: the next run tells
        return 1
    from .issues import front_matter_end  # here: YAML and Markdown only when a date is wrong

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    end = front_matter_end(lines) or len(lines)
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    return next((i + 1 for i in range(1, end) if pattern.match(lines[i])), 1)


def _dates(settings: Settings, issues: Sequence[Issue]) -> list[Problem]:
    """Warnings for dates that are likely typos: out of order with the numbers, repeated, or
    more than a year after every other issue."""
    problems: list[Problem] = []
    ordered = sorted(issues, key=lambda i: (i.number, i.path))
    days = [_day(issue.date) for issue in ordered]

    def warn(issue: Issue, message: str) -> None:
        line = _key_line(settings, issue.path, "date")
        problems.append(Problem(issue.path, line, message, "warning"))

    ahead: set[int] = set()
    newest = sorted(range(len(days)), key=days.__getitem__)[-2:]  # the two newest issues
    for index, (issue, day) in enumerate(zip(ordered, days, strict=True)):
        others = [days[i] for i in newest if i != index]
        if others and day > max(others) + DAY_SLACK:
            ahead.add(index)
            warn(
                issue,
                f"date: {day.isoformat()} is more than a year after the newest other issue "
                f"({max(others).isoformat()}): is the year right?",
            )
    first_of_day: dict[date, Issue] = {}
    for index, (issue, day) in enumerate(zip(ordered, days, strict=True)):
        if day in first_of_day:
            other = first_of_day[day]
            warn(
                issue,
                f"date: {day.isoformat()} is also the date of issue {other.number} "
                f"({other.path}): is one of them wrong?",
            )
            continue
        first_of_day[day] = issue
        previous = index - 1
        if previous >= 0 and previous not in ahead and day < days[previous]:
            before = ordered[previous]
            warn(
                issue,
                f"date: {day.isoformat()} is before the date of issue {before.number} "
                f"({days[previous].isoformat()}), yet the number {issue.number} comes after "
                "it: is the date or the number wrong?",
            )
    return problems


def strays(settings: Settings) -> list[Problem]:
    """A warning for each file in issues/ that looks like an issue but is not read as one."""
    folder = settings.issues_dir
    inside = folder.is_relative_to(settings.root)
    shown = folder.relative_to(settings.root).as_posix() if inside else str(folder)
    problems: list[Problem] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return problems
    for path in entries:
        name = path.name
        if name.startswith(".") or name.endswith("~") or path.match(READ_AS_ISSUES):
            continue
        suffix = path.suffix.lower()
        if suffix == ".txt":
            try:
                with path.open("rb") as handle:
                    start = handle.read(8).removeprefix(b"\xef\xbb\xbf")
            except OSError:
                continue
            if not start.startswith(b"---"):  # notes, not an issue: no front matter
                continue
        elif suffix not in LOOKS_LIKE_AN_ISSUE:
            continue
        if not path.is_file():
            continue
        stem = name[: -len(path.suffix)]
        target = stem if stem.endswith(".md") else f"{stem}.md"
        problems.append(
            Problem(
                f"{shown}/{name}",
                1,
                f"not read: only files named '*.md' are issues; rename it to '{target}'",
                "warning",
            )
        )
    return problems


_UNKNOWN_SECTION = re.compile(r"unknown section '(.*)' \(did you mean ")


def _template_misspelt(
    settings: Settings, issues: Sequence[Issue], problems: list[Problem]
) -> list[Problem]:
    """PROBLEMS, but when every issue has a section that the template in pyproject.toml spells
    otherwise ('Why It Matters' against 'Why It Maters'), the one mistake, at its line there,
    instead of a warning (and an error, when required) in every issue."""
    titles = [spec.title for spec in settings.sections]
    files = {issue.path for issue in issues} | {p.path for p in problems if p.path != SETTINGS_FILE}
    if len(files) < 2:  # one issue spelling a section otherwise may well be the issue's typo
        return problems
    taken: dict[str, dict[str, Problem]] = {}  # template title -> file -> its warning
    for problem in problems:
        match = _UNKNOWN_SECTION.match(problem.message) if problem.severity == "warning" else None
        if match is None:
            continue
        heading = match[1]
        title = closest(heading, titles)
        if title is not None and problem.message == unknown_section(heading, titles):
            taken.setdefault(title, {}).setdefault(problem.path, problem)
    for spec in settings.sections:
        warnings = taken.get(spec.title, {})
        if set(warnings) != files:
            continue
        line = settings_line(settings.root, "sections", spec.title)
        if line is None:  # the default template: not the editor's spelling
            continue
        missing = [
            p for p in problems if p.message == missing_section(spec.title) and p.path in files
        ]
        if spec.required and {p.path for p in missing} != files:
            continue  # some issue has the section as the template spells it
        written = Counter(
            match[1] for p in warnings.values() if (match := _UNKNOWN_SECTION.match(p.message))
        )
        heading = written.most_common(1)[0][0]
        dropped = set(warnings.values()) | set(missing)
        problems = [p for p in problems if p not in dropped]
        problems.append(
            Problem(
                SETTINGS_FILE,
                line,
                f"sections: every issue has a section '{heading}', none {spec.title!r}: "
                f"did you mean '{heading}'?",
                "error" if spec.required else "warning",
            )
        )
    return problems
