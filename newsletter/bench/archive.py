"""The benchmark's archive: N weekly issues like the sample issue, and the same as the peers read
them (an MJML document per issue for MJML, a Markdown article per issue for Pelican)."""

from __future__ import annotations

import html
import random
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from ..config import load_settings
from ..issues import front_matter_end, read_issue
from ..markdown import parser
from ..model import Issue

VOCABULARY = (
    "China Russia Europe the United States multilateral strategic cooperation partnership "
    "security development governance order regional global conflict pressure trust dilemma "
    "mechanism institution framework alliance coordination dialogue consensus initiative "
    "policy economic trade supply chain technology finance energy sanctions currency "
    "settlement platform agenda vision resilience stability competition containment "
    "perception identity interest integration expansion membership representativeness "
    "authority legitimacy reform transition multipolar world Eurasian continent neighbour "
    "the of and to in a for with on as by that this is are have has been its their which "
    "while through across between within beyond toward against among under new major key "
    "shared common long-term practical political diplomatic structural external internal "
    "scholars argue article author suggests considers highlights examines concludes that "
    "Beijing Moscow Washington Brussels SCO BRICS ASEAN G20 United Nations Global South"
)
WORDS = VOCABULARY.split()
CHINESE = (
    "中俄关系在百年未有之大变局中持续深化，",
    "双方坚持不结盟、不对抗、不针对第三方的原则，",
    "上海合作组织和金砖国家机制为多边战略协作提供了重要平台，",
    "全球治理体系面临安全困境、发展困境与信任赤字，",
    "推动构建人类命运共同体是中国外交的重要目标，",
    "地区冲突外溢效应加剧了国际秩序的不确定性。",
)
SURNAMES = (("ZHAO", "赵"), ("ZHANG", "张"), ("WANG", "王"), ("LI", "李"), ("LIU", "刘"))
GIVEN = (("Long", "隆"), ("Xin", "欣"), ("Wei", "伟"), ("Yan", "岩"), ("Jun", "军"))
JOURNALS = (
    ("Russian Studies", "俄罗斯研究"),
    ("World Economics and Politics", "世界经济与政治"),
    ("Contemporary International Relations", "现代国际关系"),
    ("International Studies", "国际问题研究"),
)
TEMPLATE_SECTIONS = ("Conclusion", "About the Author", "About the Publication")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, words: int) -> str:
    sentences: list[str] = []
    while words > 0:
        size = min(words, rng.randint(12, 28))
        sentences.append(_sentence(rng, size))
        words -= size
    if rng.random() < 0.3:
        sentences.insert(
            1,
            f"[{rng.choice(WORDS)} {rng.choice(WORDS)}](https://example.org/{rng.randrange(10**6)})",
        )
    return " ".join(sentences)


def synthetic_issue(number: int, day: date, rng: random.Random) -> str:
    """One issue of about 2,500 words with the sample issue's front matter and sections."""
    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
    journal, journal_native = rng.choice(JOURNALS)
    topic = " ".join(rng.choice(WORDS) for _ in range(4)).title()
    lines = [
        "---",
        f"number: {number}",
        f"date: {day.isoformat()}",
        f"title: {surname[0]} {given[0]} on {topic}",
        f"subtitle: {_sentence(rng, 18)}",
        f"tags: [{', '.join(rng.sample(['SCO', 'BRICS', 'China-Russia', 'Europe', 'Trade'], 3))}]",
        "article:",
        f"  title: {topic} in the Context of Great Changes",
        "  authors:",
        f"    - name: {surname[0]} {given[0]}",
        f"      name_native: {surname[1]}{given[1]}",
        f"  publication: {journal}",
        f"  publication_native: 《{journal_native}》",
        f"  url: https://example.org/articles/{number}",
        f"  doi: 10.1234/bench.{number}",
        "---",
        "",
        f"Welcome to the {number}th edition of our weekly newsletter! {_paragraph(rng, 110)}",
        "",
        "## Summary",
        "",
        _paragraph(rng, 150),
        "",
        # Some Chinese: the plain text wraps it by display width, between characters.
        f"{_paragraph(rng, 60)} The article opens: “{''.join(rng.sample(CHINESE, 4))}” "
        f"{_paragraph(rng, 40)}",
        "",
        "## Why It Matters",
        "",
        *(line for _ in range(3) for line in (_paragraph(rng, 130), "")),
        "## Key Points",
        "",
    ]
    for point in range(3):
        lines += [f"### {_sentence(rng, 9)[:-1]}", "", _paragraph(rng, 70), ""]
        for _ in range(3):
            lead = _sentence(rng, 10)[:-1]
            lines += [f"- **{lead}:** {_paragraph(rng, 85)}"]
        lines.append("")
        if point == 2:
            lines += [f"#### {_sentence(rng, 6)[:-1]}", "", _paragraph(rng, 90), ""]
    lines += [
        "## Conclusion",
        "",
        _paragraph(rng, 120),
        "",
        _paragraph(rng, 110),
        "",
        "## About the Author",
        "",
        f"**{surname[0]} {given[0]} {surname[1]}{given[1]}**: {_paragraph(rng, 110)}",
        "",
        _paragraph(rng, 80),
        "",
        "## About the Publication",
        "",
        f"The Chinese version of the article was published by {journal} (《{journal_native}》). "
        f"{_paragraph(rng, 130)}",
        "",
    ]
    return "\n".join(lines)


