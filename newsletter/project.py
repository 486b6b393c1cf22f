"""Where the project is: the folder whose pyproject.toml has a [tool.newsletter] table.

Apart from config.py, which checks the settings: every command finds its project first, and the
quick ones (a render with nothing to do, `--help`) import no more than this.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from .errors import NoProject

SETTINGS_FILE = "pyproject.toml"

# A table header or dotted key of [tool.newsletter], for a pyproject.toml that is not valid TOML.
_OUR_TABLE = re.compile(
    r"^\s*\[+\s*tool\s*\.\s*newsletter\s*[\].]|^\s*tool\s*\.\s*newsletter\s*[.=]", re.M
)


def find_project(start: Path, named: bool = False) -> Path:
    """The project folder: START when NAMED (with -C), else the nearest folder from START up
    whose pyproject.toml has a [tool.newsletter] table, as git, ruff and pytest find theirs."""
    if named:
        if not (start / SETTINGS_FILE).is_file():
            raise NoProject(
                f"no {SETTINGS_FILE} in {start}: -C names the project folder, the one with "
                f"{SETTINGS_FILE}, issues/ and layouts/"
            )
        return start
    for folder in (start, *start.parents):
        path = folder / SETTINGS_FILE
        try:
            text = path.read_bytes().decode("utf-8", "replace")
        except OSError:  # none here (or unreadable): look further up
            continue
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            if _OUR_TABLE.search(text):  # ours, broken: load_settings says where
                return folder
            continue
        tool = document.get("tool")
        # A [tool.newsleter] is ours too, misspelt: load_settings points at it.
        if isinstance(tool, dict) and ("newsletter" in tool or misspelt_tables(document, text)):
            return folder
    raise NoProject(
        f"no {SETTINGS_FILE} with a [tool.newsletter] table in {start} or any folder above it: "
        "run newsletter in the project's folder, or name it with -C DIR"
    )


def misspelt_tables(document: dict[str, Any], text: str) -> list[tuple[int, str]]:
    """(line, message) for each [tool.*] table whose name looks like a misspelt 'newsletter'."""
    import difflib  # imported here: finding the project, the common case, needs none

    tool = document.get("tool")
    found: list[tuple[int, str]] = []
    for name in tool if isinstance(tool, dict) else ():
        if name == "newsletter" or not difflib.get_close_matches(name, ["newsletter"], cutoff=0.8):
            continue
        header = re.compile(rf"^\s*(?:\[+\s*tool\s*\.\s*|tool\s*\.\s*){re.escape(name)}\b")
        line = next((n for n, row in enumerate(text.splitlines(), start=1) if header.match(row)), 1)
        found.append((line, f"unknown table [tool.{name}] (did you mean [tool.newsletter]?)"))
    return found
