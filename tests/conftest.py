"""Shared fixtures: a throwaway copy of the sample project, and a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Literal

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from newsletter.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLE = "006-zhao-long-china-russia"
WORKOUT = ROOT / "tests" / "fixtures" / "text" / "008-plain-text-workout.md"


def copy_sample(target: Path) -> Path:
    """Copy the sample project (settings, issues, layouts) into TARGET; return TARGET."""
    target.mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    shutil.copytree(ROOT / "issues", target / "issues")
    shutil.copytree(ROOT / "layouts", target / "layouts")
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample project that a test may change."""
    return copy_sample(tmp_path / "project")


def run(project: Path, *args: str) -> Result:
    """Run the `newsletter` command on PROJECT, stdout and stderr kept apart."""
    return CliRunner().invoke(main, ["-C", str(project), *args], catch_exceptions=False)


def checked(problems: str) -> str:
    """What `check` prints for PROBLEMS (lines) that stop it: them, then 'Found ... .'"""
    warnings = problems.count(": warning: ")
    errors = len(problems.splitlines()) - warnings
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    return f"{problems.rstrip()}\nFound {counts}.\n"


def shared(fixture_name: str, config: pytest.Config) -> Literal["session", "function"]:
    """Once a session; once a test under mutation testing, where mutmut credits whatever a
    fixture runs to the first test that asks for it, and so would skip the others."""
    return "function" if "MUTANT_UNDER_TEST" in os.environ else "session"


@pytest.fixture(scope=shared)
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project rendered once for the whole session; returns its out/ folder."""
    target = copy_sample(tmp_path_factory.mktemp("sample") / "project")
    result = run(target, "render")
    assert result.exit_code == 0, result.output
    return target / "out"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under FOLDER (out/ holds nothing else than the publication), with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


# Property-based tests: a short, repeatable run in CI; HYPOTHESIS_PROFILE=long for 10,000 examples.
settings.register_profile("ci", max_examples=40, derandomize=True, deadline=None)
settings.register_profile("long", max_examples=10_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope=shared)
def workout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with the plain-text workout issue added, rendered once; its out/."""
    project = copy_sample(tmp_path_factory.mktemp("workout") / "project")
    shutil.copy(WORKOUT, project / "issues" / WORKOUT.name)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    return project / "out"
