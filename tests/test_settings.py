"""The publication's settings: schema errors as pyproject.toml:line: message."""

from __future__ import annotations

from pathlib import Path

from .conftest import run


def edit(project: Path, old: str, new: str) -> int:
    """Replace OLD by NEW in the project's pyproject.toml; return the line of the change."""
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_unknown_setting_gets_a_did_you_mean(project: Path) -> None:
    line = edit(project, "feed_size = 20", "feed_sise = 20")
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stdout == (
        f"pyproject.toml:{line}: unknown setting 'feed_sise' (did you mean 'feed_size'?)\n"
        "Found 1 error, 0 warnings.\n"
    )


def test_missing_table_is_a_clear_message(project: Path) -> None:
    edit(project, "[tool.newsletter]", "[tool.other]")
    result = run(project, "render")
    assert result.exit_code == 1
    assert result.stderr == (
        "pyproject.toml:1: no [tool.newsletter] table: add one with the "
        "publication's settings (see README)\n"
    )
    assert not (project / "out").exists()


def test_bad_values_are_all_reported(project: Path) -> None:
    url_line = edit(project, 'site_url = "https://chinaffairs.example/"', 'site_url = "example"')
    service_line = edit(project, 'service = "mailchimp"', 'service = "mailchump"')
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stdout == (
        f"pyproject.toml:{url_line}: site_url: expected an absolute http(s) URL, got 'example'\n"
        f"pyproject.toml:{service_line}: service: expected one of mailchimp, buttondown, "
        "listmonk, kit, sendgrid, generic, got 'mailchump'\n"
        "Found 2 errors, 0 warnings.\n"
    )


def test_generic_service_needs_its_tag(project: Path) -> None:
    line = edit(project, 'service = "mailchimp"', 'service = "generic"')
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stdout == (
        f"pyproject.toml:{line}: service 'generic' needs unsubscribe_tag: "
        "the merge tag your email service replaces with the unsubscribe "
        "link\n"
        "Found 1 error, 0 warnings.\n"
    )


def test_section_template_comes_from_settings(project: Path) -> None:
    edit(project, '    { title = "Conclusion", required = false },\n', "")
    result = run(project, "check")
    assert result.exit_code == 0
    assert "unknown section 'Conclusion'" in result.stdout


def test_a_misspelt_section_title_is_one_error_at_its_line(project: Path) -> None:
    line = edit(project, '{ title = "Why It Matters" }', '{ title = "Why It Maters" }')
    for command in ("check", "render"):
        result = run(project, command)
        assert result.exit_code == 1
        # once, in pyproject.toml: not a warning and an error in every issue
        assert (result.stdout + result.stderr).splitlines()[0] == (
            f"pyproject.toml:{line}: sections: every issue has a section 'Why It Matters', none "
            "'Why It Maters': did you mean 'Why It Matters'?"
        )
    assert result.stderr.count("\n") == 1


def test_a_misspelt_optional_section_is_one_warning(project: Path) -> None:
    line = edit(project, '"Conclusion", required = false', '"Conclusoin", required = false')
    result = run(project, "check", "--validate-only")
    assert (result.exit_code, result.stdout) == (
        0,
        f"pyproject.toml:{line}: warning: sections: every issue has a section 'Conclusion', none "
        "'Conclusoin': did you mean 'Conclusion'?\n"
        "2 issues OK, 1 warning.\n",
    )


def test_one_issue_with_a_section_spelt_otherwise_is_the_issue_s_typo(project: Path) -> None:
    path = project / "issues" / "006-zhao-long-china-russia.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Why It Matters", "## Why It Maters"), encoding="utf-8")
    line = text[: text.index("## Why It Matters")].count("\n") + 1
    after = text[: text.index("## Key Points")].count("\n") + 1
    result = run(project, "check", "--validate-only")
    assert result.stdout.splitlines() == [
        f"issues/006-zhao-long-china-russia.md:{line}: warning: unknown section 'Why It Maters' "
        "(did you mean 'Why It Matters'?)",
        f"issues/006-zhao-long-china-russia.md:{after}: missing required section 'Why It Matters'",
        "Found 1 error, 1 warning.",
    ]


def test_a_misspelt_table_name_gets_a_did_you_mean(project: Path) -> None:
    line = edit(project, "[tool.newsletter]", "[tool.newsleter]")
    result = run(project, "check")
    assert (result.exit_code, result.stdout) == (
        1,
        f"pyproject.toml:{line}: unknown table [tool.newsleter] (did you mean "
        "[tool.newsletter]?)\nFound 1 error, 0 warnings.\n",
    )


def test_a_misspelt_sub_table_beside_the_table_is_an_error(project: Path) -> None:
    path = project / "pyproject.toml"
    line = path.read_text(encoding="utf-8").count("\n") + 2
    with path.open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.newsleter.smtp]\nhost = "smtp.example.org"\n')
    result = run(project, "render")
    assert (result.exit_code, result.stderr) == (
        1,
        f"pyproject.toml:{line}: unknown table [tool.newsleter] "
        "(did you mean [tool.newsletter]?)\n",
    )
