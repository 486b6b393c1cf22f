"""The preview's save-to-screen time: `newsletter serve` on the archive, an issue open in Chromium,
its file saved with a new sentence, timed until the sentence is on screen."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# True once the new sentence is in the document shown in the preview's frame.
SHOWN = """sentence => {
  const frame = document.querySelector("iframe");
  const body = frame && frame.contentDocument && frame.contentDocument.body;
  return Boolean(body && body.textContent.includes(sentence));
}"""
# Resolves once the frame has been painted (the frame after the one that changed the document).
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
START_TIMEOUT = 600.0  # seconds for the preview to validate a large archive on a loaded machine
SAVE_TIMEOUT = 120.0


class Unavailable(Exception):
    """The preview cannot be measured here: the message says what is missing."""


@dataclass(frozen=True)
class Saves:
    """The save-to-screen times of the saves, in seconds."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median save-to-screen time."""
        return statistics.median(self.seconds)


def chromium(path: str | None) -> str:
    """The Chromium to drive: PATH, or Debian's; Unavailable when there is none or no
    Playwright to drive it."""
    try:
        import playwright.sync_api  # noqa: F401  # the test extras install it
    except ImportError:
        raise Unavailable("Playwright is not installed: pip install -e '.[test]'") from None
    found = path or shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None or not Path(found).is_file():
        raise Unavailable("no Chromium: apt-get install chromium, or give --chromium PATH")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _drain(stream: IO[str], lines: list[str], ready: threading.Event) -> None:
    """Keep reading what the preview prints (so that it never blocks on a full pipe)."""
    for line in stream:
        lines.append(line)
        if line.startswith("Serving a preview at"):
            ready.set()
    ready.set()  # it ended: the caller sees it has no address


@contextmanager
def serving(newsletter: str, project: Path) -> Iterator[str]:
    """`newsletter serve` on PROJECT, started and stopped: its address once it listens."""
    port = _free_port()
    command = [newsletter, "-C", str(project), "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    lines: list[str] = []
    ready = threading.Event()
    reader = threading.Thread(target=_drain, args=(process.stdout, lines, ready), daemon=True)
    reader.start()
    try:
        ready.wait(START_TIMEOUT)
        address = next((line.split()[4] for line in lines if line.startswith("Serving")), None)
        if address is None:
            raise SystemExit(f"benchmark: {' '.join(command)} did not start:\n{''.join(lines)}")
        yield address
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)


@contextmanager
def _browser(executable: str) -> Iterator[Any]:
    """Headless Chromium, as the tests drive it (a fresh profile, no background traffic)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def save_to_screen(
    newsletter: str, project: Path, executable: str, saves: int = 5, pause: float = 1.0
) -> Saves:
    """Open the newest issue in the preview and save its file SAVES times, each with a new
    sentence at its end: the seconds from each save until that sentence is painted."""
    newest = sorted((project / "issues").glob("*.md"))[-1]
    original = newest.read_text(encoding="utf-8")
    times: list[float] = []
    try:
        with serving(newsletter, project) as address, _browser(executable) as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"{address}{newest.stem}/")
            title = next(line[7:] for line in original.split("\n") if line.startswith("title: "))
            page.wait_for_function(SHOWN, arg=title, timeout=START_TIMEOUT * 1000)
            for number in range(1, saves + 1):
                time.sleep(pause)  # the preview idle again, as between an editor's saves
                sentence = f"A sentence saved for the benchmark, number {number}, {os.getpid()}."
                start = time.perf_counter()
                newest.write_text(f"{original.rstrip()}\n\n{sentence}\n", encoding="utf-8")
                page.wait_for_function(
                    SHOWN, arg=sentence, polling="raf", timeout=SAVE_TIMEOUT * 1000
                )
                for frame in page.frames[1:]:  # the email's frame
                    frame.evaluate(PAINTED)
                times.append(time.perf_counter() - start)
    finally:
        newest.write_text(original, encoding="utf-8")
    return Saves(tuple(times))
