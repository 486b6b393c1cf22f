"""Pathological issues: huge, deeply nested, full of links, odd line ends, NUL bytes.

Each is either rendered in full or refused with one `path:line: message`, in seconds, never with
a traceback or a hang. (How long each takes is the benchmark's business, not these tests'.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsletter.text import display_width

from .conftest import SAMPLE, run, snapshot

ISSUE = f"issues/{SAMPLE}.md"


def add_to_summary(project: Path, markdown: str) -> int:
    """Put MARKDOWN at the start of the sample issue's Summary; return the line it starts on."""
    path = project / ISSUE
    text = path.read_text(encoding="utf-8")
    start = text.index("## Summary\n")
    path.write_text(text.replace("## Summary\n", f"## Summary\n\n{markdown}\n", 1), "utf-8")
    return text[:start].count("\n") + 3


def test_a_10_mb_issue_renders(project: Path) -> None:
    paragraph = "A long paragraph of an issue pasted from somewhere, word after word. " * 15
    count = 10 * 1024 * 1024 // (len(paragraph) + 2) + 1
    body = "\n\n".join(f"{n}: {paragraph}" for n in range(count))
    add_to_summary(project, body)
    assert (project / ISSUE).stat().st_size > 10 * 1024 * 1024
    result = run(project, "render", "6")
    assert result.exit_code == 0, result.output
    text = (project / "out" / SAMPLE / "email.txt").read_text(encoding="utf-8")
    assert f"{count - 1}: A long paragraph" in text
    assert max(display_width(line) for line in text.splitlines() if "://" not in line) <= 72


def test_100000_links_render_each_numbered_once(project: Path) -> None:
    links = " ".join(f"[{n}](https://example.org/{n})" for n in range(100_000))
    add_to_summary(project, links)
    result = run(project, "render", "6")
    assert result.exit_code == 0, result.output
    page = (project / "out" / SAMPLE / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'href="https://example\.org/\d+"', page)) == 100_000
    text = (project / "out" / SAMPLE / "email.txt").read_text(encoding="utf-8")
    first = re.search(r"^\[(\d+)\] https://example\.org/0$", text, re.M)
    assert first, "the links are listed at the end"
    last = int(first.group(1)) + 99_999
    assert f"99999 [{last}]" in text
    assert text.endswith(f"\n[{last}] https://example.org/99999\n")


def test_check_finds_the_line_of_each_of_20000_links_in_one_paragraph(project: Path) -> None:
    links = "\n".join(f"[{n}](ftp://example.org/{n})" for n in range(20_000))
    first = add_to_summary(project, links)
    result = run(project, "check")
    assert result.exit_code == 1
    errors = [e for e in result.stdout.splitlines() if "ftp://" in e]
    assert len(errors) == 20_000
    assert errors[-1] == (
        f"{ISSUE}:{first + 19_999}: link to 'ftp://example.org/19999': mail clients follow "
        "only https:// (and mailto:) links; use a web address"
    )


