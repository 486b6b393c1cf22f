"""Timing whole processes: wall time, CPU time of the process and its children, peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One command run as a whole process: its wall time, the CPU time of it and of the
    processes it waited for (user and system), and the largest resident set among them."""

    seconds: float
    cpu: float
    max_rss_mb: float


def run(command: Sequence[str], cwd: Path | None = None) -> Run:
    """Run COMMAND to completion and measure it; a failure ends the benchmark with its output."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 reports this child's own rusage with that of the children it waited for (the
    # workers): ru_maxrss is the largest resident set of any of them (in KiB on Linux).
    assert process.stderr is not None
    errors = process.stderr.read()  # the progress bar; the problems, if it fails
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        shown = " ".join(command)
        raise SystemExit(f"benchmark: {shown} failed ({process.returncode}):\n{errors.decode()}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def median_of(runs: Sequence[Run]) -> Run:
    """The median wall and CPU times of RUNS, with the largest peak memory seen."""
    return Run(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.max_rss_mb for r in runs),
    )


def total(*runs: Run) -> Run:
    """RUNS one after the other: their times added up, the largest peak memory."""
    return Run(
        sum(r.seconds for r in runs), sum(r.cpu for r in runs), max(r.max_rss_mb for r in runs)
    )


def repeated(times: int, command: Callable[[], Run]) -> Run:
    """COMMAND run TIMES times, one after the other: the median."""
    return median_of([command() for _ in range(times)])


def inlining_time(project: Path, repeat: int = 15) -> float:
    """One issue's CSS inlining, in this process, once premailer is warm: the median seconds."""
    from .. import layouts
    from ..config import load_settings
    from ..content import render_issue
    from ..inline import inline_css
    from ..issues import read_issue

    settings = load_settings(project)
    env = layouts.environment(settings)
    path = sorted(settings.issues_dir.glob("*.md"))[-1]
    issue, problems = read_issue(path, settings)
    assert issue is not None, problems
    document = layouts.render_issue(env, settings, "email.html", render_issue(issue), "x")
    inline_css(document)  # the stylesheet is prepared once per process; that is not per email
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        inline_css(document)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
