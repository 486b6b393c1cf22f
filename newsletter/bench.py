"""The benchmark: a synthetic ten-year archive, rendered as whole processes, timed against targets.

Run it from a project folder (the one with pyproject.toml and layouts/):

    python -m newsletter.bench            # 520 issues
    python -m newsletter.bench -n 104     # two years

It copies the project's settings and layouts into a temporary folder, writes N synthetic issues
there (the sample issue's structure, about 2,500 words each, some Chinese), runs `newsletter` on
them as separate processes and prints one table: each measurement, its target and the ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

VOCABULARY = (
    "China Russia Europe the United States multilateral strategic cooperation partnership "
    "security development governance order regional global conflict pressure trust dilemma "
    "mechanism institution framework alliance coordination dialogue consensus initiative "
    "policy economic trade supply chain technology finance energy sanctions currency "
    "settlement platform agenda vision resilience stability competition containment "
    "perception identity interest integration expansion membership representativeness "
    "authority legitimacy reform transition multipolar world Eurasian continent neighbour "
    "the of and to in a for with on as by that this is are have has been its their which "
    "while through across between within beyond toward against among under new major key "
    "shared common long-term practical political diplomatic structural external internal "
    "scholars argue article author suggests considers highlights examines concludes that "
    "Beijing Moscow Washington Brussels SCO BRICS ASEAN G20 United Nations Global South"
)
WORDS = VOCABULARY.split()
CHINESE = (
    "中俄关系在百年未有之大变局中持续深化，",
    "双方坚持不结盟、不对抗、不针对第三方的原则，",
    "上海合作组织和金砖国家机制为多边战略协作提供了重要平台，",
    "全球治理体系面临安全困境、发展困境与信任赤字，",
    "推动构建人类命运共同体是中国外交的重要目标，",
    "地区冲突外溢效应加剧了国际秩序的不确定性。",
)
SURNAMES = (("ZHAO", "赵"), ("ZHANG", "张"), ("WANG", "王"), ("LI", "李"), ("LIU", "刘"))
GIVEN = (("Long", "隆"), ("Xin", "欣"), ("Wei", "伟"), ("Yan", "岩"), ("Jun", "军"))
JOURNALS = (
    ("Russian Studies", "俄罗斯研究"),
    ("World Economics and Politics", "世界经济与政治"),
    ("Contemporary International Relations", "现代国际关系"),
    ("International Studies", "国际问题研究"),
)
TEMPLATE_SECTIONS = ("Conclusion", "About the Author", "About the Publication")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, words: int) -> str:
    sentences: list[str] = []
    while words > 0:
        size = min(words, rng.randint(12, 28))
        sentences.append(_sentence(rng, size))
        words -= size
    if rng.random() < 0.3:
        sentences.insert(
            1,
            f"[{rng.choice(WORDS)} {rng.choice(WORDS)}](https://example.org/{rng.randrange(10**6)})",
        )
    return " ".join(sentences)


def synthetic_issue(number: int, day: date, rng: random.Random) -> str:
    """One issue of about 2,500 words with the sample issue's front matter and sections."""
    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
    journal, journal_native = rng.choice(JOURNALS)
    topic = " ".join(rng.choice(WORDS) for _ in range(4)).title()
    lines = [
        "---",
        f"number: {number}",
        f"date: {day.isoformat()}",
        f"title: {surname[0]} {given[0]} on {topic}",
        f"subtitle: {_sentence(rng, 18)}",
        f"tags: [{', '.join(rng.sample(['SCO', 'BRICS', 'China-Russia', 'Europe', 'Trade'], 3))}]",
        "article:",
        f"  title: {topic} in the Context of Great Changes",
        "  authors:",
        f"    - name: {surname[0]} {given[0]}",
        f"      name_native: {surname[1]}{given[1]}",
        f"  publication: {journal}",
        f"  publication_native: 《{journal_native}》",
        f"  url: https://example.org/articles/{number}",
        f"  doi: 10.1234/bench.{number}",
        "---",
        "",
        f"Welcome to the {number}th edition of our weekly newsletter! {_paragraph(rng, 110)}",
        "",
        "## Summary",
        "",
        _paragraph(rng, 150),
        "",
        # Some Chinese: the plain text wraps it by display width, between characters.
        f"{_paragraph(rng, 60)} The article opens: “{''.join(rng.sample(CHINESE, 4))}” "
        f"{_paragraph(rng, 40)}",
        "",
        "## Why It Matters",
        "",
        *(line for _ in range(3) for line in (_paragraph(rng, 130), "")),
        "## Key Points",
        "",
    ]
    for point in range(3):
        lines += [f"### {_sentence(rng, 9)[:-1]}", "", _paragraph(rng, 70), ""]
        for _ in range(3):
            lead = _sentence(rng, 10)[:-1]
            lines += [f"- **{lead}:** {_paragraph(rng, 85)}"]
        lines.append("")
        if point == 2:
            lines += [f"#### {_sentence(rng, 6)[:-1]}", "", _paragraph(rng, 90), ""]
    lines += [
        "## Conclusion",
        "",
        _paragraph(rng, 120),
        "",
        _paragraph(rng, 110),
        "",
        "## About the Author",
        "",
        f"**{surname[0]} {given[0]} {surname[1]}{given[1]}**: {_paragraph(rng, 110)}",
        "",
        _paragraph(rng, 80),
        "",
        "## About the Publication",
        "",
        f"The Chinese version of the article was published by {journal} (《{journal_native}》). "
        f"{_paragraph(rng, 130)}",
        "",
    ]
    return "\n".join(lines)


