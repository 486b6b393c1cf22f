"""The `newsletter` command: parses arguments, calls the pipeline, reports."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

import click

from . import __version__
from .errors import NoProject, UsageLine

# The pipeline (`build`) is imported by the commands that run it: `--help` and `--version` then
# cost no more than click, and `check --validate-only` never loads premailer or feedgen.

if TYPE_CHECKING:
    from datetime import datetime

    from click._termui_impl import ProgressBar

    from .errors import Problem

FEW = 5  # renders of more issues than this show a progress bar

P = ParamSpec("P")
R = TypeVar("R")


def pass_root(command: Callable[Concatenate[Path, P], R]) -> Callable[P, R]:
    """Pass the project folder first: the one -C names, else the nearest from here upward with
    a [tool.newsletter] table. Found when the command runs, so that --help works anywhere.
    What the pipeline logs at WARNING and above is printed (see `echo_warnings`)."""
    return _rooted(command, echo=True)


def pass_root_quietly(command: Callable[Concatenate[Path, P], R]) -> Callable[P, R]:
    """As `pass_root`, for a command that calls `echo_warnings` itself, once it runs the
    pipeline: `render` answers a repeated run without importing `logging`."""
    return _rooted(command, echo=False)


def _rooted(command: Callable[Concatenate[Path, P], R], echo: bool) -> Callable[P, R]:
    @functools.wraps(command)
    def with_root(*args: P.args, **kwargs: P.kwargs) -> R:
        from .project import find_project

        if echo:
            echo_warnings()

        named: Path | None = click.get_current_context().obj
        if named is not None:
            return command(find_project(named, named=True), *args, **kwargs)
        try:
            here = Path.cwd().resolve()
        except OSError:  # the folder was removed from under the shell
            raise NoProject(
                "the current folder no longer exists: name the project with -C DIR"
            ) from None
        return command(find_project(here), *args, **kwargs)

    return with_root


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsletter")
@click.option(
    "-C",
    "--project",
    "project",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The project folder: the one with pyproject.toml, issues/ and layouts/  "
    "[default: the nearest from the current folder upward]",
)
@click.pass_context
def main(ctx: click.Context, project: Path | None) -> None:
    """Publish a weekly newsletter from Markdown issues.

    \b
    Example:
        newsletter new --title "WANG Yi on ..."   # next week's issue, from the template
        newsletter serve                          # preview it while you write
        newsletter send 8 --to me@example.org     # a proof in your inbox
        newsletter render                         # every issue into out/
        newsletter publish 8                      # the issue's draft at the email service
        newsletter check                          # validate without writing anything

    Run it anywhere in the project: it is the nearest folder, from the current one
    upward, whose pyproject.toml has a [tool.newsletter] table (-C names another).
    """
    ctx.obj = project.resolve() if project is not None else None


def echo_warnings() -> None:
    """Print what the pipeline logs at WARNING and above, one line each on stderr."""
    import logging

    class Echo(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            click.echo(record.getMessage(), err=True)

    logger = logging.getLogger("newsletter")
    if not any(type(handler).__name__ == "Echo" for handler in logger.handlers):
        logger.addHandler(Echo(logging.WARNING))


@main.command()
@click.argument("issues", nargs=-1)
@click.option(
    "-o",
    "--out",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder, relative to the project.",
)
@click.option("--drafts", is_flag=True, help="Render drafts too (named drafts always render).")
@click.option("--force", is_flag=True, help="Render everything again, trusting no earlier run.")
@pass_root_quietly
def render(root: Path, issues: tuple[str, ...], out: Path, drafts: bool, force: bool) -> None:
    """Render issues into the email, plain text, web page and the feeds.

    ISSUE is a number, a slug or a path; without one, every published issue is
    rendered. Only what changed since the last render is rendered again: an
    issue whose file, settings, layouts and outputs are as they were is kept,
    and the archive index and the feeds are rebuilt when an issue they list
    changed. Nothing is written unless every issue is valid.

    \b
    Example:
        newsletter render
        newsletter render 6 issues/007-zhang-xin-china-russia-rapprochement.md
        newsletter render --force      # everything, from scratch
    """
    from . import stamp

    out_dir = out if out.is_absolute() else root / out
    # When no input or output changed since the same command last ran, its summary still holds.
    summary = None if force else stamp.unchanged(root, out_dir, [list(issues), drafts])
    if summary is None:
        from . import build

        echo_warnings()
        with contextlib.ExitStack() as stack:
            bars: list[ProgressBar[int]] = []

            def progress(done: int, total: int) -> None:
                if total > FEW and not bars:
                    bar = click.progressbar(length=total, label="Rendering", file=sys.stderr)
                    bars.append(stack.enter_context(bar))
                if bars:
                    bars[0].update(1)

            summary = build.render(root, out_dir, issues, drafts, progress, force).summary()
    for warning in summary.warnings:
        click.echo(warning, err=True)
    shown = out_dir.relative_to(root) if out_dir.is_relative_to(root) else out_dir
    for folder, count in _grouped(summary.removed):
        click.echo(
            f"Removed {shown}/{folder} ({count} file{'s' * (count != 1)}): no issue writes it now."
        )
    removed = f", {len(summary.removed)} removed" if summary.removed else ""
    click.echo(
        f"Rendered {summary.issues} issue{'s' * (summary.issues != 1)} into "
        f"{shown}/: {summary.files} files, {summary.changed} changed{removed}."
    )


def _grouped(names: Sequence[str]) -> list[tuple[str, int]]:
    """Removed files by their top folder under out/ ('006-old/'), or alone at its top."""
    counts: dict[str, int] = {}
    for name in names:
        top, slash, _ = name.partition("/")
        key = f"{top}/" if slash else top
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items())


@main.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--validate-only",
    is_flag=True,
    help="Only validate the settings and issues; do not render and lint the emails.",
)
@pass_root
def check(root: Path, strict: bool, validate_only: bool) -> None:
    """Validate every issue and lint its email before you send it.

    Renders each issue's email in memory (nothing is written) and checks it as
    a hosted email service would: size against Gmail's 102 KB clipping limit
    and 16 KB <style> limit, images without alt text, relative or non-http(s)
    links, leftover placeholders (TK, TODO) in published issues, the service's
    unsubscribe tag, and the subject's length; and across the issues, dates
    out of order or repeated, and files in issues/ that are not read. Prints the
    sizes, each problem as path:line: message, then the counts, all on standard
    output, and exits with status 1 if there is any error (or any warning, with
    --strict).

    \b
    Example:
        newsletter check
        newsletter check --strict
    """
    from . import build
    from .errors import InvalidInput

    # Everything on stdout, as linters print, so that `newsletter check | less` shows it all.
    try:
        report = build.check(root, emails=not validate_only)
    except InvalidInput as invalid:
        for problem in invalid.problems:
            click.echo(str(problem))
        click.echo(f"Found {_counts(invalid.problems)}.")
        sys.exit(1)
    for issue, size in report.sizes:
        click.echo(f"{issue.path}: {size}")
    for problem in report.problems:
        click.echo(str(problem))
    failed = len(report.errors) + (len(report.warnings) if strict else 0)
    counts = _counts(report.problems)
    if failed:
        click.echo(f"{len(report.issues)} issues checked: {counts}.")
        sys.exit(1)
    click.echo(f"{len(report.issues)} issue{'s' * (len(report.issues) != 1)} OK, {counts}.")


def _counts(problems: Sequence[Problem]) -> str:
    """'1 error, 2 warnings', or '0 warnings' when there is no error."""
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    return f"{errors} error{'s' * (errors != 1)}, " * bool(errors) + (
        f"{warnings} warning{'s' * (warnings != 1)}"
    )


@main.command()
@click.option(
    "--title", default="", help="The issue's title; the file name (slug) is made from it."
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The issue's date, YYYY-MM-DD  [default: a week after the latest issue]",
)
@pass_root
def new(root: Path, title: str, day: datetime | None) -> None:
    """Start the next issue from the template, as a draft.

    Writes issues/NNN-slug.md with the next number, the date a week after the
    latest issue, the front matter to fill in and every section of the template
    with a hint of what goes there. Hints start with TK: `newsletter check`
    reports any left in a published issue. The issue stays a draft until you
    delete its `status: draft` line. An existing file is never overwritten.

    \b
    Example:
        newsletter new --title "WANG Yi on China-EU Relations"
        newsletter new --date 2024-12-30
    """
    from . import scaffold

    planned = scaffold.plan(root, title, day.date() if day else None)
    scaffold.create(planned)
    shown = planned.path.relative_to(root) if planned.path.is_relative_to(root) else planned.path
    click.echo(
        f"Created {shown}: issue {planned.number} of {planned.date.date().isoformat()}, a draft."
    )


def _port(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """--port as a number from 0 to 65535, or one line saying what is wrong (exit status 2)."""
    port = int(value) if value.strip().isdigit() else -1
    if not 0 <= port <= 65535:
        raise UsageLine(
            f"--port: expected a port number from 0 to 65535 (0: any free port), got {value}"
        )
    return port


@main.command()
@click.option(
    "-p",
    "--port",
    default="8000",
    show_default=True,
    callback=_port,
    metavar="PORT",
    help="Port on 127.0.0.1 (0: any free port).",
)
@pass_root
def serve(root: Path, port: int) -> None:
    """Preview every issue in the browser while you write, drafts included.

    Serves on 127.0.0.1 only: an index of the issues, and for each its email,
    web page and plain text, in a 375px-wide frame or in dark mode at a click.
    Saving an issue, a layout or pyproject.toml rebuilds the preview and the
    open page reloads by itself; errors are shown in the page. Nothing is
    written to out/. Ctrl-C stops it.

    \b
    Example:
        newsletter serve
        newsletter serve --port 8001
    """
    from . import serve as preview

    preview.run(root, port, click.echo)


@main.command()
@click.argument("issue")
@click.option(
    "--to",
    "to",
    multiple=True,
    required=True,
    metavar="ADDRESS",
    help="Who gets the proof; repeat for more than one.",
)
@click.option("--dry-run", is_flag=True, help="Print the envelope and headers; send nothing.")
@pass_root
def send(root: Path, issue: str, to: tuple[str, ...], dry_run: bool) -> None:
    """Send a proof of ISSUE's email to ADDRESS over SMTP.

    ISSUE is a number, a slug or a path; drafts can be proofed. The proof is
    the issue's email.eml with its subject prefixed [Proof]. The server comes
    from [tool.newsletter.smtp] in pyproject.toml (host, port, security and
    user); the password from the environment variable NEWSLETTER_SMTP_PASSWORD.

    \b
    Example:
        NEWSLETTER_SMTP_PASSWORD=... newsletter send 8 --to editor@example.org
        newsletter send 8 --to editor@example.org --dry-run
    """
    from . import send as sending

    proof = sending.prepare(root, issue, to)
    if dry_run:
        click.echo("\n".join(proof.summary()))
        return
    sending.deliver(proof, lambda line: click.echo(line, err=True))
    click.echo(f"Sent a proof of {proof.issue} to {', '.join(proof.recipients)}.")


@main.command()
@click.argument("issue")
@click.option("--dry-run", is_flag=True, help="Print the requests a publish would make; make none.")
@pass_root
def publish(root: Path, issue: str, dry_run: bool) -> None:
    """Create or update ISSUE's draft campaign at the email service; never send it.

    ISSUE is a number, a slug or a path. The issue is rendered afresh and
    uploaded to the service named by `service` in pyproject.toml (buttondown,
    mailchimp, listmonk or kit) as a draft: subject, preheader, the HTML and
    plain text exactly as rendered, and the campaign's name "Issue N — title".
    Publishing again finds that draft at the service and updates it; a
    campaign of the issue that was already sent is never changed. Settings in
    [tool.newsletter.publish]; the API key only from the environment variable
    NEWSLETTER_API_KEY. You review and send the draft at the service.

    \b
    Example:
        NEWSLETTER_API_KEY=... newsletter publish 8
        newsletter publish 8 --dry-run       # print the requests, make none
    """
    from . import publish as publishing

    plan = publishing.prepare(root, issue)
    if dry_run:
        click.echo("\n".join(plan.requests()))
        return
    published = publishing.upload(plan, lambda line: click.echo(line, err=True))
    click.echo(published.summary())
