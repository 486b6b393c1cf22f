"""The pipeline: settings → issues → Markdown → layouts → inlined CSS → files written atomically.

Only what changed is redone. The manifest in out/ (manifest.py) records what every output was
rendered from: an issue whose file, settings, layouts and package are unchanged, and whose outputs
are as they were written, is neither read again nor rendered again, and the feeds and the index
are rewritten only when an issue they list changed. Reading and rendering many issues is spread
over one process per core (parallel.py).

The heavy libraries (YAML, Markdown, Jinja, premailer, feedgen) are imported by the stages that use
them, so a run with nothing to do costs little more than starting Python.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from . import manifest, output, parallel, uptodate
from .config import Settings, load_settings
from .errors import InvalidInput, Problem, UnknownIssue
from .manifest import Entry, Manifest, Models, Sources

if TYPE_CHECKING:
    import jinja2

    from . import lint
    from .archive import Page
    from .issues import Issue

log = logging.getLogger(__name__)

ISSUE_FILES = ("index.html", "email.html", "email.txt", "email.eml")
FEED_FILES = ("feed.xml", "atom.xml", "feed.json")
INDEX_FILES = ("index.html",)
READ_HERE = 8  # up to this many changed issue files are read in this process

Progress = Callable[[int, int], None]  # (issues done, issues to do), after each issue


@dataclass(frozen=True)
class Report:
    """What a run did: the issues it covered, their files, those that changed, the warnings."""

    issues: tuple[Entry, ...]
    files: tuple[str, ...]
    changed: tuple[str, ...]
    warnings: tuple[Problem, ...]
    rendered: tuple[Entry, ...] = ()  # the issues rendered again; the others were up to date

    def summary(self) -> uptodate.Summary:
        """The counts and warnings the command prints."""
        warnings = tuple(str(warning) for warning in self.warnings)
        return uptodate.Summary(len(self.issues), len(self.files), len(self.changed), warnings)


@dataclass
class Project:
    """A validated project: its settings, every valid issue (newest first), the last render."""

    settings: Settings
    sources: Sources
    last: Manifest  # what the last render into out/ recorded (empty when not trusted)
    entries: list[Entry]
    warnings: list[Problem]
    parsed: dict[str, Issue]  # the issues read in this run, by path; the others are cached
    out_dir: Path | None
    models: Models | None = None

    @property
    def setup(self) -> Setup:
        """What rendering its issues needs; layouts compiled into the build's own state, once
        an earlier render made it (a first render that fails leaves no out/ behind)."""
        state = self.out_dir / manifest.STATE_DIR if self.out_dir else None
        compiled = state / "layouts" if state is not None and state.is_dir() else None
        return Setup(self.settings, self.sources.layouts, compiled)

    def cache(self) -> Models:
        """The issues and feed bodies the last render kept, loaded when first needed."""
        if self.models is None:
            out = self.out_dir
            self.models = manifest.load_models(out, self.sources) if out else Models()
        return self.models

    def issue(self, entry: Entry) -> Issue:
        """The validated issue of ENTRY: read in this run, cached by the last, or read now."""
        if entry.path in self.parsed:
            return self.parsed[entry.path]
        cached = self.cache().issues.get(entry.checked)
        if cached is None:
            cached = _read_again(self.settings, entry)
            self.parsed[entry.path] = cached
        return cached


def _read_again(settings: Settings, entry: Entry) -> Issue:
    from .issues import read_issue

    issue, problems = read_issue(settings.root / entry.path, settings)
    if issue is None:  # it changed since it was validated, a moment ago
        raise InvalidInput(problems)
    return issue


def _read(job: tuple[Path, Settings]) -> tuple[Issue | None, list[Problem]]:
    from .issues import read_issue  # imported here: YAML and Markdown only when a file is read

    return read_issue(*job)


@dataclass(frozen=True)
class Survey:
    """The issue files: those the last render found valid as they are, and those to read."""

    known: list[Entry]
    unread: list[tuple[Path, manifest.Stat, str, str]]  # path, stat, hash of bytes, of checks


def survey(settings: Settings, sources: Sources, last: Manifest) -> Survey:
    """Hash every issue file (trusting its stat when the manifest can) and compare the hashes."""
    paths = sorted(settings.issues_dir.glob("*.md"))
    if not paths:
        message = f"no issues: add a Markdown file to {settings.issues_dir}"
        raise InvalidInput([Problem("issues", 1, message)])
    known: list[Entry] = []
    unread: list[tuple[Path, manifest.Stat, str, str]] = []
    folder = settings.issues_dir.relative_to(settings.root).as_posix()
    for path in paths:
        shown = f"{folder}/{path.name}"
        stat = manifest.stat_of(str(path)) or (0, 0, 0)
        content = last.content(shown, stat) or manifest.digest(path.read_bytes())
        checked = manifest.digest(sources.checks, shown, content)
        entry = last.issues.get(shown)
        if entry is not None and entry.checked == checked:
            known.append(entry if entry.stat == stat else replace(entry, stat=stat))
        else:
            unread.append((path, stat, content, checked))
    return Survey(known, unread)


def verify(
    settings: Settings,
    sources: Sources,
    last: Manifest,
    found: Survey,
    workers: parallel.Workers,
    out_dir: Path | None,
) -> Project:
    """Read the files that changed, check numbers and ids across all; raise InvalidInput if any."""
    entries = list(found.known)
    problems = [problem for entry in entries for problem in entry.problems()]
    parsed: dict[str, Issue] = {}
    jobs = [(path, settings) for path, *_ in found.unread]
    # A few files are read here at once; many (a first render) are worth spreading.
    reads = workers.map(_read, jobs) if len(jobs) > READ_HERE else map(_read, jobs)
    for (_, stat, content, checked), (issue, seen) in zip(found.unread, reads, strict=True):
        problems += seen
        if issue is not None:
            parsed[issue.path] = issue
            entries.append(manifest.entry_of(issue, stat, content, checked, seen))
    if found.unread:  # otherwise every file is as it was when the last render checked them all
        from .issues import repeated

        problems += repeated(entries)
    if any(p.severity == "error" for p in problems):
        raise InvalidInput(problems)
    entries.sort(key=lambda e: (datetime.fromisoformat(e.date), e.number), reverse=True)
    return Project(settings, sources, last, entries, sorted(problems), parsed, out_dir)


def validate(root: Path) -> tuple[Settings, list[Issue], list[Problem]]:
    """Load the settings and read every issue afresh; raise InvalidInput listing every error."""
    from .issues import load_issues

    settings = load_settings(root)
    issues, warnings = load_issues(settings)
    return settings, issues, warnings


class Named(Protocol):
    """What selecting by name needs of an issue (an Issue, or the manifest's Entry of one)."""

    @property
    def number(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def is_draft(self) -> bool: ...


Chosen = TypeVar("Chosen", bound=Named)


def select(
    issues: Sequence[Chosen], names: Sequence[str], root: Path, drafts: bool = False
) -> list[Chosen]:
    """The issues to render: those NAMEd (by number, slug or path), else every published one."""
    if not names:
        return [issue for issue in issues if drafts or not issue.is_draft]
    chosen: list[Chosen] = []
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


@dataclass(frozen=True)
class Plan:
    """What a render must redo: stale issues, and the feeds and index when their inputs changed."""

    issues: list[Entry]
    feeds: list[Entry] | None
    index: list[Entry] | None
    keys: dict[str, str] = field(default_factory=dict)  # 'feeds' and 'index': their inputs' hash
    archive: tuple[Page, ...] = ()  # topic pages, sitemap, search: each keyed in `keys` by name
    due: frozenset[str] = frozenset()  # those of them to render again
    produced: dict[str, tuple[str, ...]] = field(default_factory=dict)  # what they wrote

    def redoes(self, page: str) -> bool:
        """Whether this plan renders PAGE ('feeds', 'index' or one of the archive's) again, or
        ('archive') has checked every page of the archive against what it lists."""
        if page in ("feeds", "index"):
            return getattr(self, page) is not None
        return page == "archive" or page in self.due


def plan(project: Project, selected: Sequence[Entry], out_dir: Path) -> Plan:
    """Compare every selected issue, the feeds and the index with what the last render wrote."""
    sources, last = project.sources, project.last
    stale = [
        entry
        for entry in selected
        if entry.rendered != entry.key(sources) or not last.intact(entry.outputs, out_dir)
    ]
    published = [entry for entry in project.entries if not entry.is_draft]
    in_feed = published[: project.settings.feed_size]
    keys = {
        "feeds": manifest.digest(
            sources.site,
            os.environ.get("SOURCE_DATE_EPOCH", ""),  # the date of a feed with no entry
            *(entry.key(sources) for entry in in_feed),
        ),
        "index": manifest.digest(sources.site, *(entry.key(sources) for entry in published)),
    }

    from . import archive

    def due(page: str, files: tuple[str, ...]) -> bool:
        return last.pages.get(page) != keys[page] or not last.intact(files, out_dir)

    # The archive's pages list published issues too: when none changed (the index's key) and
    # their files are as written, they stand, and no issue need be loaded to plan them.
    keys["archive"] = keys["index"]
    shelf = archive.recorded(last.pages, last.files)
    if due("archive", tuple(name for page in shelf for name in page.files)):
        listed = [(entry.key(sources), project.issue(entry)) for entry in published]
        env = _environment(project.setup)
        shelf = archive.pages(project.settings, env, sources.site, listed, last.files)
    keys.update({page.name: page.key for page in shelf})

    return Plan(
        stale,
        in_feed if due("feeds", FEED_FILES) else None,
        published if due("index", INDEX_FILES) else None,
        keys,
        tuple(shelf),
        frozenset(page.name for page in shelf if due(page.name, page.files)),
    )


@dataclass(frozen=True)
class Setup:
    """What rendering an issue needs: settings, and layouts (their hash; compiled where)."""

    settings: Settings
    layouts: str
    compiled: Path | None = None


@functools.cache
def _environment(setup: Setup) -> jinja2.Environment:
    """One environment per process for as long as the layouts are the same: each layout is
    compiled once, not once per issue (and, with a place to keep them, once for all processes)."""
    from . import layouts

    if setup.compiled is not None:
        setup.compiled.mkdir(parents=True, exist_ok=True)
    return layouts.environment(setup.settings, setup.compiled)


@dataclass(frozen=True)
class IssueFiles:
    """One issue's rendered files, and its content as a feed entry's body."""

    files: dict[str, bytes]
    article: str


def render_issue_files(
    job: tuple[Setup, Issue], inline: Callable[[str], str] | None = None
) -> IssueFiles:
    """Render one issue: web page, email (CSS inlined, by INLINE if given), text, MIME message."""
    from . import email, site
    from .inline import inline_css
    from .markdown import render_issue

    setup, issue = job
    settings, env = setup.settings, _environment(setup)
    content = render_issue(issue)
    log.info("rendering %s", issue.path)
    # The email last but for its message: when a worker inlines it, little is left to do after.
    page = site.page(env, content, settings)
    article = site.article(env, content, settings)
    text = email.render_text(env, content, settings)
    html = email.render_html(env, content, settings, inline or inline_css)
    files = {
        f"{issue.out_dir}/index.html": page.encode(),
        f"{issue.out_dir}/email.html": html.encode(),
        f"{issue.out_dir}/email.txt": text.encode(),
        f"{issue.out_dir}/email.eml": email.message(content, settings, text, html),
    }
    return IssueFiles(files, article)


def _article(project: Project, entry: Entry, rendered: dict[str, str]) -> str:
    """An issue's feed body: rendered in this run, cached by the last, or rendered now."""
    if entry.path in rendered:
        return rendered[entry.path]
    cached = project.cache().articles.get(entry.key(project.sources))
    if cached is None:
        from . import site
        from .markdown import render_issue

        content = render_issue(project.issue(entry))
        env = _environment(project.setup)
        cached = site.article(env, content, project.settings)
        rendered[entry.path] = cached
    return cached


def _prepare() -> None:
    """Ready a worker for inlining: premailer imported and configured."""
    from . import inline

    inline.inliner()


def _index(project: Project, listed: list[Entry]) -> dict[str, bytes]:
    """The archive index of the LISTED issues."""
    from . import site

    settings, issues = project.settings, [project.issue(entry) for entry in listed]
    env = _environment(project.setup)
    return {"index.html": site.archive(env, issues, settings).encode()}


def _feeds(project: Project, listed: list[Entry], articles: dict[str, str]) -> dict[str, bytes]:
    """The feeds of the LISTED issues; feed bodies from ARTICLES, the cache, or rendered now."""
    from . import feeds

    settings = project.settings
    entries = [feeds.Entry.of(project.issue(e), _article(project, e, articles)) for e in listed]
    return {
        "feed.xml": feeds.rss(settings, entries),
        "atom.xml": feeds.atom(settings, entries),
        "feed.json": feeds.json_feed(settings, entries),
    }


def render_files(
    project: Project,
    work: Plan,
    workers: parallel.Workers,
    articles: dict[str, str],
    progress: Progress | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every file the plan calls for, as it is rendered; the issues' feed bodies into ARTICLES.

    Many issues go to the workers, whole. One issue is rendered here, but for its CSS inlining:
    a worker does that, having imported premailer while this process read the issue. Either way,
    a thread renders the index (and, for one issue, the feeds) while this one waits on a worker.
    """
    if not (work.issues or work.feeds is not None or work.index is not None or work.due):
        return
    setup = project.setup
    jobs = [(setup, project.issue(entry)) for entry in work.issues]
    waiting = threading.Event()  # set when this thread has nothing to do but wait on a worker

    def inline(document: str) -> str:
        waiting.set()
        return workers.call(inline_css, document)

    if len(jobs) > 1:
        results: Iterator[IssueFiles] = workers.map(render_issue_files, jobs)  # forks, if needed
        waiting.set()
    else:
        from .inline import inline_css

        results = (render_issue_files(job, inline) for job in jobs)

    def idle(task: Callable[[], dict[str, bytes]]) -> Callable[[], dict[str, bytes]]:
        def run() -> dict[str, bytes]:
            waiting.wait()  # the interpreter runs one thread at a time: not before this one waits
            return task()

        return run

    with ThreadPoolExecutor(1) as side:  # started after any fork: a child gets no thread
        pages = []
        try:
            if work.index is not None:
                pages.append(side.submit(idle(functools.partial(_index, project, work.index))))
            if work.feeds is not None and len(jobs) < 2:  # its feed body is rendered twice
                pages.append(side.submit(idle(functools.partial(_feeds, project, work.feeds, {}))))
            for done, (entry, result) in enumerate(zip(work.issues, results, strict=True), 1):
                articles[entry.path] = result.article
                yield from result.files.items()
                if progress:
                    progress(done, len(work.issues))
        finally:
            waiting.set()
        for page in pages:
            yield from page.result().items()
    if work.feeds is not None and len(jobs) > 1:  # the feed bodies the workers rendered
        yield from _feeds(project, work.feeds, articles).items()
    by_path = {entry.path: entry for entry in project.entries}
    for listing in work.archive:
        if listing.name in work.due:
            files = listing.render(lambda issue: _article(project, by_path[issue.path], articles))
            work.produced[listing.name] = tuple(sorted(files))
            yield from files.items()


def record(project: Project, work: Plan, articles: dict[str, str], out_dir: Path) -> Manifest:
    """The manifest after a render: the issues it rendered, the pages it wrote, their stats."""
    sources, last = project.sources, project.last
    redone = {entry.path for entry in work.issues}
    entries = {}
    for entry in project.entries:
        if entry.path in redone:
            outputs = tuple(f"{entry.slug}/{name}" for name in ISSUE_FILES)
            entry = replace(entry, rendered=entry.key(sources), outputs=outputs)
        entries[entry.path] = entry
    pages = {
        page: key
        for page, key in work.keys.items()
        if work.redoes(page) or last.pages.get(page) == key
    }
    names = {name for entry in entries.values() for name in entry.outputs}
    names.update(FEED_FILES if "feeds" in pages else ())
    names.update(INDEX_FILES if "index" in pages else ())
    fresh = {name for entry in work.issues for name in entries[entry.path].outputs}
    fresh.update(FEED_FILES if work.feeds is not None else ())
    fresh.update(INDEX_FILES if work.index is not None else ())
    for page in work.archive:
        if page.name in pages:
            names.update(work.produced.get(page.name, page.files))
            fresh.update(work.produced.get(page.name, ()))
    files = {}
    for name in sorted(names):
        stat = manifest.stat_of(out_dir / name) if name in fresh else last.files.get(name)
        if stat is not None:
            files[name] = stat
    return Manifest(site=sources.site, issues=entries, pages=pages, files=files)


def _keep_models(project: Project, articles: dict[str, str], out_dir: Path) -> None:
    """Cache the issues read and the feed bodies rendered in this run, for the next one."""
    if not project.parsed and not articles:
        return
    published = [entry for entry in project.entries if not entry.is_draft]
    # Every published issue, so that the next run need read none of them again.
    issues = {entry.checked: project.issue(entry) for entry in published}
    bodies = {}
    for entry in published[: project.settings.feed_size]:
        key = entry.key(project.sources)
        body = articles.get(entry.path) or project.cache().articles.get(key)
        if body is not None:
            bodies[key] = body
    models = Models(issues, bodies, project.cache().base)
    manifest.save_models(out_dir, project.sources, models)


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


def _lint_email(job: tuple[Setup, Issue]) -> tuple[lint.EmailSize, list[Problem]]:
    """Render one issue's email in memory and run the pre-flight lints on it."""
    from . import email, lint
    from .markdown import render_issue

    setup, issue = job
    settings, env = setup.settings, _environment(setup)
    content = render_issue(issue)
    html = email.render_html(env, content, settings)
    text = email.render_text(env, content, settings)
    return lint.check_email(issue, settings, html, text)


def check(root: Path, emails: bool = True) -> CheckReport:
    """Validate every issue, then render each one's email in memory and run the pre-flight lints."""
    settings, issues, warnings = validate(root)
    problems = list(warnings)
    sizes: list[tuple[Issue, lint.EmailSize]] = []
    if emails:
        setup = Setup(settings, manifest.sources(settings).layouts)
        jobs = [(setup, issue) for issue in issues]
        with parallel.Workers(_prepare) as workers:  # one process per core for many emails
            for issue, (size, found) in zip(issues, workers.map(_lint_email, jobs), strict=True):
                sizes.append((issue, size))
                problems.extend(found)
    return CheckReport(tuple(issues), tuple(sizes), tuple(sorted(set(problems))))


def render(
    root: Path,
    out_dir: Path,
    names: Sequence[str] = (),
    drafts: bool = False,
    progress: Progress | None = None,
    force: bool = False,
) -> Report:
    """Render the issues of the project at ROOT into OUT_DIR (all published ones by default).

    Only the issues, feeds and index whose inputs changed are rendered; FORCE renders everything
    and trusts nothing recorded by earlier runs.
    """
    from . import archive

    settings = load_settings(root)
    sources = manifest.sources(settings)
    with output.locked(out_dir):  # a second render waits here, then sees the first's output
        last = Manifest() if force else manifest.load(out_dir)
        found = survey(settings, sources, last)
        with parallel.Workers(_prepare) as workers:  # stopped before the lock is let go
            if last.site != sources.site:  # every issue will be rendered
                workers.start()
            elif found.unread:  # those issues will be: their workers prepare meanwhile
                workers.start(len(found.unread))
            project = verify(settings, sources, last, found, workers, out_dir)
            selected = select(project.entries, names, root, drafts)
            work = plan(project, selected, out_dir)
            articles: dict[str, str] = {}
            rendering = render_files(project, work, workers, articles, progress)
            changed = output.write_tree(out_dir, rendering)
        state = record(project, work, articles, out_dir)
        changed += output.remove(out_dir, archive.stale(last.files, state.files, out_dir))
        _keep_models(project, articles, out_dir)
        manifest.save(out_dir, state)
        files = [name for entry in selected for name in state.issues[entry.path].outputs]
        files += [*FEED_FILES, *INDEX_FILES]
        files += [
            name for page in work.archive for name in work.produced.get(page.name, page.files)
        ]
        report = Report(
            tuple(selected),
            tuple(sorted(files)),
            tuple(changed),
            tuple(project.warnings),
            tuple(work.issues),
        )
        uptodate.save(root, out_dir, [list(names), drafts], report.summary(), list(state.files))
    return report
