"""`python -m newsletter.bench`: generate the archive, measure, print the table."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import __doc__ as about
from .archive import make_project
from .report import load, machine, table
from .suite import Options, measure


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, generate the archive, measure, print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m newsletter.bench",
        description=(about or "").split("\n\n")[0],
        epilog="The table goes to standard output, what is being measured to standard error.",
    )
    parser.add_argument("-n", "--issues", type=int, default=520, help="issues in the archive (520)")
    parser.add_argument("-r", "--repeat", type=int, default=7, help="runs of each quick command")
    parser.add_argument(
        "--cold-runs", type=int, default=3, help="cold renders, peers' runs and checks (3)"
    )
    parser.add_argument("--saves", type=int, default=5, help="saves timed in the preview (5)")
    parser.add_argument(
        "-C", "--project", type=Path, default=Path("."), help="settings and layouts (.)"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip MJML and Pelican")
    parser.add_argument("--no-preview", action="store_true", help="skip the preview in Chromium")
    parser.add_argument(
        "--tools",
        type=Path,
        help="install the peers here and keep them for the next run (default: a temporary folder)",
    )
    parser.add_argument(
        "--seed",
        type=Path,
        help="the sample issue in MJML (default: ../shared/bench/seed-issue.mjml)",
    )
    parser.add_argument("--chromium", help="the Chromium to drive (default: Debian's chromium)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = parser.parse_args(argv)
    project_dir = args.project.resolve()
    options = Options(
        repeat=args.repeat,
        cold_runs=args.cold_runs,
        saves=args.saves,
        peers=not args.no_peers,
        preview=not args.no_preview,
        tools=args.tools.resolve() if args.tools else None,
        chromium=args.chromium,
        seed=(args.seed or project_dir.parent / "shared" / "bench" / "seed-issue.mjml").resolve(),
    )
    # Stopped from outside: the generated folder is removed all the same.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    work = Path(tempfile.mkdtemp(prefix="newsletter-bench-"))
    try:
        project = work / "project"
        paths = make_project(project_dir, project, args.issues)
        words = sum(len(path.read_text(encoding="utf-8").split()) for path in paths)
        started = load()
        _say(f"Archive: {args.issues} issues in {project}")
        rows, found = measure(project, work, options, _say)
        print(f"Machine: {machine()}")
        print(f"Archive: {args.issues} synthetic issues of about {words // len(paths):,} words")
        for name in (found.mjml, found.pelican):
            if name is not None:
                print(f"Peer: {name.name}")
        print(f"Load average when it started: {started}")
        print()
        print(table(rows))
        print()
        print(f"Load average when it ended: {load()}")
    finally:
        if args.keep:
            _say(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
