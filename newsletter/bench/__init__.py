"""The benchmark: a ten-year archive rendered as whole processes, beside MJML and Pelican.

Run it from the project folder (the one with pyproject.toml and layouts/):

    python -m newsletter.bench            # 520 issues
    python -m newsletter.bench -n 104     # two years

It copies the project's settings and layouts into a temporary folder and writes N synthetic issues
there (the sample issue's structure, about 2,600 words each, some Chinese). It writes the same
issues as MJML documents (from ../shared/bench/seed-issue.mjml) and as Pelican articles, installs
MJML 5 (npm) and Pelican 4 (pip, in a venv), and times as whole processes: `newsletter`'s cold
render, MJML compiling every email in one Node process and Pelican building every article with
RSS and Atom feeds, taken in turns; the quick commands; `check`; and the preview's time from
saving an issue to the new text on screen in Chromium. It prints one table: each measurement,
the targets' ratios, and whether each is met. Not part of the tests: timings are not tests.
"""
