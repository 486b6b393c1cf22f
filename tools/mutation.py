"""Mutation testing of the modules that judge content, on a seeded random sample of mutants.

    .venv/bin/pip install -e '.[mutation]'
    .venv/bin/python tools/mutation.py                      # 150 mutants of each module
    .venv/bin/python tools/mutation.py --seed 17 --per-module 200 newsletter/markdown.py

mutmut (configured in pyproject.toml's [tool.mutmut]) makes every mutant of the modules named
(by default newsletter/text.py, lint.py and issues.py); this script picks PER_MODULE of each at
random, prints the seed so that the run can be repeated, has mutmut run the tests that reach each
mutated function, and prints each module's score and the diff of every survivor. Not part of CI:
it takes about half an hour on two cores.

The run is pinned to one CPU. Then `newsletter` renders in its own process rather than in worker
processes, where mutmut could not see which test reaches which function (and it leaves the other
core to whoever shares the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("newsletter/text.py", "newsletter/lint.py", "newsletter/issues.py")
KILLED = {1, 3}  # a test failed (3: pytest's internal error, which a mutant also causes)
TIMEOUT = {36, -24, 24, 152, 255}  # a mutant that loops forever is caught by the time limit


def mutant_names(module: str) -> list[str]:
    """Every mutant mutmut makes of MODULE, by the name `mutmut run` and `mutmut show` take."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    source = (ROOT / module).read_text(encoding="utf-8")
    mutated = mutate_file_contents(module, source)
    return sorted(get_mutant_name(Path(module), name) for name in mutated.mutant_names)


def results(module: str) -> dict[str, int | None]:
    """mutmut's exit code for each mutant of MODULE, from the run just made."""
    meta = ROOT / "mutants" / f"{module}.meta"
    data: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return data


def main() -> int:
    """Sample, run, report; exit status 1 when a module scores under --fail-under."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=list(MODULES), metavar="MODULE")
    parser.add_argument("--seed", type=int, default=None, help="repeat the sample of a run")
    parser.add_argument("--per-module", type=int, default=150, help="mutants of each module")
    parser.add_argument("--fail-under", type=float, default=90.0, help="lowest score, in percent")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    print(f"seed {seed}: {args.per_module} mutants of each of {', '.join(args.modules)}")

    chooser = random.Random(seed)
    sample: dict[str, list[str]] = {}
    for module in args.modules:
        names = mutant_names(module)
        sample[module] = sorted(chooser.sample(names, min(args.per_module, len(names))))
        print(f"  {module}: {len(sample[module])} of {len(names)} mutants")

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # results of earlier runs, and their stats
    log = ROOT / "mutants.log"
    print(f"running mutmut (its progress: {log.relative_to(ROOT)})", flush=True)
    wanted = [name for names in sample.values() for name in names]
    with log.open("w", encoding="utf-8") as output:
        command = [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children", "1"]
        done = subprocess.run([*command, *wanted], cwd=ROOT, stdout=output, stderr=output)
    if done.returncode != 0:
        print(f"mutmut failed (exit status {done.returncode}): see {log}", file=sys.stderr)
        return 2

    failing = False
    survivors: list[str] = []
    for module, names in sample.items():
        codes = results(module)
        killed = sum(codes.get(name) in KILLED for name in names)
        timeouts = sum(codes.get(name) in TIMEOUT for name in names)
        lived = [name for name in names if codes.get(name) not in KILLED | TIMEOUT]
        score = 100 * (killed + timeouts) / len(names)
        failing |= score < args.fail_under
        print(
            f"{module}: {score:.1f}% ({killed} killed, {timeouts} timed out, "
            f"{len(lived)} survived of {len(names)})"
        )
        survivors += lived
    for name in survivors:
        shown = subprocess.run(
            [str(Path(sys.executable).with_name("mutmut")), "show", name],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        print(f"\n{shown.stdout.strip()}")
    print(f"\nseed {seed}; {len(survivors)} survivors (`mutmut show NAME` shows one again)")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
