"""The one Jinja environment: layouts from the project's layouts/ folder, strict and autoescaped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from . import text
from .config import Settings
from .content import RenderedIssue
from .errors import InvalidInput, Problem

# Dates are spelled out here rather than with strftime("%B"), which follows the locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DARK_MEDIA = re.compile(r"@media[^{]*\(\s*prefers-color-scheme\s*:\s*dark\s*\)[^{]*\{", re.I)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
# Outlook.com marks what its dark mode recoloured: data-ogsc for text, data-ogsb for backgrounds.
OUTLOOK_MARKS = {
    "color": "[data-ogsc]",
    "background-color": "[data-ogsb]",
    "border-color": "[data-ogsb]",
}


@dataclass(frozen=True)
class Links:
    """The absolute links a layout needs besides the issue's own URL."""

    archive: str
    feed: str
    atom: str
    view_online: str = ""
    unsubscribe: str = ""
    json_feed: str = ""
    sitemap: str = ""

    @classmethod
    def of(cls, settings: Settings, view_online: str = "", unsubscribe: str = "") -> Links:
        """The site's archive and feed links, plus an issue's own where given."""
        return cls(
            settings.site_url,
            settings.url("feed.xml"),
            settings.url("atom.xml"),
            view_online,
            unsubscribe,
            settings.url("feed.json"),
            settings.url("sitemap.xml"),
        )


def longdate(moment: datetime) -> str:
    """'7 October 2024', the same in every locale."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def linkify_emails(value: str) -> Markup:
    """Escape text and turn the email addresses in it into mailto: links."""
    escaped = str(escape(value))
    return Markup(EMAIL.sub(lambda m: f'<a href="mailto:{m.group(0)}">{m.group(0)}</a>', escaped))


def outlook_dark(css: str) -> Markup:
    """The stylesheet's `prefers-color-scheme: dark` rules again for Outlook.com's dark mode,
    each selector behind the mark Outlook.com sets: the same colours, written once."""
    rules: list[str] = []
    css = CSS_COMMENT.sub("", css)
    for media in DARK_MEDIA.finditer(css):
        depth, end = 1, media.end()
        while depth and end < len(css):  # to the brace that closes the @media block
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        for selectors, body in CSS_RULE.findall(css[media.end() : end - 1]):
            names = [s.strip() for s in selectors.split(",") if s.strip()]
            for mark in dict.fromkeys(OUTLOOK_MARKS.values()):
                declarations = [
                    d.strip()
                    for d in body.split(";")
                    if OUTLOOK_MARKS.get(d.partition(":")[0].strip().lower()) == mark
                ]
                if declarations:
                    marked = ", ".join(f"{mark} {name}" for name in names)
                    rules.append(f"{marked} {{ {'; '.join(declarations)}; }}")
    return Markup("\n".join(rules))


def wrap_filter(value: str, indent: str = "", hanging: str | None = None) -> str:
    """Wrap a layout's own line of text at 72 display columns."""
    return "\n".join(text.wrap(str(value), text.WIDTH, indent, hanging))


def rule(value: str, char: str = "=") -> str:
    """A line of CHAR as wide as the longest wrapped line of VALUE (a plain-text underline)."""
    lines = text.wrap(str(value))
    return char * max(text.display_width(line.strip()) for line in lines)


def environment(settings: Settings, compiled: Path | None = None) -> jinja2.Environment:
    """The one environment: HTML and XML layouts autoescaped, undefined names an error.

    With COMPILED, a folder, layouts are compiled once and kept there for the next process.
    """
    cache = jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.layouts_dir),
        bytecode_cache=cache,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        longdate=longdate,
        linkify_emails=linkify_emails,
        wrap=wrap_filter,
        rule=rule,
        outlook_dark=outlook_dark,
    )
    return env


def _layout_line(exc: BaseException, settings: Settings, name: str) -> tuple[str, int]:
    """The layout file and line an error happened at (Jinja keeps them in the traceback)."""
    shown = f"layouts/{name}"
    line = getattr(exc, "lineno", None) or 1
    filename = getattr(exc, "filename", None)
    if filename:
        path = Path(str(filename))
        shown = (
            path.relative_to(settings.root).as_posix()
            if path.is_relative_to(settings.root)
            else str(path)
        )
    tb = exc.__traceback__
    while tb is not None:
        code_file = tb.tb_frame.f_code.co_filename
        if code_file.startswith(str(settings.layouts_dir)):
            shown = Path(code_file).relative_to(settings.root).as_posix()
            line = tb.tb_lineno
        tb = tb.tb_next
    return shown, line


def render(env: jinja2.Environment, settings: Settings, name: str, **context: Any) -> str:
    """Render one layout; a broken layout becomes a `layouts/x:line: message` problem."""
    try:
        return env.get_template(name).render(settings=settings, **context)
    except jinja2.TemplateNotFound as exc:
        message = f"layout {exc.name!r} not found in {settings.layouts_dir}"
        raise InvalidInput([Problem(f"layouts/{name}", 1, message)]) from None
    except jinja2.TemplateError as exc:
        shown, line = _layout_line(exc, settings, name)
        raise InvalidInput([Problem(shown, line, exc.message or str(exc))]) from None
    except (TypeError, ValueError, AttributeError) as exc:  # a filter misused in a layout
        shown, line = _layout_line(exc, settings, name)
        raise InvalidInput([Problem(shown, line, f"{type(exc).__name__}: {exc}")]) from None


def render_issue(
    env: jinja2.Environment,
    settings: Settings,
    name: str,
    rendered: RenderedIssue,
    unsubscribe: str = "",
    **context: Any,
) -> str:
    """Render a per-issue layout with the issue, its rendered content, its links and CONTEXT."""
    links = Links.of(settings, rendered.issue.url, unsubscribe)
    return render(
        env, settings, name, issue=rendered.issue, content=rendered, links=links, **context
    )