def make_project(source: Path, target: Path, count: int, seed: int = 7) -> list[Path]:
    """Copy SOURCE's settings and layouts into TARGET and write COUNT weekly issues there."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "pyproject.toml", target / "pyproject.toml")
    shutil.copytree(source / "layouts", target / "layouts")
    issues = target / "issues"
    issues.mkdir()
    rng = random.Random(seed)
    first = date(2015, 1, 5)
    paths = []
    for number in range(1, count + 1):
        path = issues / f"{number:03d}-synthetic-issue-{number}.md"
        day = first + timedelta(weeks=number - 1)
        path.write_text(synthetic_issue(number, day, rng), encoding="utf-8")
        paths.append(path)
    return paths


# --- the same archive, as the peers read it ----------------------------------------------------


def _issues(project: Path) -> list[tuple[Issue, str]]:
    """Every issue of PROJECT, oldest first, with the Markdown body of its file."""
    settings = load_settings(project)
    found = []
    for path in sorted(settings.issues_dir.glob("*.md")):
        issue, problems = read_issue(path, settings)
        if issue is None:
            raise SystemExit(f"benchmark: {path} is not a valid issue: {problems[0]}")
        lines = path.read_text(encoding="utf-8").split("\n")
        end = front_matter_end(lines) or 0
        found.append((issue, "\n".join(lines[end + 1 :])))
    return found


def _blocks(source: str) -> list[str]:
    """The HTML of each top-level block of Markdown SOURCE (a paragraph, a list, a heading)."""
    md = parser()
    blocks, current = [], []
    for token in md.parse(source):
        current.append(token)
        if token.level == 0 and token.nesting <= 0:  # a block's closing token, or a leaf block
            blocks.append(str(md.renderer.render(current, md.options, {})).strip())
            current = []
    return blocks


def _seed_parts(seed: str) -> tuple[str, str]:
    """The head and header, and the footer, of the sample issue in MJML; its content between."""
    start, end = seed.find("<mj-text><h1>"), seed.find("<mj-divider")
    markers = ("<mj-title>", "<mj-preview>", "Issue ", "View in browser")
    if start < 0 or end < start or not all(marker in seed for marker in markers):
        raise SystemExit(
            "benchmark: the MJML seed must have <mj-title>, <mj-preview>, 'Issue N' in its "
            "header, the issue from '<mj-text><h1>' on and a footer from '<mj-divider' with "
            "a 'View in browser' link"
        )
    return seed[:start], seed[end:]


def mjml_document(issue: Issue, head: str, footer: str) -> str:
    """ISSUE as MJML: the seed's head, header and footer around the issue's own content, one
    <mj-text> a block, as the seed has it."""
    title, subtitle = html.escape(issue.title), html.escape(issue.subtitle)
    head = re.sub(r"<mj-title>.*?</mj-title>", f"<mj-title>{title}</mj-title>", head, count=1)
    head = re.sub(
        r"<mj-preview>.*?</mj-preview>", f"<mj-preview>{subtitle}</mj-preview>", head, count=1
    )
    head = re.sub(r"Issue \d+", f"Issue {issue.number}", head, count=1)
    footer = re.sub(
        r'href="[^"]*">View in browser', f'href="{issue.url}">View in browser', footer, count=1
    )
    parts = [head, f"<mj-text><h1>{title}</h1><p>{subtitle}</p></mj-text>\n"]
    parts += [f"<mj-text>{block}</mj-text>\n" for block in _blocks(issue.note)]
    for section in issue.sections:
        heading = html.escape(section.title)
        parts.append(f'<mj-text css-class="h2"><h2>{heading}</h2></mj-text>\n')
        parts += [f"<mj-text>{block}</mj-text>\n" for block in _blocks(section.body)]
    return "".join([*parts, footer])


def mjml_documents(project: Path, seed: Path, target: Path) -> int:
    """Write one MJML document per issue of PROJECT into TARGET, made from SEED (the sample
    issue in MJML); return how many."""
    head, footer = _seed_parts(seed.read_text(encoding="utf-8"))
    target.mkdir(parents=True, exist_ok=True)
    issues = _issues(project)
    for issue, _ in issues:
        document = mjml_document(issue, head, footer)
        (target / f"{issue.slug}.mjml").write_text(document, encoding="utf-8")
    return len(issues)


def pelican_article(issue: Issue, body: str) -> str:
    """ISSUE as a Pelican article: its metadata, then the Markdown body of its file."""
    metadata = [
        f"Title: {issue.title}",
        f"Date: {issue.date.date().isoformat()}",
        f"Slug: {issue.slug}",
        f"Tags: {', '.join(issue.tags)}",
        f"Authors: {issue.article.byline}",
        f"Summary: {issue.subtitle}",
    ]
    return "\n".join(metadata) + "\n\n" + body


def pelican_articles(project: Path, target: Path) -> int:
    """Write one Pelican article per issue of PROJECT into TARGET; return how many."""
    target.mkdir(parents=True, exist_ok=True)
    issues = _issues(project)
    for issue, body in issues:
        (target / f"{issue.slug}.md").write_text(pelican_article(issue, body), encoding="utf-8")
    return len(issues)
