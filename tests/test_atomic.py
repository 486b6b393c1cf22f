"""Atomic output: a failed, killed or concurrent render never leaves out/ half-written."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsletter import email, output
from newsletter.stamp import STATE_DIR

from .conftest import SAMPLE, copy_sample, run, snapshot

# The `newsletter` command in a process of its own, as an editor's script or CI would start it.
COMMAND = [sys.executable, "-c", "from newsletter.cli import main; main()"]
EXTRA = (
    (8, "2024-10-21", "008-third"),
    (9, "2024-10-28", "009-fourth"),
    (10, "2024-11-04", "010-fifth"),
)


def five_issues(target: Path) -> Path:
    """The sample project with three more issues (copies of issue 6): five in all."""
    project = copy_sample(target)
    source = (project / "issues" / f"{SAMPLE}.md").read_text(encoding="utf-8")
    for number, date, slug in EXTRA:
        text = source.replace("number: 6\n", f"number: {number}\n", 1)
        text = text.replace("date: 2024-10-07\n", f"date: {date}\n", 1)
        (project / "issues" / f"{slug}.md").write_text(text, encoding="utf-8")
    return project


def revise(project: Path, word: str) -> None:
    """Change every issue, so that a render changes every file of out/."""
    for path in (project / "issues").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n## Summary\n", f"\n{word}\n\n## Summary\n", 1), "utf-8")


def leftovers(out: Path) -> list[str]:
    """Files a render must not leave behind: temporary files and the lock."""
    return sorted(p.name for p in out.rglob(".*") if p.is_file())


@pytest.fixture
def rendered_five(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """Five issues rendered once, then all revised: the next render would change every file."""
    project = five_issues(tmp_path / "project")
    assert run(project, "render").exit_code == 0
    before = snapshot(project / "out")
    assert len(before) == 64
    revise(project, "Revised.")
    return project, before


def test_an_exception_in_the_third_issue_leaves_out_as_it_was(
    rendered_five: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, before = rendered_five
    render_document = email.render_document

    # The issues render in worker processes: the failure is the third issue's, wherever it runs.
    def failing(env: object, rendered: object, *args: object, **kwargs: object) -> str:
        if rendered.issue.slug == "008-third":  # type: ignore[attr-defined]
            raise RuntimeError("injected failure in the third issue")
        return render_document(env, rendered, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(email, "render_document", failing)
    with pytest.raises(RuntimeError, match="injected failure"):
        run(project, "render")
    assert snapshot(project / "out") == before
    assert leftovers(project / "out") == []


def test_a_full_disk_midway_through_writing_leaves_out_as_it_was(
    rendered_five: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, before = rendered_five
    (project / "issues" / "011-new.md").write_text(
        (project / "issues" / f"{SAMPLE}.md")
        .read_text(encoding="utf-8")
        .replace("number: 6\n", "number: 11\n"),
        encoding="utf-8",
    )
    staged: list[Path] = []
    stage = output._stage

    def disk_full(path: Path, data: bytes) -> Path:
        staged.append(path)
        if len(staged) == 12:  # the twelfth of 68 files: some new folders made, files staged
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return stage(path, data)

    monkeypatch.setattr(output, "_stage", disk_full)
    result = run(project, "render")
    assert result.exit_code == 1
    assert result.stderr == (
        "Rendering\n"  # the progress of six issues, off a terminal
        f"Error: could not write {project / 'out'}: [Errno 28] No space left on device; "
        "it is unchanged\n"
    )
    assert len(staged) == 12
    assert snapshot(project / "out") == before  # no file changed, the new issue's folder is gone
    assert leftovers(project / "out") == []
    folders = {p.name for p in (project / "out").iterdir() if p.is_dir() and p.name != STATE_DIR}
    assert folders == {p.split("/")[0] for p in before if "/" in p}


def test_ctrl_c_while_writing_leaves_out_as_it_was(
    rendered_five: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, before = rendered_five
    staged: list[Path] = []
    stage = output._stage

    def interrupted(path: Path, data: bytes) -> Path:
        staged.append(path)
        if len(staged) == 5:
            raise KeyboardInterrupt
        return stage(path, data)

    monkeypatch.setattr(output, "_stage", interrupted)
    result = run(project, "render")
    assert (result.exit_code, result.stderr) == (1, "\nAborted!\n")  # click's answer to Ctrl-C
    assert len(staged) == 5
    assert snapshot(project / "out") == before
    assert leftovers(project / "out") == []


KILLED_RENDER = """
import os, signal, sys
from newsletter import output
from newsletter.cli import main
staged = []
stage = output._stage
def killed(path, data):
    staged.append(stage(path, data))
    if len(staged) == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    return staged[-1]
