"""The issues as a series: what no two issues may share (numbers, feed ids, page folders)."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import Problem
from .model import Issue


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
