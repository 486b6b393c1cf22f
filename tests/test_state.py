"""The build state: beside out/ as JSON, never loaded as code; out/ holds the publication only."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from newsletter import build, stamp, state

from .conftest import ROOT, SAMPLE, copy_sample, run, snapshot

ISSUE_7 = "007-zhang-xin-china-russia-rapprochement"
PUBLICATION = [
    ".gitkeep",
    f"{SAMPLE}/email.eml",
    f"{SAMPLE}/email.html",
    f"{SAMPLE}/email.txt",
    f"{SAMPLE}/index.html",
    f"{ISSUE_7}/email.eml",
    f"{ISSUE_7}/email.html",
    f"{ISSUE_7}/email.txt",
    f"{ISSUE_7}/index.html",
    "atom.xml",
    "feed.json",
    "feed.xml",
    "index.html",
]


def listing(folder: Path) -> list[str]:
    """Every file under FOLDER, hidden ones included, sorted by path, but the archive's topic
    pages, sitemap and search index (tests/test_archive.py holds those)."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return [name for name in names if not ARCHIVE.match(name)]


ARCHIVE = re.compile(r"tags/|pagefind/|sitemap\.xml$|search\.js$")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def published(project: Path) -> Path:
    """The sample project with an out/ as in the repository (a .gitkeep), rendered."""
    (project / "out").mkdir()
    (project / "out" / ".gitkeep").touch()
    assert run(project, "render").exit_code == 0
    return project


# --- out/ holds the publication; the state beside it is data ------------------------------------


def test_out_holds_the_publication_and_nothing_else(published: Path) -> None:
    assert listing(published / "out") == PUBLICATION
    # (the stamp only once the inputs are older than the racy window)
    kept = set(listing(published / stamp.STATE_DIR)) - {"out/stamp.json"}
    assert kept == {"out/state.json", "out/search-2024.json"}  # the search records of a year
    assert list(published.rglob("*.pickle")) == []
    raw = json.loads((published / stamp.STATE_DIR / "out" / "state.json").read_bytes())
    assert raw["format"] == stamp.FORMAT
    assert [name for name in sorted(raw["files"]) if not ARCHIVE.match(name)] == PUBLICATION[1:]


def test_two_renders_from_scratch_are_byte_identical(published: Path) -> None:
    first = snapshot(published / "out")
    shutil.rmtree(published / "out")
    shutil.rmtree(published / stamp.STATE_DIR)
    assert run(published, "render").exit_code == 0
    assert snapshot(published / "out") == {k: v for k, v in first.items() if k != ".gitkeep"}


