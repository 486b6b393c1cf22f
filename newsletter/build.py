"""The pipeline: settings → the issues that changed → choose → render → write → save the state.

`render` reads top to bottom as its stages: first it gathers all data (the settings, every issue,
what the last render wrote), then it writes. Only what changed is redone: state.py holds the
policy. Reading and rendering many issues is spread over one process per core (parallel.py).

The heavy libraries (YAML, Markdown, Jinja, premailer, feedgen) are imported by the stages that use
them, so a run with nothing to do costs little more than starting Python.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import images, output, parallel, stamp, state
from .config import Settings, load_settings
from .errors import InvalidInput, Problem, UnknownIssue
from .state import Record, Sources, State

if TYPE_CHECKING:
    import jinja2

    from . import lint
    from .archive import Page
    from .compose import IssueFiles
    from .model import Issue

log = logging.getLogger(__name__)

FEED_FILES = ("feed.xml", "atom.xml", "feed.json")
INDEX_FILES = ("index.html",)
READ_HERE = 8  # up to this many changed issue files are read in this process

Progress = Callable[[int, int], None]  # (issues done, issues to do), after each issue


# --- gather: the settings, every issue, what the last render wrote ------------------------------


@dataclass(frozen=True)
class Project:
    """A validated project: its settings, and a record of every valid issue, newest first."""

    settings: Settings
    sources: Sources
    records: tuple[Record, ...]
    warnings: tuple[Problem, ...]

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Every issue, newest first, drafts included."""
        return tuple(record.issue for record in self.records)

    @property
    def published(self) -> tuple[Record, ...]:
        """The records of the published issues, newest first: the archive's and feeds' issues."""
        return tuple(record for record in self.records if not record.issue.is_draft)


def _read(job: tuple[Path, Settings]) -> tuple[Issue | None, list[Problem]]:
    from .issues import read_issue  # imported here: YAML and Markdown only when a file is read

    return read_issue(*job)


def read(
    settings: Settings, sources: Sources, last: State, workers: parallel.Workers | None
) -> Project:
    """Every issue file, read again only where it changed since LAST, then checked across all;
    raise InvalidInput listing every error of every file."""
    from .across import across

    paths = sorted(settings.issues_dir.glob("*.md"))
    if not paths:
        message = f"no issues: add a Markdown file to {settings.issues_dir}"
        raise InvalidInput([Problem("issues", 1, message)])
    folder = settings.issues_dir.relative_to(settings.root).as_posix()
    records: list[Record] = []
    unread: list[tuple[Path, stamp.Stat, str, str]] = []  # path, stat, hash of bytes, of checks
    pictures = images.fingerprint(settings.issues_dir)  # an issue is read with its images
    for path in paths:
        shown = f"{folder}/{path.name}"
        stat = stamp.stat_of(str(path)) or (0, 0, 0)
        content = last.content(shown, stat) or state.digest(path.read_bytes())
        checked = state.digest(sources.checks, shown, content, pictures)
        record = last.records.get(shown)
        if record is not None and record.checked == checked:
            records.append(record if record.stat == stat else replace(record, stat=stat))
        else:
            unread.append((path, stat, content, checked))
    problems = [
        Problem(record.path, line, message, "warning")
        for record in records
        for line, message in record.warnings
    ]
    jobs = [(path, settings) for path, *_ in unread]
    if workers is not None and jobs:  # those issues will be rendered: workers prepare meanwhile
        workers.start(len(jobs) if last.records else None)
    # A few files are read here at once; many (a first render) are worth spreading.
    many = workers is not None and len(jobs) > READ_HERE
    reads = workers.map(_read, jobs) if workers is not None and many else map(_read, jobs)
    for (_, stat, content, checked), (issue, found) in zip(unread, reads, strict=True):
        problems += found
        if issue is not None:
            warnings = tuple((p.line, p.message) for p in found if p.severity == "warning")
            records.append(Record(issue, stat, content, checked, warnings))
    # Numbers and ids used twice: errors; dates, stray files: warnings.
    problems = across(settings, [record.issue for record in records], problems)
    if any(problem.severity == "error" for problem in problems):
        raise InvalidInput(problems)
    records.sort(key=lambda r: (r.issue.date, r.issue.number), reverse=True)
    return Project(settings, sources, tuple(records), tuple(sorted(problems)))


