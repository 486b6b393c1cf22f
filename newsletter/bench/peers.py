"""The tools users would pick instead, installed beside the benchmark and run as whole processes.

MJML 5 compiles one email per issue in one Node process (the way a build script would); Pelican 4
builds the same Markdown as articles with RSS and Atom feeds. Each is installed into the tools
folder by its own registry's client (npm, pip) and kept there for the next run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .measure import Run, run

MJML = "mjml@5"
PELICAN = "pelican[markdown]>=4,<5"

# Compiles every .mjml document of a folder into an .html file of another, one after the other,
# in this one process; any MJML error fails the run (the documents must be valid to compare).
COMPILE_MJML = """\
const fs = require("fs");
const path = require("path");
const mjml2html = require("mjml");

async function main(source, target) {
  fs.mkdirSync(target, { recursive: true });
  const names = fs.readdirSync(source).filter((name) => name.endsWith(".mjml")).sort();
  for (const name of names) {
    const result = await mjml2html(fs.readFileSync(path.join(source, name), "utf8"));
    if (result.errors.length) {
      throw new Error(`${name}: ${result.errors.map((e) => e.formattedMessage).join("; ")}`);
    }
    fs.writeFileSync(path.join(target, name.replace(/\\.mjml$/, ".html")), result.html);
  }
}

main(process.argv[2], process.argv[3]).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
"""

PELICAN_SETTINGS = """\
AUTHOR = "The editors"
SITENAME = "The newsletter"
SITEURL = "https://chinaffairs.example"
FEED_DOMAIN = SITEURL
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
FEED_MAX_ITEMS = {feed_size}
RSS_FEED_SUMMARY_ONLY = False
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
"""


class Missing(Exception):
    """A peer cannot be installed here: the message says what is missing."""


@dataclass(frozen=True)
class Peer:
    """An installed peer: its name and version, and how to run it on the archive."""

    name: str
    command: tuple[str, ...]
    output: Path

    def run(self) -> Run:
        """Run it once, from an empty output folder, as a whole process."""
        shutil.rmtree(self.output, ignore_errors=True)
        return run(self.command)


def _quiet(command: list[str], cwd: Path | None = None) -> None:
    """Run an install step; its output only if it fails."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shown = " ".join(command)
        raise Missing(f"{shown} failed ({done.returncode}):\n{done.stderr or done.stdout}")


def mjml(tools: Path, documents: Path, output: Path) -> Peer:
    """MJML 5 in TOOLS/mjml (npm-installed there unless it is), compiling DOCUMENTS to OUTPUT."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise Missing("no node or npm on PATH: install Node.js (Debian: apt-get install npm)")
    folder = tools / "mjml"
    package = folder / "node_modules" / "mjml" / "package.json"
    if not package.is_file() or not _version(package).startswith("5."):
        folder.mkdir(parents=True, exist_ok=True)
        _quiet([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", MJML])
    script = folder / "compile.js"
    script.write_text(COMPILE_MJML, encoding="utf-8")
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    name = f"MJML {_version(package)} (Node {node_version.strip().lstrip('v')})"
    return Peer(name, (node, str(script), str(documents), str(output)), output)


def _version(package: Path) -> str:
    """The version an npm package.json gives."""
    return str(json.loads(package.read_text(encoding="utf-8")).get("version", "?"))


def pelican(tools: Path, content: Path, output: Path, feed_size: int) -> Peer:
    """Pelican 4 in a venv TOOLS/pelican (pip-installed there unless it is), building CONTENT
    into OUTPUT with RSS and Atom feeds of FEED_SIZE entries."""
    venv = tools / "pelican"
    program = venv / "bin" / "pelican"
    if not program.is_file():
        _quiet([sys.executable, "-m", "venv", "--clear", str(venv)])
        _quiet([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", PELICAN])
    settings = content.parent / "pelicanconf.py"
    settings.write_text(PELICAN_SETTINGS.format(feed_size=feed_size), encoding="utf-8")
    version = subprocess.run([str(program), "--version"], capture_output=True, text=True).stdout
    name = f"Pelican {version.strip()}"
    command = (str(program), str(content), "-s", str(settings), "-o", str(output), "-q")
    return Peer(name, command, output)


def mjml_outputs(output: Path) -> int:
    """How many emails an MJML run wrote."""
    return len(list(output.glob("*.html")))


def pelican_outputs(output: Path) -> int:
    """How many article pages a Pelican run wrote (feeds required)."""
    feeds = [output / "feeds" / "all.atom.xml", output / "feeds" / "all.rss.xml"]
    if not all(feed.is_file() for feed in feeds):
        return 0
    return len(list(output.glob("*-synthetic-issue-*.html")))