class Payload:
    """A pickle that, when loaded, creates the folder MARKER: proof that it ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def test_a_planted_pickle_never_runs(published: Path, tmp_path: Path) -> None:
    marker = tmp_path / "the-payload-ran"
    payload = pickle.dumps(("any stamp", Payload(marker)))
    legacy = published / "out" / ".newsletter"
    legacy.mkdir()
    for name in ("issues.pickle", "recent.pickle"):
        (legacy / name).write_bytes(payload)
    (legacy / "manifest.json").write_text('{"format": 1}', encoding="utf-8")
    current = published / stamp.STATE_DIR / "out"
    (current / "state.json").write_bytes(payload)  # where the state is now: read as JSON, or not
    (current / "recent.pickle").write_bytes(payload)
    edit(published / "issues" / f"{SAMPLE}.md", "## Summary\n", "## Summary\n\nAn edit.\n")
    result = run(published, "render")
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert result.stderr.splitlines()[0].startswith(
        f"ignoring the unreadable build state {current / 'state.json'}: "
    )
    assert result.stderr.splitlines()[1] == (
        f"removed {legacy}, the build state of an older version (now in .newsletter/)"
    )
    assert listing(published / "out") == PUBLICATION  # the old state is gone from out/
    assert not marker.exists()


def test_a_damaged_or_foreign_state_is_ignored_with_one_line(published: Path) -> None:
    path = published / stamp.STATE_DIR / "out" / "state.json"
    expected = snapshot(published / "out")
    for damage, message in [
        ('{"format": 2, "code": 1}', "ignoring the damaged build state"),
        ('{"format": 99}', "ignoring the build state"),
        ("[1, 2", "ignoring the unreadable build state"),
    ]:
        path.write_text(damage, encoding="utf-8")
        result = run(published, "render", "--force")  # --force: the stamp must not answer
        assert result.exit_code == 0, result.output
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(message)
        assert snapshot(published / "out") == expected


def test_deleting_the_state_is_safe(published: Path) -> None:
    expected = snapshot(published / "out")
    shutil.rmtree(published / stamp.STATE_DIR)
    result = run(published, "render")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Rendered 2 issues into out/: 48 files, 0 changed.\n"
    assert snapshot(published / "out") == expected


# --- no stale pages ---------------------------------------------------------------------------


def test_a_renamed_issue_leaves_no_folder_and_warns_with_the_aliases_line(published: Path) -> None:
    (published / "out" / "CNAME").write_text("chinaffairs.example\n", encoding="utf-8")
    (published / "out" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    old = published / "issues" / f"{SAMPLE}.md"
    old.rename(published / "issues" / "006-zhao-long.md")
    result = run(published, "render")
    assert result.exit_code == 0
    assert result.stderr == (
        "issues/006-zhao-long.md:1: warning: the slug changed from '006-zhao-long-china-russia' "
        "since the last render, and emails already sent link to its page: add "
        "'aliases: [006-zhao-long-china-russia]' to the front matter\n"
    )
    assert result.stdout.startswith(f"Removed out/{SAMPLE}/ (4 files): no issue writes it now.\n")
    files = listing(published / "out")
    assert not any(name.startswith(f"{SAMPLE}/") for name in files)
    assert {"CNAME", "robots.txt", ".gitkeep", "006-zhao-long/index.html"} <= set(files)
    # The next render has nothing to say: the state knows the new slug.
    assert run(published, "render").stderr == ""


def test_an_alias_writes_a_redirect_page(published: Path) -> None:
    path = published / "issues" / f"{SAMPLE}.md"
    path.rename(published / "issues" / "006-zhao-long.md")
    edit(
        published / "issues" / "006-zhao-long.md",
        "number: 6\n",
        "number: 6\naliases: [006-zhao-long-china-russia]\n",
    )
    result = run(published, "render")
    assert (result.exit_code, result.stderr) == (0, "")
    page = (published / "out" / SAMPLE / "index.html").read_text(encoding="utf-8")
    url = "https://chinaffairs.example/006-zhao-long/"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta http-equiv="refresh" content="0; url={url}">' in page
    assert f'<a href="{url}">{url}</a>' in page
    assert listing(published / "out" / SAMPLE) == ["index.html"]
    assert "Rendered 2 issues into out/: 49 files" in result.stdout


def test_an_alias_cannot_take_another_issues_folder(project: Path) -> None:
    edit(project / "issues" / f"{SAMPLE}.md", "number: 6\n", f"number: 6\naliases: [{ISSUE_7}]\n")
    result = run(project, "render")
    assert result.exit_code == 1
    assert result.stderr == (
        f"issues/{SAMPLE}.md:3: aliases: '{ISSUE_7}' is already the slug of issues/{ISSUE_7}.md\n"
    )


def test_a_deleted_issue_leaves_nothing_behind(published: Path) -> None:
    (published / "issues" / f"{ISSUE_7}.md").unlink()
    result = run(published, "render")
    assert result.exit_code == 0
    assert (
        result.stdout.splitlines()[0]
        == f"Removed out/{ISSUE_7}/ (4 files): no issue writes it now."
    )
    assert not (published / "out" / ISSUE_7).exists()
    assert b"ZHANG Xin" not in (published / "out" / "index.html").read_bytes()


def test_an_issue_back_to_draft_and_a_draft_rendered_once_leave_nothing(published: Path) -> None:
    edit(published / "issues" / f"{ISSUE_7}.md", "number: 7\n", "number: 7\nstatus: draft\n")
    assert run(published, "render").exit_code == 0
    assert not (published / "out" / ISSUE_7).exists()
    assert run(published, "render", "--drafts").exit_code == 0
    assert (published / "out" / ISSUE_7 / "email.html").exists()
    result = run(published, "render")
    assert result.exit_code == 0
    assert f"Removed out/{ISSUE_7}/ (4 files)" in result.stdout
    assert listing(published / "out") == [n for n in PUBLICATION if not n.startswith(ISSUE_7)]


def test_a_named_render_keeps_the_other_issues(published: Path) -> None:
    expected = listing(published / "out")
    assert run(published, "render", "6").exit_code == 0
    assert listing(published / "out") == expected


# --- what an output depends on, exactly ------------------------------------------------------

RENDERED = (
    "import sys\n"
    "from pathlib import Path\n"
    "from newsletter import build\n"
    "report = build.render(Path(sys.argv[1]), Path(sys.argv[1]) / 'out')\n"
    "print(build.__file__, len(report.rendered))\n"
)


def test_library_versions_and_output_modules_re_render_and_serve_does_not(tmp_path: Path) -> None:
    project = copy_sample(tmp_path / "project")
    package = tmp_path / "code" / "newsletter"
    shutil.copytree(ROOT / "newsletter", package, ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path / "site"
    site.mkdir()

    def rendered() -> int:
        # -S: no site hooks, so the installed (editable) package cannot shadow the copy.
        path = os.pathsep.join([str(site), str(package.parent), sysconfig.get_path("purelib")])
        env = {**os.environ, "PYTHONPATH": path}
        result = subprocess.run(
            [sys.executable, "-S", "-c", RENDERED, str(project)],
            cwd=tmp_path,  # not the repository's folder, whose package would come first
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        module, count = result.stdout.split()
        assert module == str(package / "build.py")
        return int(count)

    assert rendered() == 2
    assert rendered() == 0
    (package / "serve.py").write_text(
        (package / "serve.py").read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8"
    )
    assert rendered() == 0  # the preview's code shapes no output
    # An upgrade of premailer, as the installer leaves it: a newer distribution's metadata first.
    (site / "premailer-99.0.dist-info").mkdir()
    assert rendered() == 2
    assert rendered() == 0
    (package / "content.py").write_text(
        (package / "content.py").read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8"
    )
    assert rendered() == 2


def test_the_libraries_that_shape_output_are_all_found() -> None:
    found = dict(item.split("==") for item in stamp.libraries())
    assert sorted(found) == sorted(stamp.SHAPING_LIBRARIES)
    assert all(found[name] for name in found if name != "pillow"), found


def test_the_state_holds_every_issue_as_data_without_its_body(published: Path) -> None:
    settings = build.load_settings(published)
    kept = state.load(published, published / "out", state.sources(settings))
    _, issues, _ = build.validate(published)
    hollow = [dataclasses.replace(issue, note="", sections=()) for issue in issues]
    assert sorted((r.issue for r in kept.records.values()), key=lambda i: i.number) == sorted(
        hollow, key=lambda i: i.number
    )
    assert not any(record.complete for record in kept.records.values())


def test_an_issue_kept_hollow_is_read_again_before_it_is_rendered(published: Path) -> None:
    expected = snapshot(published / "out")
    edit(published / "layouts" / "card.html", "</", "<!-- restyled --></")
    assert run(published, "render").exit_code == 0
    edit(published / "layouts" / "card.html", "<!-- restyled --></", "</")
    assert run(published, "render").exit_code == 0
    assert snapshot(published / "out") == expected  # every section there, as rendered at first