def make_project(source: Path, target: Path, count: int, seed: int = 7) -> list[Path]:
    """Copy SOURCE's settings and layouts into TARGET and write COUNT weekly issues there."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "pyproject.toml", target / "pyproject.toml")
    shutil.copytree(source / "layouts", target / "layouts")
    issues = target / "issues"
    issues.mkdir()
    rng = random.Random(seed)
    first = date(2015, 1, 5)
    paths = []
    for number in range(1, count + 1):
        path = issues / f"{number:03d}-synthetic-issue-{number}.md"
        day = first + timedelta(weeks=number - 1)
        path.write_text(synthetic_issue(number, day, rng), encoding="utf-8")
        paths.append(path)
    return paths


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One command run as a whole process: its wall time and its peak memory."""

    seconds: float
    max_rss_mb: float


def run(command: Sequence[str], cwd: Path | None = None) -> Run:
    """Run COMMAND to completion; its wall time and the largest RSS of it or its children."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 reports this child's own rusage, its workers included: ru_maxrss is the largest
    # resident set of any process in the tree (in KiB on Linux).
    assert process.stderr is not None
    errors = process.stderr.read()  # the progress bar; the problems, if it fails
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        shown = " ".join(command)
        raise SystemExit(f"benchmark: {shown} failed ({process.returncode}):\n{errors.decode()}")
    return Run(elapsed, usage.ru_maxrss / 1024)


def best_of(times: int, command: Callable[[], Run]) -> Run:
    """The median wall time of TIMES runs, with the largest peak memory seen."""
    runs = [command() for _ in range(times)]
    return Run(statistics.median(r.seconds for r in runs), max(r.max_rss_mb for r in runs))


def inlining_time(project: Path, repeat: int = 15) -> float:
    """One issue's CSS inlining, in this process, once premailer is warm: the median seconds."""
    from . import layouts
    from .config import load_settings
    from .content import render_issue
    from .inline import inline_css
    from .issues import read_issue

    settings = load_settings(project)
    env = layouts.environment(settings)
    path = sorted(settings.issues_dir.glob("*.md"))[-1]
    issue, problems = read_issue(path, settings)
    assert issue is not None, problems
    document = layouts.render_issue(env, settings, "email.html", render_issue(issue), "x")
    inline_css(document)  # the stylesheet is parsed once per process; that is not per email
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        inline_css(document)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _edit_issue(path: Path, counter: list[int]) -> None:
    counter[0] += 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nAn editor's correction, number {counter[0]}.\n")


