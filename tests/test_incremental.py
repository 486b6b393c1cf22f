"""Incremental rendering: only what changed is rendered again, and the result is a full render's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsletter import build, feeds, site, state

from .conftest import SAMPLE, run, snapshot

ISSUE_7 = "007-zhang-xin-china-russia-rapprochement"


def full_render(project: Path) -> dict[str, bytes]:
    """What `render --force` writes into an empty folder: the reference for any incremental run."""
    result = run(project, "render", "--force", "-o", "full")
    assert result.exit_code == 0, result.output
    files = snapshot(project / "full")
    for path in sorted((project / "full").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    return files


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def age(project: Path) -> None:
    """Date every input ten seconds back, out of the window where a stat cannot be trusted."""
    past = time.time() - 10
    for path in [project / "pyproject.toml", *project.glob("issues/*"), *project.glob("layouts/*")]:
        os.utime(path, (past, past))


def test_incremental_output_is_byte_identical_to_a_full_render(project: Path) -> None:
    issue = project / "issues" / f"{SAMPLE}.md"
    steps = [
        lambda: None,
        lambda: edit(issue, "Welcome to the 6th edition", "Welcome to the sixth edition"),
        lambda: edit(issue, "tags: [", "tags: [Eurasia, "),
        lambda: edit(project / "layouts" / "email.html", "<body", "<!-- v2 -->\n<body"),
        lambda: edit(project / "pyproject.toml", "feed_size = 20", "feed_size = 1"),
        lambda: edit(
            project / "issues" / f"{ISSUE_7}.md", "number: 7\n", "number: 7\nstatus: draft\n"
        ),
        lambda: (project / "issues" / f"{ISSUE_7}.md").unlink(),
    ]
    for step in steps:
        step()
        result = run(project, "render")
        assert result.exit_code == 0, result.output
        # An issue no longer published leaves nothing behind.
        assert snapshot(project / "out") == full_render(project)


def test_unchanged_issues_are_not_rendered_again(project: Path) -> None:
    out = project / "out"
    first = build.render(project, out)
    assert {entry.slug for entry in first.rendered} == {SAMPLE, ISSUE_7}
    edit(project / "issues" / f"{ISSUE_7}.md", "## Summary\n", "## Summary\n\nA new line.\n")
    before = (out / SAMPLE / "email.html").stat().st_mtime_ns
    second = build.render(project, out)
    assert [entry.slug for entry in second.rendered] == [ISSUE_7]
    assert (out / SAMPLE / "email.html").stat().st_mtime_ns == before
    assert f"{ISSUE_7}/email.html" in second.changed
    assert build.render(project, out).rendered == ()


def test_editing_a_layout_renders_every_issue_again(project: Path) -> None:
    out = project / "out"
    build.render(project, out)
    edit(project / "layouts" / "card.html", "</", "<!-- restyled --></")
    report = build.render(project, out)
    assert {entry.slug for entry in report.rendered} == {SAMPLE, ISSUE_7}
    for slug in (SAMPLE, ISSUE_7):
        assert "<!-- restyled -->" in (out / slug / "email.html").read_text(encoding="utf-8")
    # A layout change that changes no output still renders everything, and writes nothing.
    edit(project / "layouts" / "email.html", "<body", "{# a comment #}<body")
    report = build.render(project, out)
    assert len(report.rendered) == 2
    assert report.changed == ()


def test_feeds_and_index_are_rewritten_only_when_an_issue_they_list_changed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = project / "out"
    build.render(project, out)
    draft = project / "issues" / "008-next-week.md"
    draft.write_text(
        (project / "issues" / f"{SAMPLE}.md")
        .read_text(encoding="utf-8")
        .replace("number: 6\n", "number: 8\nstatus: draft\n"),
        encoding="utf-8",
    )

    def fail(*args: object) -> None:
        raise AssertionError("rendered again")

    with monkeypatch.context() as patch:  # a draft is in neither: they stay as they are
        patch.setattr(feeds, "rss", fail)
        patch.setattr(site, "archive", fail)
        assert build.render(project, out).changed == ()
    edit(project / "issues" / f"{SAMPLE}.md", "## Summary\n", "## Summary\n\nA new line.\n")
    assert {"feed.xml", "atom.xml", "feed.json"} <= set(build.render(project, out).changed)
    edit(project / "issues" / f"{SAMPLE}.md", "title: ZHAO Long", "title: Dr ZHAO Long")
    assert "index.html" in build.render(project, out).changed


def test_a_deleted_or_changed_output_is_rendered_again(project: Path) -> None:
    out = project / "out"
    build.render(project, out)
    expected = snapshot(out)
    (out / SAMPLE / "email.html").unlink()
    (out / "feed.xml").write_text("damaged", encoding="utf-8")
    report = build.render(project, out)
    assert [entry.slug for entry in report.rendered] == [SAMPLE]
    assert sorted(report.changed) == [f"{SAMPLE}/email.html", "feed.xml"]
    assert snapshot(out) == expected


def test_a_broken_issue_fails_the_run_even_after_a_render(project: Path) -> None:
    age(project)
    assert run(project, "render").exit_code == 0
    before = snapshot(project / "out")
    issue = project / "issues" / f"{SAMPLE}.md"
    stat = issue.stat()
    edit(issue, "date: 2024-10-07", "date: 2024-13-07")
    os.utime(issue, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time: only the size tells
    result = run(project, "render")
    assert result.exit_code == 1
    assert result.stderr == f"issues/{SAMPLE}.md:3: date: expected YYYY-MM-DD, got '2024-13-07'\n"
    assert run(project, "check").exit_code == 1
    assert snapshot(project / "out") == before


def test_nothing_changed_answers_from_the_stamp(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    age(project)
    assert run(project, "render").output == "Rendered 2 issues into out/: 48 files, 48 changed.\n"

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pipeline ran")

    monkeypatch.setattr(build, "render", fail)
    assert run(project, "render").output == "Rendered 2 issues into out/: 48 files, 0 changed.\n"
    # Another command, a touched input or a changed output is not the same run: the pipeline runs.
    with pytest.raises(AssertionError, match="the pipeline ran"):
        run(project, "render", "6")
    (project / "out" / "index.html").write_text("x", encoding="utf-8")
    with pytest.raises(AssertionError, match="the pipeline ran"):
        run(project, "render")
    monkeypatch.undo()
    assert run(project, "render").output == "Rendered 2 issues into out/: 48 files, 1 changed.\n"


def test_the_state_is_kept_beside_out(project: Path) -> None:
    age(project)  # inputs old enough for the stamp
    assert run(project, "render").exit_code == 0
    settings = build.load_settings(project)
    kept = state.load(project, project / "out", state.sources(settings))
    assert sorted(kept.records) == [f"issues/{SAMPLE}.md", f"issues/{ISSUE_7}.md"]
    assert len(kept.files) == 48
    assert sorted(p.name for p in (project / ".newsletter" / "out").iterdir()) == [
        "search-2024.json",
        "stamp.json",
        "state.json",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["render", "--help"],
        ["new", "--title", "Next week"],
        ["check", "--validate-only"],
        ["render"],
    ],
)
def test_fast_commands_do_not_import_premailer_or_feedgen(project: Path, args: list[str]) -> None:
    age(project)
    assert run(project, "render").exit_code == 0  # the last `render` then finds nothing to do
    age(project)
    run(project, "render")  # and stamps it, its inputs being old enough
    code = (
        "import sys\n"
        "from newsletter.cli import main\n"
        f"try: main({['-C', str(project), *args]!r})\n"
        "except SystemExit as exc: assert not exc.code, exc.code\n"
        "heavy = {'premailer', 'feedgen', 'cssutils', 'lxml', 'jinja2', 'yaml', 'markdown_it'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project
    )
    loaded = result.stdout.strip().splitlines()[-1]
    if args[0] in ("check", "new"):  # they read issues: YAML and Markdown, never more
        assert "premailer" not in loaded and "feedgen" not in loaded
    else:
        assert loaded == "[]"
