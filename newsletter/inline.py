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


@functools.cache
def inliner() -> Any:
    """This process's Premailer, configured once: its caches then serve every email it inlines."""
    os.environ.setdefault("PREMAILER_CACHE_MAXSIZE", CACHE_SIZE)
    from premailer import Premailer  # imported here: it costs 0.2 s, and only emails need it

    return Premailer(
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
