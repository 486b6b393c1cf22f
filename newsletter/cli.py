"""The `newsletter` command: parses arguments, calls the pipeline, reports."""

from __future__ import annotations

from pathlib import Path

import click

from . import __version__, build


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsletter")
@click.option(
    "-C",
    "--project",
    "project",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The project folder: the one with pyproject.toml, issues/ and layouts/.",
)
@click.pass_context
def main(ctx: click.Context, project: Path) -> None:
    """Publish a weekly newsletter from Markdown issues.

    \b
    Example:
        newsletter render        # every issue into out/
        newsletter check         # validate without writing anything
    """
    ctx.obj = project.resolve()


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
@click.pass_obj
def render(root: Path, issues: tuple[str, ...], out: Path, drafts: bool) -> None:
    """Render issues into the email, plain text, web page and the feeds.

    ISSUE is a number, a slug or a path; without one, every published issue is
    rendered. The archive index and the feeds are always rebuilt. Nothing is
    written unless every issue is valid.

    \b
    Example:
        newsletter render
        newsletter render 6 issues/007-zhang-xin-china-russia-rapprochement.md
    """
    out_dir = out if out.is_absolute() else root / out
    report = build.render(root, out_dir, issues, drafts)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    shown = out_dir.relative_to(root) if out_dir.is_relative_to(root) else out_dir
    click.echo(
        f"Rendered {len(report.issues)} issue{'s' * (len(report.issues) != 1)} into "
        f"{shown}/: {len(report.files)} files, {len(report.changed)} changed."
    )


@main.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--validate-only",
    is_flag=True,
    help="Only validate the settings and issues; do not render and lint the emails.",
)
@click.pass_obj
def check(root: Path, strict: bool, validate_only: bool) -> None:
    """Validate every issue and lint its email before you send it.

    Renders each issue's email in memory (nothing is written) and checks it as
    a hosted email service would: size against Gmail's 102 KB clipping limit
    and 16 KB <style> limit, images without alt text, relative or non-http(s)
    links, leftover placeholders (TK, TODO) in published issues, the service's
    unsubscribe tag, and the subject's length. Prints each problem as
    path:line: message and exits with status 1 if there is any error (or any
    warning, with --strict).

    \b
    Example:
        newsletter check
        newsletter check --strict
    """
    report = build.check(root, emails=not validate_only)
    for issue, size in report.sizes:
        click.echo(f"{issue.path}: {size}")
    for problem in report.problems:
        click.echo(str(problem), err=True)
    failed = len(report.errors) + (len(report.warnings) if strict else 0)
    counts = (
        f"{len(report.errors)} error{'s' * (len(report.errors) != 1)}, " * bool(report.errors)
        + f"{len(report.warnings)} warning{'s' * (len(report.warnings) != 1)}"
    )
    if failed:
        raise click.ClickException(f"{len(report.issues)} issues checked: {counts}.")
    click.echo(f"{len(report.issues)} issue{'s' * (len(report.issues) != 1)} OK, {counts}.")