def validate(root: Path) -> tuple[Settings, list[Issue], list[Problem]]:
    """Load the settings and read every issue afresh, here; raise InvalidInput on any error."""
    settings = load_settings(root)
    project = read(settings, state.sources(settings), State(), None)
    return settings, list(project.issues), list(project.warnings)


def moved(last: State, project: Project) -> list[Problem]:
    """A warning for each published issue whose slug changed since the last render, with the
    `aliases:` line that keeps the links of emails already sent working."""
    problems = []
    for record in project.published:
        issue = record.issue
        before = last.slugs.get(issue.id)
        if before is None or before == issue.slug or before in issue.aliases:
            continue
        line = ", ".join((*issue.aliases, before))
        message = (
            f"the slug changed from '{before}' since the last render, and emails already sent "
            f"link to its page: add 'aliases: [{line}]' to the front matter"
        )
        problems.append(Problem(issue.path, issue.aliases_line or 1, message, "warning"))
    return problems


# --- choose: the issues asked for, and what of them and of the pages is stale ---------------------


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


def listings(project: Project) -> dict[str, state.Listing]:
    """The site's pages, each with its files and the issues it lists."""
    published = project.published
    # A feed with no entry is dated by SOURCE_DATE_EPOCH.
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return {
        "index": state.Listing(INDEX_FILES, published),
        "feeds": state.Listing(FEED_FILES, published[: project.settings.feed_size], epoch, True),
    }


def archive_pages(
    project: Project, last: State, out_dir: Path
) -> tuple[list[Page], frozenset[str], dict[str, state.SearchRecords]]:
    """The archive's topic pages, sitemap and search index, each keyed on the issues it lists,
    the names of those to render again, and the search records of the years to index again. An
    issue's search record is made from its text where the last render's is not of this issue."""
    from . import archive

    settings, sources = project.settings, project.sources
    listed = [(record.key(sources), record.issue) for record in project.published]
    # When no issue they list changed and their files are as written, the pages stand: nothing
    # (no layout, no issue) need be loaded to plan them.
    everything = state.digest(sources.site, *(key for key, _ in listed))
    if last.pages.get("archive") == everything:
        standing = archive.recorded(last.pages, last.files)
        if last.intact([name for page in standing for name in page.files], out_dir):
            nothing = archive.Page("archive", everything, (), archive.nothing)
            return [*standing, nothing], frozenset(), {}
    env = _environment(Setup(settings, sources.layouts))

    def due(shelf: list[Page]) -> frozenset[str]:
        return frozenset(
            page.name
            for page in shelf
            if last.pages.get(page.name) != page.key or not last.intact(page.files, out_dir)
        )

    shelf = archive.pages(settings, env, sources.site, listed, last.files)
    years = {name.partition("/")[2] for name in due(shelf) if name.startswith("search/")}
    searched: dict[str, state.SearchRecords] = {}
    if years:
        from . import search

        kept = {year: state.load_search(settings.root, out_dir, year) for year in years}
        for (key, issue), record in zip(listed, project.published, strict=True):
            year = str(issue.date.year)
            if year in years:
                hit = kept[year].get(issue.path)
                if hit is None or hit[0] != key:  # its text: the state keeps none
                    hit = (key, search.record(_whole(settings, record)))
                searched.setdefault(year, {})[issue.path] = hit
        by_path = {issue.path: issue for _, issue in listed}
        indexing = {  # started now: Pagefind runs while the issues and the pages are rendered
            year: search.Indexing(
                settings,
                [(by_path[path].out_dir, text) for path, (_, text) in found.items()],
                int(year),
            )
            for year, found in searched.items()
        }
        shelf = archive.indexed(shelf, indexing)
    shelf.append(archive.Page("archive", everything, (), archive.nothing))
    return shelf, due(shelf), searched


