"""Property-based tests: whatever bytes an issue file holds, the outcome is an issue or messages.

CI runs a short, derandomized version (the `ci` profile). The long run, 10,000 examples a test:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_properties.py --hypothesis-show-statistics
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from newsletter.config import DEFAULT_SECTIONS, Settings, load_settings
from newsletter.issues import ARTICLE_KEYS, FRONT_MATTER, read_issue

from .conftest import copy_sample, run, snapshot

NAME = "008-fuzz.md"
SHOWN = f"issues/{NAME}"
# One line per problem: the issue's path (or a layout's), a line number, a message.
PROBLEM = re.compile(r"(issues/008-fuzz\.md|layouts/[\w.-]+):(\d+): \S.*")
FIXTURES = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    """A project whose only issue is the one each example writes."""
    project = copy_sample(tmp_path_factory.mktemp("fuzz") / "project")
    shutil.rmtree(project / "issues")
    (project / "issues").mkdir()
    return project, load_settings(project)


# --- strategies ---------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
)
KEYS = st.one_of(
    st.sampled_from(sorted({*FRONT_MATTER, *ARTICLE_KEYS, "name", "name_native"})),
    st.text(max_size=8),
    st.integers(),
)
SHAPES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=15,
)
# Front matter that is mostly right, so that examples reach past the first error.
AUTHOR = st.fixed_dictionaries(
    {"name": st.text(max_size=20)}, optional={"name_native": st.text(max_size=10)}
)
ARTICLE = st.fixed_dictionaries(
    {
        "title": st.text(max_size=30),
        "authors": st.lists(AUTHOR | SHAPES, max_size=3),
        "publication": st.text(max_size=20),
    },
    optional={
        "publication_native": st.text(max_size=10),
        "url": st.sampled_from(["https://example.org/a", "ftp://x", "javascript:alert(1)"])
        | st.text(max_size=20),
        "doi": st.sampled_from(["10.1234/abc", "doi:10.1/x"]) | st.text(max_size=15),
    },
)
FRONT = st.fixed_dictionaries(
    {
        "number": st.integers(-2, 10**6) | SHAPES,
        "date": st.dates().map(str) | st.datetimes().map(lambda d: d.isoformat()) | SHAPES,
        "title": st.text(max_size=60) | SHAPES,
        "article": ARTICLE | SHAPES,
    },
    optional={
        key: st.text(max_size=30) | SHAPES
        for key in ("subtitle", "subject", "preheader", "tags", "status", "id", "updated")
    }
    | {"status": st.sampled_from(["draft", "published"]) | SHAPES},
)
PIECES = [
    "- ",
    "> ",
    "1. ",
    "1) ",
    "# ",
    "## ",
    "### ",
    "`",
    "```",
    "~~~",
    "*",
    "**",
    "_",
    "[",
    "]",
    "](",
    ")",
    "![",
    "<",
    ">",
    "<https://example.org/x>",
    "<a@b.c>",
    "https://example.org",
    "javascript:alert(1)",
    "data:image/png;base64,AA==",
    "\n",
    "\n\n",
    "    ",
    "\t",
    "[^1]",
    "[^1]: ",
    "[ref]: /x",
    "|",
    "---",
    "***",
    "===",
    "&amp;",
    "&#0;",
    "\\",
    "{{ 7*7 }}",
    "{% if x %}",
    "<b>",
    "<!-- c -->",
    "\u3002",
    "\u4e2d\u6587",
    "\u200b",
    "\ufeff",
    "\r",
    "\x00",
    " ",
    "text",
]
MARKDOWN = st.lists(st.sampled_from(PIECES) | st.text(max_size=10), max_size=40).map("".join)
# Markdown that validation lets through: no raw HTML, no control characters, no new sections.
PRINTABLE = st.text(st.characters(exclude_categories=["Cc", "Cs"]), max_size=10)
VALID_PIECES = [
    p for p in PIECES if p not in ("<b>", "<!-- c -->", "\x00", "&#0;", "## ", "<", ">")
]
VALID_MARKDOWN = st.lists(st.sampled_from(VALID_PIECES) | PRINTABLE, max_size=40).map("".join)
SECTION_TITLES = [spec.title for spec in DEFAULT_SECTIONS] + ["Key points", "Other"]


@st.composite
def bodies(draw: st.DrawFn) -> str:
    """A note, then `##` sections (usually the template's, in order), each with Markdown."""
    template = draw(st.booleans())
    titles = (
        [spec.title for spec in DEFAULT_SECTIONS]
        if template
        else draw(st.lists(st.sampled_from(SECTION_TITLES) | st.text(max_size=10), max_size=8))
    )
    parts = [draw(MARKDOWN)]
    for title in titles:
        parts.append(f"## {title}\n")
        if title == "Key Points":
            parts.append(f"### {draw(st.text(max_size=15))}\n")
        parts.append(draw(MARKDOWN) if draw(st.booleans()) else "Text.")
    return "\n\n".join(parts)


@st.composite
def issue_files(draw: st.DrawFn) -> bytes:
    """The bytes of an issue file: anything at all, or front matter and a body, in any encoding
    of line ends, with or without a byte-order mark."""
    kind = draw(st.sampled_from(["binary", "text", "yaml text", "shapes", "valid front matter"]))
    if kind == "binary":
        return draw(st.binary(max_size=300))
    if kind == "text":
        text = draw(st.text(max_size=300))
    else:
        if kind == "yaml text":
            front = draw(st.text(max_size=200))
        elif kind == "shapes":
            front = yaml.safe_dump(draw(FRONT), allow_unicode=draw(st.booleans()), sort_keys=False)
        else:
            front = valid_front_matter()
        body = draw(bodies() | valid_bodies())
        text = f"---\n{front}\n---\n{body}\n"
    text = text.replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"])))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8")


