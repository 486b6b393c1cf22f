"""Problems found in the input, and the exception that reports them all at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, Literal

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input file, at one line."""

    path: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        # One problem, one line: a line break quoted from the input is shown escaped.
        message = "".join(c if c.isprintable() else repr(c)[1:-1] for c in self.message)
        return f"{self.path}:{self.line}: {prefix}{message}"


class InvalidInput(click.ClickException):
    """Raised when the input has errors; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[InvalidInput], tuple[list[Problem]]]:
        """Rebuilt from its problems when it crosses from a worker process."""
        return (InvalidInput, (self.problems,))

    def show(self, file: IO[Any] | None = None) -> None:
        """Print each problem on its own line, without click's 'Error:' prefix."""
        for problem in self.problems:
            click.echo(str(problem), err=True, file=file)


class RenderError(click.ClickException):
    """Raised when a layout cannot be rendered (a missing variable, a syntax error)."""


class UnknownIssue(click.ClickException):
    """Raised when a command names an issue (by number, slug or path) that does not exist."""


class OutputError(click.ClickException):
    """Raised when out/ cannot be written (a full disk, a path outside it); out/ is unchanged."""


class NoProject(click.ClickException):
    """Raised when no folder from the current one upward is a project (or -C names none)."""


class UsageLine(click.ClickException):
    """A bad command-line value, said in one line: exit status 2, as click's usage errors."""

    exit_code = 2
