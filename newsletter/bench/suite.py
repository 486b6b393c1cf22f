"""The benchmark's sequence, on one generated archive: the floors, the cold render beside MJML's and
Pelican's runs (taken in turns, so that load on the machine falls on all three alike), the quick
commands, `check`, the preview; then the rows of the table."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import peers, preview
from .archive import mjml_documents, pelican_articles
from .measure import Run, inlining_time, median_of, repeated, run, total
from .report import Row, measured, ratio

HEAVY = "import premailer, feedgen.feed, jinja2, markdown_it, click, yaml"
RACY = 2.1  # seconds: files younger than this are hashed, not trusted on their stat


@dataclass(frozen=True)
class Options:
    """What to measure, and how many times."""

    repeat: int = 7  # runs of each quick command
    cold_runs: int = 3  # cold renders, MJML and Pelican runs, check runs
    saves: int = 5
    peers: bool = True
    preview: bool = True
    tools: Path | None = None  # where the peers are installed; None: in the work folder
    chromium: str | None = None
    seed: Path = Path("../shared/bench/seed-issue.mjml")


@dataclass
class Peers:
    """The peers that could be set up, or why not."""

    mjml: peers.Peer | None = None
    pelican: peers.Peer | None = None
    mjml_missing: str = ""
    pelican_missing: str = ""


def set_up_peers(
    project: Path, work: Path, options: Options, count: int, say: Callable[[str], None]
) -> Peers:
    """Install MJML and Pelican (unless they are) and write the archive as each reads it."""
    found = Peers()
    if not options.peers:
        found.mjml_missing = found.pelican_missing = "skipped (--no-peers)"
        return found
    tools = options.tools or work / "tools"
    try:
        if not options.seed.is_file():
            raise peers.Missing(f"no MJML seed at {options.seed}: give it with --seed")
        say(f"MJML: {count} documents from {options.seed}; installing mjml@5 unless it is")
        documents = work / "mjml" / "documents"
        mjml_documents(project, options.seed, documents)
        found.mjml = peers.mjml(tools, documents, work / "mjml" / "out")
    except peers.Missing as missing:
        found.mjml_missing = f"skipped: {missing}"
        say(f"MJML {found.mjml_missing}")
    try:
        say(f"Pelican: {count} articles; installing pelican 4 in a venv unless it is")
        content = work / "pelican" / "content"
        pelican_articles(project, content)
        from ..config import load_settings

        feed_size = load_settings(project).feed_size
        found.pelican = peers.pelican(tools, content, work / "pelican" / "out", feed_size)
    except peers.Missing as missing:
        found.pelican_missing = f"skipped: {missing}"
        say(f"Pelican {found.pelican_missing}")
    return found


def _edit_issue(path: Path, counter: list[int]) -> None:
    counter[0] += 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nAn editor's correction, number {counter[0]}.\n")


def _edit_layout(path: Path, counter: list[int]) -> None:
    counter[0] += 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{{# a layout edit, number {counter[0]} #}}\n")


def measure(
    project: Path, work: Path, options: Options, say: Callable[[str], None]
) -> tuple[list[Row], Peers]:
    """Every measurement on the generated PROJECT, as the table's rows."""
    python = sys.executable
    newsletter = str(Path(python).with_name("newsletter"))
    cli = [newsletter, "-C", str(project)]
    issues = sorted((project / "issues").glob("*.md"))
    count = len(issues)
    newest, layout = issues[-1], project / "layouts" / "email.html"
    edits = [0]

    found = set_up_peers(project, work, options, count, say)
    browser, browser_missing = None, "skipped (--no-preview)"
    if options.preview:
        try:
            browser = preview.chromium(options.chromium)
        except preview.Unavailable as missing:
            browser_missing = f"skipped: {missing}"
            say(f"Preview {browser_missing}")

    say("Floors: import click, the heavy imports, --version, one inlining")
    click_floor = repeated(options.repeat, lambda: run([python, "-c", "import click"]))
    heavy_floor = repeated(options.repeat, lambda: run([python, "-c", HEAVY]))
    version = repeated(options.repeat, lambda: run([newsletter, "--version"]))
    inline = inlining_time(project)

    def cold_render() -> Run:
        shutil.rmtree(project / "out", ignore_errors=True)
        shutil.rmtree(project / ".newsletter", ignore_errors=True)
        return run([*cli, "render"])

    time.sleep(RACY)  # the issue files were just written: let them age past the racy window
    colds: list[Run] = []
    peer_runs: dict[str, list[Run]] = {"mjml": [], "pelican": []}
    for turn in range(1, options.cold_runs + 1):
        say(f"Cold runs, turn {turn} of {options.cold_runs}: newsletter, MJML, Pelican")
        colds.append(cold_render())
        if found.mjml:
            peer_runs["mjml"].append(found.mjml.run())
            _expect(found.mjml.name, peers.mjml_outputs(found.mjml.output), count)
        if found.pelican:
            peer_runs["pelican"].append(found.pelican.run())
            _expect(found.pelican.name, peers.pelican_outputs(found.pelican.output), count)
    cold = median_of(colds)
    mjml = median_of(peer_runs["mjml"]) if peer_runs["mjml"] else None
    pelican = median_of(peer_runs["pelican"]) if peer_runs["pelican"] else None

    def edited(edit: Callable[[Path, list[int]], None], path: Path) -> Callable[[], Run]:
        def once() -> Run:
            edit(path, edits)
            return run([*cli, "render"])

        return once

    say("Renders: nothing changed, one issue edited, a layout edited")
    unchanged = repeated(options.repeat, lambda: run([*cli, "render"]))
    one_issue = repeated(options.repeat, edited(_edit_issue, newest))
    a_layout = repeated(max(1, options.repeat // 5), edited(_edit_layout, layout))
    say("Check: --validate-only, after a render, without a build state")
    validate = repeated(
        max(1, options.repeat // 5), lambda: run([*cli, "check", "--validate-only"])
    )
    check = repeated(options.cold_runs, lambda: run([*cli, "check"]))

    def cold_check() -> Run:
        shutil.rmtree(project / ".newsletter", ignore_errors=True)
        return run([*cli, "check"])

    check_cold = repeated(options.cold_runs, cold_check)

    saves = None
    if browser is not None:
        say(f"Preview: {options.saves} saves of the newest issue, timed until on screen")
        saves = preview.save_to_screen(newsletter, project, browser, options.saves)

    peers_total = total(mjml, pelican) if mjml and pelican else None
    runs = options.cold_runs
    rows = [
        measured("bare `python -c 'import click'`", click_floor),
        measured("bare heavy imports (premailer, feedgen, jinja2, ...)", heavy_floor),
        measured("`newsletter --version`", version),
        Row("one issue's CSS inlining (warm, in process)", inline),
        measured(f"cold render of {count} issues (median of {runs})", cold),
        measured(
            f"{found.mjml.name if found.mjml else 'MJML 5'}: {count} emails, one process",
            mjml,
            found.mjml_missing,
        ),
        measured(
            f"{found.pelican.name if found.pelican else 'Pelican 4'}: {count} articles, "
            "RSS and Atom",
            pelican,
            found.pelican_missing,
        ),
        measured("render, nothing changed", unchanged),
        measured("render after editing the newest issue", one_issue),
        measured("render after editing a layout", a_layout),
        measured("`newsletter check --validate-only`", validate),
        measured("`newsletter check` after a render", check),
        measured("`newsletter check` without a build state", check_cold),
        Row(
            f"preview: save to screen (median of {options.saves})",
            saves.median if saves else None,
            target=0.3,
            skipped="" if saves else browser_missing,
        ),
        Row("peak memory (max RSS) of the cold render", cold.max_rss_mb, unit="MB", target=150.0),
        ratio("cold render / (MJML + Pelican)", cold, peers_total, 0.75),
        ratio("cold render / MJML (the moonshot)", cold, mjml, 1.0),
        ratio("edit one issue / heavy imports", one_issue, heavy_floor, 1.5),
        ratio("nothing changed / --version", unchanged, version, 1.3),
        ratio("--version / import click", version, click_floor, 2.0),
        ratio("check without a build state / cold render", check_cold, cold, 1.0),
    ]
    if saves:
        shown = ", ".join(f"{s:.2f}" for s in saves.seconds)
        say(f"Preview saves: {shown} s")
    return rows, found


def _expect(name: str, written: int, count: int) -> None:
    """A peer's run must have written an output per issue."""
    if written != count:
        raise SystemExit(f"benchmark: {name} wrote {written} outputs for {count} issues")
