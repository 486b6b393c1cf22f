"""The benchmark's table: each measurement (wall and CPU time), then the targets' ratios."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from .measure import Run


@dataclass(frozen=True)
class Row:
    """One line of the table: a measurement or a ratio, with its target if it has one.

    WALL is what the target judges; CPU is the CPU time of the process and all it waited for
    (for a ratio, the same ratio on CPU times), which load on the machine moves less. SKIPPED
    says why a row has no value.
    """

    name: str
    wall: float | None
    cpu: float | None = None
    unit: str = "s"  # "s", "MB" or "ratio"
    target: float | None = None
    skipped: str = ""


def measured(name: str, result: Run | None, skipped: str = "skipped") -> Row:
    """A row of a command's times, or SKIPPED when it was not run."""
    if result is None:
        return Row(name, None, skipped=skipped)
    return Row(name, result.seconds, result.cpu)


def ratio(name: str, top: Run | None, bottom: Run | None, target: float) -> Row:
    """TOP / BOTTOM, in wall time (judged against TARGET) and in CPU time."""
    if top is None or bottom is None:
        return Row(name, None, None, "ratio", target, "skipped")
    return Row(name, top.seconds / bottom.seconds, top.cpu / bottom.cpu, "ratio", target)


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:.3f} s"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table: wall, CPU, target, and whether it is met."""
    lines = ["| measurement | wall | CPU | target | met |", "|---|---:|---:|---:|:---:|"]
    for row in rows:
        wall = row.skipped or _shown(row.wall, row.unit)
        cpu = "" if row.skipped else _shown(row.cpu, row.unit)
        if row.target is None:
            lines.append(f"| {row.name} | {wall} | {cpu} | | |")
            continue
        goal = (
            f"≤ {row.target:.0f} MB"
            if row.unit == "MB"
            else f"≤ {row.target:.2f} s"
            if row.unit == "s"
            else f"≤ {row.target:.2f}"
        )
        met = "" if row.wall is None else "yes" if row.wall <= row.target else "NO"
        lines.append(f"| {row.name} | {wall} | {cpu} | {goal} | {met} |")
    return "\n".join(lines)


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as `uptime` shows them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    """Where the benchmark runs: CPU, cores, system, Python."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )
