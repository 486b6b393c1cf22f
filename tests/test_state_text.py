"""The build state written from the text it was read from: the same bytes as written anew."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from newsletter import build, state

from .conftest import run

ISSUE_7 = "issues/007-zhang-xin-china-russia-rapprochement.md"


def _state_bytes(project: Path) -> bytes:
    """The state file, but for the time it was saved."""
    data = (project / state.STATE_DIR / "out" / "state.json").read_bytes()
    return re.sub(rb'^\{"format":2,"saved":\d+,', b'{"format":2,"saved":0,', data)


def test_unchanged_records_are_written_as_they_were_read(project: Path) -> None:
    assert run(project, "render").exit_code == 0
    settings = build.load_settings(project)
    kept = state.load(project, project / "out", state.sources(settings))
    assert sorted(kept.texts) == sorted(kept.records)  # every record kept as its text
    path = project / ISSUE_7
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert run(project, "render").exit_code == 0  # one record read again, one as it was
    reused = _state_bytes(project)
    assert run(project, "render", "--force").exit_code == 0  # every record written anew
    assert _state_bytes(project) == reused
    again = state.load(project, project / "out", state.sources(settings))
    _, issues, _ = build.validate(project)
    hollow = [replace(issue, note="", sections=()) for issue in issues]  # as the state keeps them
    assert sorted((r.issue for r in again.records.values()), key=lambda i: i.number) == sorted(
        hollow, key=lambda i: i.number
    )


def test_a_state_in_another_layout_is_read_whole(project: Path) -> None:
    assert run(project, "render").exit_code == 0
    path = project / state.STATE_DIR / "out" / "state.json"
    settings = build.load_settings(project)
    before = state.load(project, project / "out", state.sources(settings))
    path.write_text(" " + path.read_text(encoding="utf-8"), encoding="utf-8")  # the same JSON
    after = state.load(project, project / "out", state.sources(settings))
    assert after.texts == {} and after.records == before.records
