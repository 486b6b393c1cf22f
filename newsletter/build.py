"""The pipeline: settings → issues → Markdown → layouts → inlined CSS → files written atomically."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import email, feeds, layouts, lint, output, site
from .config import Settings, load_settings
from .errors import Problem, UnknownIssue
from .issues import Issue, load_issues
from .markdown import RenderedIssue, render_issue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """What a run did: the issues it rendered, the files it changed, the warnings it met."""

    issues: tuple[Issue, ...]
    files: tuple[str, ...]
    changed: tuple[str, ...]
    warnings: tuple[Problem, ...]


def validate(root: Path) -> tuple[Settings, list[Issue], list[Problem]]:
    """Load the settings and every issue; raise InvalidInput listing every error."""
    settings = load_settings(root)
    issues, warnings = load_issues(settings)
    return settings, issues, warnings


def select(
    issues: Sequence[Issue], names: Sequence[str], root: Path, drafts: bool = False
) -> list[Issue]:
    """The issues to render: those NAMEd (by number, slug or path), else every published one."""
    if not names:
        return [issue for issue in issues if drafts or not issue.is_draft]
    chosen: list[Issue] = []
    for name in names:
        path = Path(name)
        shown = (path if path.is_absolute() else Path.cwd() / path).resolve()
        matches = [
            issue
            for issue in issues
            if name in (str(issue.number), issue.slug) or (root / issue.path).resolve() == shown
        ]
        if not matches:
            raise UnknownIssue(f"no issue matches {name!r}: give its number, slug or path")
        chosen.extend(issue for issue in matches if issue not in chosen)
    return chosen


Progress = Callable[[int, int], None]  # (issues done, issues to do), after each issue


def render_files(
    settings: Settings,
    issues: Sequence[Issue],
    selected: Sequence[Issue],
    progress: Progress | None = None,
) -> dict[str, bytes]:
    """Every output file, in memory: nothing is written until all of them rendered."""
    env = layouts.environment(settings)
    published = [issue for issue in issues if not issue.is_draft]
    in_feed = published[: settings.feed_size]
    rendered: dict[str, RenderedIssue] = {}
    for issue in [*selected, *in_feed]:
        if issue.slug not in rendered:
            rendered[issue.slug] = render_issue(issue)

    files: dict[str, bytes] = {}
    for done, issue in enumerate(selected, start=1):
        content = rendered[issue.slug]
        log.info("rendering %s", issue.path)
        html = email.render_html(env, content, settings)
        text = email.render_text(env, content, settings)
        files[f"{issue.out_dir}/index.html"] = site.page(env, content, settings).encode()
        files[f"{issue.out_dir}/email.html"] = html.encode()
        files[f"{issue.out_dir}/email.txt"] = text.encode()
        files[f"{issue.out_dir}/email.eml"] = email.message(content, settings, text, html)
        if progress:
            progress(done, len(selected))
    entries = [
        feeds.Entry.of(issue, site.article(env, rendered[issue.slug], settings))
        for issue in in_feed
    ]
    files["feed.xml"] = feeds.rss(settings, entries)
    files["atom.xml"] = feeds.atom(settings, entries)
    files["feed.json"] = feeds.json_feed(settings, entries)
    files["index.html"] = site.archive(env, published, settings).encode()
    return files


@dataclass(frozen=True)
class CheckReport:
    """What `check` found: the issues, each one's email size, and every problem."""

    issues: tuple[Issue, ...]
    sizes: tuple[tuple[Issue, lint.EmailSize], ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that fail the check."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems that fail it only with --strict."""
        return tuple(p for p in self.problems if p.severity == "warning")


def check(root: Path, emails: bool = True) -> CheckReport:
    """Validate every issue, then render each one's email in memory and run the pre-flight lints."""
    settings, issues, warnings = validate(root)
    problems = list(warnings)
    sizes: list[tuple[Issue, lint.EmailSize]] = []
    if emails:
        env = layouts.environment(settings)
        for issue in issues:
            content = render_issue(issue)
            html = email.render_html(env, content, settings)
            text = email.render_text(env, content, settings)
            size, found = lint.check_email(issue, settings, html, text)
            sizes.append((issue, size))
            problems.extend(found)
    return CheckReport(tuple(issues), tuple(sizes), tuple(sorted(set(problems))))


def render(
    root: Path,
    out_dir: Path,
    names: Sequence[str] = (),
    drafts: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Render the issues of the project at ROOT into OUT_DIR (all published ones by default)."""
    with output.locked(out_dir):  # a second render waits here, then sees the first's output
        settings, issues, warnings = validate(root)
        selected = select(issues, names, root, drafts)
        files = render_files(settings, issues, selected, progress)
        changed = output.write_tree(out_dir, files)
    return Report(tuple(selected), tuple(sorted(files)), tuple(changed), tuple(warnings))