@st.composite
def valid_bodies(draw: st.DrawFn) -> str:
    """The template's sections, each with some text and then any Markdown validation allows."""
    parts = [draw(VALID_MARKDOWN)]
    for spec in DEFAULT_SECTIONS:
        parts.append(f"## {spec.title}\n\nText.\n")
        if spec.title == "Key Points":
            parts.append(f"### Point {draw(PRINTABLE)}\n\nText.\n")
        parts.append(draw(VALID_MARKDOWN))
    return "\n\n".join(parts)


def valid_front_matter() -> str:
    """Front matter that passes validation."""
    return (
        "number: 8\ndate: 2024-10-21\ntitle: A fuzzed issue\narticle:\n  title: T\n"
        "  authors:\n    - name: A\n  publication: P\n"
    )


def line_count(data: bytes) -> int:
    """How many lines the file has, whichever line ends it uses."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return text.count("\n") + 1


# --- properties ---------------------------------------------------------------------------------


@FIXTURES
@given(data=issue_files())
def test_the_loader_returns_an_issue_or_problems_with_lines(
    fuzz: tuple[Path, Settings], data: bytes
) -> None:
    project, config = fuzz
    path = project / "issues" / NAME
    path.write_bytes(data)
    issue, problems = read_issue(path, config)
    event("a valid issue" if issue else "errors")
    errors = [p for p in problems if p.severity == "error"]
    assert (issue is None) == bool(errors)
    for problem in problems:
        assert problem.path == SHOWN
        assert 1 <= problem.line <= line_count(data), problem
        assert PROBLEM.fullmatch(str(problem)), problem
    if issue is not None:
        for text in (issue.title, issue.subject, issue.subtitle, issue.preheader, *issue.tags):
            assert "\n" not in text and "\r" not in text and "\x00" not in text


@FIXTURES
@given(data=issue_files())
def test_check_answers_with_messages_only(fuzz: tuple[Path, Settings], data: bytes) -> None:
    project, _ = fuzz
    (project / "issues" / NAME).write_bytes(data)
    result = run(project, "check")
    assert result.exit_code in (0, 1)
    event("emails rendered and linted" if "email.html" in result.stdout else "invalid issue")
    errors = result.stderr.splitlines()
    if result.exit_code == 0:
        assert result.stdout.endswith(" OK, 0 warnings.\n") or "warning" in result.stdout
    else:
        summary = re.fullmatch(r"Error: 1 issues checked: .*\.", errors[-1]) if errors else None
        if summary:
            errors.pop()
        assert errors
    for line in errors:
        problem = PROBLEM.fullmatch(line)
        assert problem, line
        assert problem.group(1) != SHOWN or 1 <= int(problem.group(2)) <= line_count(data), line


@FIXTURES
@given(body=valid_bodies(), line_end=st.sampled_from(["\n", "\r\n", "\r"]))
def test_a_valid_issue_always_renders(
    fuzz: tuple[Path, Settings], body: str, line_end: str
) -> None:
    project, config = fuzz
    path = project / "issues" / NAME
    path.write_bytes(f"---\n{valid_front_matter()}---\n{body}\n".replace("\n", line_end).encode())
    issue, _ = read_issue(path, config)
    assume(issue is not None)
    shutil.rmtree(project / "out", ignore_errors=True)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    assert len(snapshot(project / "out")) == 8  # the outputs, not the build state beside them
