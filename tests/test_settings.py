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
    assert result.stderr == (
        f"pyproject.toml:{line}: unknown setting 'feed_sise' (did you mean 'feed_size'?)\n"
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
    assert result.stderr == (
        f"pyproject.toml:{url_line}: site_url: expected an absolute http(s) URL, got 'example'\n"
        f"pyproject.toml:{service_line}: service: expected one of mailchimp, buttondown, "
        "listmonk, kit, sendgrid, generic, got 'mailchump'\n"
    )


def test_generic_service_needs_its_tag(project: Path) -> None:
    line = edit(project, 'service = "mailchimp"', 'service = "generic"')
    result = run(project, "check")
    assert result.exit_code == 1
    assert result.stderr == (
        f"pyproject.toml:{line}: service 'generic' needs unsubscribe_tag: "
        "the merge tag your email service replaces with the unsubscribe "
        "link\n"
    )


def test_section_template_comes_from_settings(project: Path) -> None:
    edit(project, '    { title = "Conclusion", required = false },\n', "")
    result = run(project, "check")
    assert result.exit_code == 0
    assert "unknown section 'Conclusion'" in result.stderr