TOO_DEEP = "lists, quotes, links or emphasis nested more than 32 levels deep: flatten them"
# Each case, and the line (from its first) where it passes the limit; None: nothing nests.
DEEP = {
    "bullet list": ("\n".join("  " * level + "- item" for level in range(1000)), 15),
    "ordered list": ("\n".join("   " * level + "1. item" for level in range(1000)), 15),
    "quote": ("> " * 1000 + "deep", 0),
    "quote per line": ("\n".join("> " * level + "deeper" for level in range(1000)), 32),
    "quoted list": ("\n".join("> " * level + "- item" for level in range(1000)), 30),
    "emphasis": ("*" * 1000 + "deep" + "*" * 1000, 0),
    "strong and emphasis": ("***" * 333 + "deep" + "***" * 333, 0),
    "images in alt text": ("![" * 1000 + "deep" + "](https://example.org/i.png)" * 1000, 0),
    "links": ("[" * 1000 + "deep" + "](https://example.org/)" * 1000, None),
    "brackets": ("[" * 1000 + "deep" + "]" * 1000, None),
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_1000_levels_of_nesting_are_refused_or_rendered(project: Path, kind: str) -> None:
    markdown, where = DEEP[kind]
    line = add_to_summary(project, markdown)
    result = run(project, "render")
    if where is None:  # a link cannot hold a link: the outer brackets are text
        assert result.exit_code == 0, result.output
        page = (project / "out" / SAMPLE / "index.html").read_text(encoding="utf-8")
        assert "[" * 999 + '<a href="https://example.org/">deep</a>' in page or "[" * 1000 in page
        return
    assert result.exit_code == 1
    assert result.stderr == f"{ISSUE}:{line + where}: {TOO_DEEP}\n"
    assert not (project / "out").exists()


def test_nesting_within_the_limit_loses_nothing(project: Path) -> None:
    add_to_summary(project, "> " * 15 + "- " * 8 + "the innermost words")
    assert run(project, "render", "6").exit_code == 0
    for name in ("index.html", "email.html", "email.txt"):
        assert "the innermost words" in (project / "out" / SAMPLE / name).read_text("utf-8")


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: "\ufeff" + t, id="BOM"),
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(lambda t: t.replace("\n", "\r"), id="CR"),
        pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r"), id="BOM and CR"),
        pytest.param(
            lambda t: "".join(line + ("\r\n", "\n")[n % 2] for n, line in enumerate(t.split("\n"))),
            id="mixed",
        ),
    ],
)
def test_line_ends_and_bom_change_nothing_in_the_output(project: Path, encode: object) -> None:
    assert run(project, "render").exit_code == 0
    before = snapshot(project / "out")
    for path in (project / "issues").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(encode(text).encode("utf-8"))  # type: ignore[operator]
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Rendered 2 issues into out/: 48 files, 0 changed.\n"
    assert snapshot(project / "out") == before


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        (
            "A NUL \x00 byte.",
            "control character U+0000 at column 7: an issue is plain text; remove it",
        ),
        ("\x00" * 1000, "control character U+0000 at column 1: an issue is plain text; remove it"),
        ("A bell \x07.", "control character U+0007 at column 8: an issue is plain text; remove it"),
        (
            "Not a character: \uffff",
            "control character U+FFFF at column 18: an issue is plain text; remove it",
        ),
    ],
)
def test_nul_bytes_and_control_characters_are_refused(
    project: Path, markdown: str, message: str
) -> None:
    line = add_to_summary(project, markdown)
    result = run(project, "check")
    assert (result.exit_code, result.stdout) == (
        1,
        f"{ISSUE}:{line}: {message}\nFound 1 error, 0 warnings.\n",
    )
    result = run(project, "render")
    assert (result.exit_code, result.stderr) == (1, f"{ISSUE}:{line}: {message}\n")


# Nine lists of nine aliases of the one before: a billion 'lol's if aliases were expanded.
BILLION_LAUGHS = '&l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10)
)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("subtitle", '"a\\0b"', "subtitle: control character U+0000 is not allowed"),
        ("subject", '"a\\x1bb"', "subject: control character U+001B is not allowed"),
        ("tags", '["a\\x01"]', "tags: expected a list of words, as in [SCO, BRICS]"),
        ("subtitle", '"a\\x85b\\u2028c"', None),  # line breaks of other kinds: folded
        ("subtitle", "a\x9bb", "front matter: character U+009B is not allowed"),
        ("subtitle", "[" * 5000 + "]" * 5000, "front matter: nested too deeply"),
        ("number", "9" * 5000, "front matter: a number too long to read"),
        (
            "laughs",
            BILLION_LAUGHS,
            "front matter: aliases ('*name') are not supported; write the value out",
        ),
    ],
)
def test_hostile_front_matter_gets_a_message(
    project: Path, key: str, value: str, message: str | None
) -> None:
    path = project / ISSUE
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [n for n, line in enumerate(lines) if line.startswith(f"{key}:")]
    number = found[0] if found else 1
    lines[number : number + len(found[:1])] = [f"{key}: {value}"]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run(project, "check", "--validate-only")
    if message is None:
        assert result.exit_code == 0, result.stdout
        return
    assert result.exit_code == 1
    # YAML's own limits (nesting) are reported where the front matter starts
    line = 2 if "nested" in message else number + 1
    assert result.stdout.splitlines()[0] == f"{ISSUE}:{line}: {message}"