def _edit_layout(path: Path, counter: list[int]) -> None:
    counter[0] += 1
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{{# a layout edit, number {counter[0]} #}}\n")


def measure(project: Path, repeat: int) -> list[tuple[str, float, str, float | None]]:
    """Every measurement on the synthetic PROJECT: (what, value, unit, target or None)."""
    python = sys.executable
    newsletter = str(Path(python).with_name("newsletter"))
    cli = [newsletter, "-C", str(project)]
    issues = sorted((project / "issues").glob("*.md"))
    newest, layout = issues[-1], project / "layouts" / "email.html"
    edits = [0]

    click_floor = best_of(repeat, lambda: run([python, "-c", "import click"]))
    heavy = "import premailer, feedgen.feed, jinja2, markdown_it, click, yaml"
    heavy_floor = best_of(repeat, lambda: run([python, "-c", heavy]))
    version = best_of(repeat, lambda: run([newsletter, "--version"]))
    inline = inlining_time(project)

    shutil.rmtree(project / "out", ignore_errors=True)
    time.sleep(2.1)  # the issue files were just written: let them age past the racy window
    cold = run([*cli, "render"])
    unchanged = best_of(repeat, lambda: run([*cli, "render"]))

    def edited(edit: Callable[[Path, list[int]], None], path: Path) -> Callable[[], Run]:
        def once() -> Run:
            edit(path, edits)
            return run([*cli, "render"])

        return once

    one_issue = best_of(repeat, edited(_edit_issue, newest))
    a_layout = best_of(max(1, repeat // 5), edited(_edit_layout, layout))
    validate = best_of(max(1, repeat // 5), lambda: run([*cli, "check", "--validate-only"]))
    check = best_of(max(1, repeat // 5), lambda: run([*cli, "check"]))

    count = len(issues)
    return [
        ("bare `python -c 'import click'`", click_floor.seconds, "s", None),
        ("bare heavy imports (premailer, feedgen, jinja2, ...)", heavy_floor.seconds, "s", None),
        ("one issue's CSS inlining (warm, in process)", inline, "s", None),
        ("`newsletter --version`", version.seconds, "s", None),
        (f"cold full render of {count}", cold.seconds, "s", None),
        ("render, nothing changed", unchanged.seconds, "s", None),
        ("render after editing the newest issue", one_issue.seconds, "s", None),
        ("render after editing a layout", a_layout.seconds, "s", None),
        ("`newsletter check --validate-only`", validate.seconds, "s", None),
        ("`newsletter check` (renders and lints every email)", check.seconds, "s", None),
        ("peak memory (max RSS) of the cold render", cold.max_rss_mb, "MB", 150.0),
        (
            f"cold render / ({count} x inlining)",
            cold.seconds / (count * inline),
            "ratio",
            0.75,
        ),
        ("edit one issue / heavy imports", one_issue.seconds / heavy_floor.seconds, "ratio", 1.5),
        ("nothing changed / --version", unchanged.seconds / version.seconds, "ratio", 1.3),
        ("--version / import click", version.seconds / click_floor.seconds, "ratio", 2.0),
    ]


def table(rows: list[tuple[str, float, str, float | None]]) -> str:
    """The measurements as a Markdown table: value, target, and whether it is met."""
    lines = ["| measurement | value | target | met |", "|---|---:|---:|:---:|"]
    for name, value, unit, target in rows:
        shown = (
            f"{value:.3f} s"
            if unit == "s"
            else f"{value:.0f} MB"
            if unit == "MB"
            else f"{value:.2f}"
        )
        if target is None:
            lines.append(f"| {name} | {shown} | | |")
        else:
            goal = f"≤ {target:.0f} MB" if unit == "MB" else f"≤ {target:.2f}"
            lines.append(f"| {name} | {shown} | {goal} | {'yes' if value <= target else 'NO'} |")
    return "\n".join(lines)


def machine() -> str:
    """Where the benchmark ran: CPU, cores, Python, and the load when it started."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Generate the archive, measure, print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m newsletter.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("-n", "--issues", type=int, default=520, help="issues in the archive (520)")
    parser.add_argument(
        "-r", "--repeat", type=int, default=7, help="runs of each quick command (7)"
    )
    parser.add_argument(
        "-C", "--project", type=Path, default=Path("."), help="settings and layouts"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated project")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    try:
        project = folder / "project"
        make_project(args.project, project, args.issues)
        print(f"Machine: {machine()}", flush=True)
        print(f"Archive: {args.issues} synthetic issues in {project}", flush=True)
        print(table(measure(project, args.repeat)))
        print(f"Load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if not args.keep:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