def _fed(project: Project) -> list[str]:
    """The paths of the issues a topic's feeds carry: the state keeps their feed bodies."""
    from . import archive

    issues = [record.issue for record in project.published]
    size = project.settings.feed_size
    return [issue.path for topic in archive.topics_of(issues) for issue in topic.issues[:size]]


# --- render ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What rendering an issue needs: the settings, and the layouts (by their hash)."""

    settings: Settings
    layouts: str


@functools.cache
def _environment(setup: Setup) -> jinja2.Environment:
    """One environment per process for as long as the layouts are the same: each layout is
    compiled once, not once per issue."""
    from . import layouts

    return layouts.environment(setup.settings)


def _compose(job: tuple[Setup, Issue | Path]) -> IssueFiles:
    """Every file of one issue, or of the issue file at a path (in a worker, for many)."""
    from .compose import compose

    setup, issue = job
    if isinstance(issue, Path):
        issue = _read_again(setup.settings, issue)
    return compose(_environment(setup), setup.settings, issue)


def _read_again(settings: Settings, path: Path) -> Issue:
    """The issue at PATH, read again for its body (the state keeps none)."""
    issue, problems = _read((path, settings))
    if issue is None:  # it changed since it was validated, a moment ago
        raise InvalidInput(problems)
    return issue


def _whole(settings: Settings, record: Record) -> Issue:
    """RECORD's issue with its body: as read in this run, or read again."""
    return record.issue if record.complete else _read_again(settings, settings.root / record.path)


def _prepare() -> None:
    """Ready a worker for inlining: premailer imported and configured."""
    from . import inline

    inline.inliner()


def _index(setup: Setup, listed: Sequence[Record]) -> dict[str, bytes]:
    """The archive index of the LISTED issues."""
    from . import site

    issues = [record.issue for record in listed]
    return {"index.html": site.archive(_environment(setup), issues, setup.settings).encode()}


def _feeds(setup: Setup, listed: Sequence[Record], articles: dict[str, str]) -> dict[str, bytes]:
    """The feeds of the LISTED issues, their bodies from ARTICLES (by path) or rendered now."""
    from . import feeds, site
    from .content import render_issue

    settings, entries = setup.settings, []
    for record in listed:
        if record.path not in articles:
            content = render_issue(_whole(settings, record))
            articles[record.path] = site.article(_environment(setup), content, settings)
        entries.append(feeds.Entry.of(record.issue, articles[record.path]))
    return {
        "feed.xml": feeds.rss(settings, entries),
        "atom.xml": feeds.atom(settings, entries),
        "feed.json": feeds.json_feed(settings, entries),
    }


