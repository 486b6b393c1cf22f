"""CSS inlining by premailer, configured once per process.

Apart from the email stage (email.py) so that a worker process that only inlines imports premailer
and nothing else of the pipeline: a render of one issue inlines it in a worker that has been
importing premailer while this process read the issue.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

# premailer keeps parsed stylesheets, selectors and declarations in one cache whose size is read
# from the environment when it is imported. Its default (128 entries) is smaller than one email's
# selectors and style attributes, so the stylesheet would be evicted and parsed again per email.
CACHE_SIZE = "10000"


def _premailer(**options: Any) -> Any:
    """A Premailer that prepares each stylesheet once: its rules to inline, and its kept text.

    For every email, premailer turns each rule of a `<style>` element into the text it inlines
    (cssutils serialises every declaration again) and serialises the `@media` rules it keeps in
    `<style>` again: about three quarters of its time, the same work for every email, since
    every email has the same stylesheet. Here premailer's own two steps run once per distinct
    stylesheet, and their results serve every later email. Everything premailer does per email
    (parsing it, matching the selectors, merging and writing the styles) it still does.
    """
    from premailer import Premailer  # imported here: it costs 0.2 s, and only emails need it

    class Prepared(Premailer):  # type: ignore[misc]  # premailer has no type hints
        """premailer, with each stylesheet's rules and kept text made once per process."""

        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            # (stylesheet, its index) -> (the rules to inline, those kept, the kept text)
            self._prepared: dict[tuple[str, int], tuple[list[Any], list[Any], str]] = {}
            self._kept: dict[int, str] = {}  # id of a kept list above -> its text

        def _parse_style_rules(self, css_body: str, ruleset_index: int) -> tuple[Any, Any]:
            key = (css_body, ruleset_index)
            if key not in self._prepared:
                rules, leftover = super()._parse_style_rules(css_body, ruleset_index)
                text = super()._css_rules_to_string(leftover) if leftover else ""
                self._prepared[key] = (rules, leftover, text)
                self._kept[id(leftover)] = text  # the list lives on in _prepared: its id holds
            rules, leftover, _ = self._prepared[key]
            return list(rules), leftover  # premailer extends its own list with the rules

        def _css_rules_to_string(self, rules: Any) -> str:
            kept = self._kept.get(id(rules))
            return kept if kept is not None else str(super()._css_rules_to_string(rules))

    return Prepared(**options)


@functools.cache
def inliner() -> Any:
    """This process's Premailer, configured once: its caches then serve every email it inlines."""
    os.environ.setdefault("PREMAILER_CACHE_MAXSIZE", CACHE_SIZE)
    return _premailer(
        strip_important=False,
        allow_network=False,
        cssutils_logging_level=logging.CRITICAL,
        disable_validation=True,
        remove_classes=False,
        keep_style_tags=False,
    )


def inline_css(document: str) -> str:
    """Apply the stylesheet's rules as style attributes; keep @media rules in <style>."""
    return str(inliner().transform(document))