output._stage = killed
main()
"""


def test_a_killed_render_changes_nothing_and_the_next_one_cleans_up(
    rendered_five: tuple[Path, dict[str, bytes]],
) -> None:
    project, before = rendered_five
    out = project / "out"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RENDER, "-C", str(project), "render"],
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    visible = {path: data for path, data in snapshot(out).items() if "/." not in f"/{path}"}
    assert visible == before  # every file the previous render wrote, byte for byte
    stray = leftovers(out)
    assert ".lock" in stray and len([n for n in stray if n.endswith(".tmp")]) == 7

    result = run(project, "render")
    assert result.exit_code == 0, result.output
    assert leftovers(out) == []
    fresh = five_issues(project.parent / "fresh")
    revise(fresh, "Revised.")
    assert run(fresh, "render").exit_code == 0
    assert snapshot(out) == snapshot(fresh / "out")


def test_nothing_is_written_outside_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "006-x").mkdir(parents=True)
    (out / "linked").symlink_to(elsewhere)
    for relative in ("../escaped.html", "linked/index.html", "/tmp/absolute.html", "."):
        with pytest.raises(output.OutputError, match="refusing to write outside"):
            output.write_tree(out, {"index.html": b"ok", relative: b"x"})
    assert list(elsewhere.iterdir()) == []
    assert not (tmp_path / "escaped.html").exists()
    assert not (out / "index.html").exists()  # checked before anything is written


def test_a_failed_first_render_leaves_no_out_folder(project: Path) -> None:
    layout = project / "layouts" / "email.html"
    layout.write_text(layout.read_text(encoding="utf-8") + "{{ nope }}", encoding="utf-8")
    assert run(project, "render").exit_code == 1
    assert not (project / "out").exists()


# --- two renders at once ------------------------------------------------------------------------


def start_render(project: Path, out: Path) -> subprocess.Popen[str]:
    """`newsletter render` of PROJECT into OUT, in a process of its own."""
    return subprocess.Popen(
        [*COMMAND, "-C", str(project), "render", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_render_waits_for_the_one_holding_the_lock(tmp_path: Path) -> None:
    project = copy_sample(tmp_path / "project")
    out = tmp_path / "out"
    with output.locked(out):
        waiting = start_render(project, out)
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # blocks until the render reports the lock
        assert line == f"{out} is locked by another render; waiting for it to finish\n"
        time.sleep(0.5)
        assert waiting.poll() is None  # still waiting
        assert sorted(p.name for p in out.iterdir()) == [".lock"]
    stdout, stderr = waiting.communicate(timeout=120)
    assert (waiting.returncode, stderr) == (0, "")
    assert stdout.startswith("Rendered 2 issues into ")
    assert len(snapshot(out)) == 48
    assert leftovers(out) == []


def test_two_renders_at_once_leave_one_complete_output(tmp_path: Path) -> None:
    # Two projects that differ in every issue render into one folder at the same moment; the
    # folder must end up exactly as one of them renders alone, never a mix of the two.
    first = copy_sample(tmp_path / "first")
    second = copy_sample(tmp_path / "second")
    revise(second, "The second project's version.")
    for path in (second / "issues").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\ntitle: ", "\ntitle: The second ", 1), encoding="utf-8")
    expected = []
    for project in (first, second):
        assert run(project, "render").exit_code == 0
        expected.append(snapshot(project / "out"))
    # The same files but for the search index's, which are named by their content; and every
    # page differs (not the search box's script, nor the sitemap: the same pages, the same dates).
    names = [{name for name in files if not name.startswith("pagefind/")} for files in expected]
    assert names[0] == names[1]
    same = {"search.js", "sitemap.xml"}
    assert all(expected[0][name] != expected[1][name] for name in names[0] - same)

    out = tmp_path / "shared-out"
    for _ in range(2):
        renders = [start_render(first, out), start_render(second, out)]
        results = [render.communicate(timeout=120) for render in renders]
        assert [render.returncode for render in renders] == [0, 0], results
        assert snapshot(out) in expected
        assert leftovers(out) == []


def test_an_out_folder_that_cannot_be_written_is_one_message(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = os.open

    def denied(path: str | os.PathLike[str], *args: int) -> int:
        if str(path).endswith(".lock"):  # as a folder of someone else's would answer
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return opened(path, *args)

    monkeypatch.setattr(output.os, "open", denied)
    result = run(project, "render")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: could not write {project / 'out'}: [Errno 13] Permission denied: "
        f"'{project / 'out' / '.lock'}'\n"
    )
    assert not (project / "out").exists()