@dataclass
class Rendering:
    """The files a render produced, as they come: each issue's and the pages'."""

    # By issue file: the names of its files and its feed body (not the files: they are written).
    composed: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    shelf: list[Page] = field(default_factory=list)  # the archive's pages
    due: frozenset[str] = frozenset()  # those of them to render again
    produced: dict[str, tuple[str, ...]] = field(default_factory=dict)  # what those wrote
    bodies: dict[str, str] = field(default_factory=dict)  # feed bodies made for the topics' feeds

    def archive(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Each archive page's key and files, as they stand after this render."""
        return {p.name: (p.key, self.produced.get(p.name, p.files)) for p in self.shelf}

    def articles(self, project: Project, plan: state.Plan) -> dict[str, str]:
        """The feed bodies at hand: rendered in this run, or kept by the last one."""
        found = {path: article for path, (_, article) in self.composed.items()}
        found |= self.bodies
        for record in project.published:
            if record.article and record.rendered == record.key(project.sources):
                found.setdefault(record.path, record.article)
        return found


def render_files(
    project: Project,
    plan: state.Plan,
    lists: dict[str, state.Listing],
    workers: parallel.Workers,
    rendering: Rendering,
    progress: Progress | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every file the plan calls for, as it is rendered; each issue's into RENDERING.

    Many issues go to the workers, whole, and the index is rendered here meanwhile. One issue
    is rendered here but for its CSS inlining, which a worker does, having imported premailer
    while this process read the issue; the pages are rendered here while it inlines.
    """
    setup = Setup(project.settings, project.sources.layouts)
    stale = plan.issues
    pages: dict[str, bytes] = {}
    if len(stale) == 1:
        from .compose import finish, prepare
        from .inline import inline_css

        issue = _whole(setup.settings, stale[0])
        draft = prepare(_environment(setup), setup.settings, issue)
        inlined = workers.submit(inline_css, draft.document)
        if "index" in plan.pages:
            pages |= _index(setup, lists["index"].records)
        if "feeds" in plan.pages:
            articles = rendering.articles(project, plan) | {draft.issue.path: draft.article}
            pages |= _feeds(setup, lists["feeds"].records, articles)
        results: Iterator[IssueFiles] = iter([finish(draft, setup.settings, inlined.result())])
    else:
        jobs = [(setup, r.issue if r.complete else setup.settings.root / r.path) for r in stale]
        results = workers.map(_compose, jobs)
        if "index" in plan.pages:
            pages |= _index(setup, lists["index"].records)
    for done, files in enumerate(results, 1):
        rendering.composed[files.issue.path] = (files.names, files.article)
        yield from files.files.items()
        if progress:
            progress(done, len(stale))
    if "feeds" in plan.pages and "feed.xml" not in pages:
        pages |= _feeds(setup, lists["feeds"].records, rendering.articles(project, plan))
    yield from pages.items()
    if rendering.due:  # the archive's pages: topics with their feeds, sitemap, search
        from . import site
        from .content import render_issue

        articles = rendering.articles(project, plan)
        by_path = {record.path: record for record in project.records}

        def body(issue: Issue) -> str:
            if issue.path not in articles:
                content = render_issue(_whole(setup.settings, by_path[issue.path]))
                articles[issue.path] = site.article(_environment(setup), content, setup.settings)
                rendering.bodies[issue.path] = articles[issue.path]  # kept in the state
            return articles[issue.path]

        for page in rendering.shelf:
            if page.name in rendering.due:
                written = page.render(body)
                rendering.produced[page.name] = tuple(sorted(written))
                yield from written.items()


@dataclass(frozen=True)
class Report:
    """What a run did: the issues it covered, their files, those changed and removed, warnings."""

    issues: tuple[Issue, ...]
    files: tuple[str, ...]
    changed: tuple[str, ...]
    warnings: tuple[Problem, ...]
    rendered: tuple[Issue, ...] = ()  # the issues rendered again; the others were up to date
    removed: tuple[str, ...] = ()  # files of issues and pages that no longer are

    def summary(self) -> stamp.Summary:
        """The counts and warnings the command prints."""
        warnings = tuple(str(warning) for warning in self.warnings)
        counts = (len(self.issues), len(self.files), len(self.changed))
        return stamp.Summary(*counts, warnings, self.removed)


def render(
    root: Path,
    out_dir: Path,
    names: Sequence[str] = (),
    drafts: bool = False,
    progress: Progress | None = None,
    force: bool = False,
) -> Report:
    """Render the issues of the project at ROOT into OUT_DIR (all published ones by default).

    Only the issues and pages whose inputs changed are rendered; FORCE renders everything and
    trusts nothing an earlier run recorded but which files it wrote.
    """
    settings = load_settings(root)
    sources = state.sources(settings)
    with output.locked(out_dir):  # a second render waits here, then sees the first's output
        with parallel.Workers(_prepare) as workers:  # stopped before the lock is let go
            # A few issues edited since the last render: their workers import premailer while
            # this process reads the state.
            edited = None if force else stamp.changed_issues(root, out_dir)
            if edited is not None and 0 < edited <= READ_HERE:
                workers.start(edited)
            last = state.load(root, out_dir, sources)
            if force:
                last = last.forget()
            project = read(settings, sources, last, workers)
            warnings = [*project.warnings, *moved(last, project)]
            chosen = select(project.issues, names, root, drafts)
            lists = listings(project)
            plan = state.plan(last, sources, project.records, chosen, lists, out_dir)
            rendering = Rendering()
            rendering.shelf, rendering.due, searched = archive_pages(project, last, out_dir)
            files = render_files(project, plan, lists, workers, rendering, progress)
            changed = output.write_tree(out_dir, files)
        now, gone = state.settle(
            last,
            sources,
            project.records,
            chosen,
            lists,
            plan,
            rendering.composed,
            out_dir,
            more=rendering.archive(),
            more_written={name for names in rendering.produced.values() for name in names},
            fed={path: rendering.bodies.get(path, "") for path in _fed(project)},
        )
        from . import archive

        gone = sorted({*gone, *archive.stale(last.files, now.files, out_dir)})
        removed = output.remove(out_dir, gone)
        state.remove_legacy(out_dir)  # an older version's, never read: it held pickles
        state.save(root, out_dir, now)
        state.save_search(root, out_dir, searched)
        paths = {issue.path for issue in chosen}
        issue_files = [n for r in now.records.values() if r.path in paths for n in r.outputs]
        page_files = [name for listing in lists.values() for name in listing.files]
        page_files += [name for _, names in rendering.archive().values() for name in names]
        report = Report(
            tuple(chosen),
            tuple(sorted([*issue_files, *page_files])),
            tuple(changed),
            tuple(sorted(warnings)),
            tuple(record.issue for record in plan.issues),
            tuple(removed),
        )
        # A repeated command repeats the issues' warnings, not what it said of the last render.
        kept = replace(report, warnings=project.warnings)
        stamp.record(root, out_dir, [list(names), drafts], kept.summary(), now.files)
    return report


# --- check: every issue validated, every email rendered in memory and linted --------------------


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


def _lint_email(job: tuple[Setup, Issue | Path]) -> tuple[lint.EmailSize, list[Problem]]:
    """Compose one issue's files in memory and run the pre-flight lints on its email."""
    from . import lint

    files = _compose(job)
    return lint.check_email(files.issue, job[0].settings, files.html, files.text)


def _nothing() -> None:
    """Ready a worker that only reads issues."""


def check(root: Path, emails: bool = True, out_dir: Path | None = None) -> CheckReport:
    """Validate every issue, then compose each one's email in memory and run the pre-flight
    lints. The state of the render into OUT_DIR (out/) spares reading unchanged issues; nothing
    is written."""
    settings = load_settings(root)
    sources = state.sources(settings)
    last = state.load(root, out_dir or root / "out", sources)
    sizes: list[tuple[Issue, lint.EmailSize]] = []
    with parallel.Workers(_prepare if emails else _nothing) as workers:
        project = read(settings, sources, last, workers)
        problems = [*project.warnings]
        if emails:
            setup = Setup(settings, sources.layouts)
            jobs: list[tuple[Setup, Issue | Path]] = [
                (setup, r.issue if r.complete else settings.root / r.path) for r in project.records
            ]
            for issue, (size, found) in zip(
                project.issues, workers.map(_lint_email, jobs), strict=True
            ):
                sizes.append((issue, size))
                problems.extend(found)
    return CheckReport(project.issues, tuple(sizes), tuple(sorted(set(problems))))
