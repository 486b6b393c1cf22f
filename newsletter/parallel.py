"""Per-issue work spread over processes: reading and rendering many issues uses every core."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import TypeVar

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
Item = TypeVar("Item")
Result = TypeVar("Result")


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _worker(setup: Callable[[], object], parent: int) -> None:
    """Ready a worker: it leaves Ctrl-C to the main process, which stops the pool; it dies with
    a main process that is killed (else it would live on, holding out/'s lock and the pipes of
    whoever started the render); then SETUP."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # killed before the line above could take effect
        os._exit(1)
    setup()


class Workers:
    """One worker process per core, each prepared once by SETUP (premailer, its caches, imports).

    `start()` forks them ahead of need, so that their imports overlap with this process's own
    work; `map()` starts them on demand when given several items, and runs a single item in this
    process when they were not started.
    """

    def __init__(self, setup: Callable[[], object]) -> None:
        self.setup = setup
        self.pool: ProcessPoolExecutor | None = None

    def start(self, work: int | None = None) -> None:
        """Fork the workers now, one per core or per item of WORK, and let them prepare.

        One core, nothing to fork: the work is done in this process.
        """
        count = min(cores(), work or cores())
        if self.pool is not None or cores() < 2:
            return
        # fork: workers start at once with what is already imported; elsewhere, the default.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        prepare = functools.partial(_worker, self.setup, os.getpid())
        self.pool = ProcessPoolExecutor(count, mp_context=context, initializer=prepare)
        self.pool.submit(int)  # the pool forks on its first task

    def map(self, function: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[Result]:
        """FUNCTION of each item, in order, as results come; the work is submitted at once."""
        if len(items) > 1:
            self.start(len(items))
        if self.pool is None:
            return map(function, items)  # what SETUP prepares is then prepared on first use
        # Small chunks keep every worker busy to the end; several per chunk save messages.
        chunk = max(1, min(8, len(items) // (cores() * 8)))
        return self.pool.map(function, items, chunksize=chunk)

    def submit(self, function: Callable[[Item], Result], item: Item) -> Future[Result]:
        """FUNCTION of ITEM in a worker when they were started, else here, done at once."""
        if self.pool is not None:
            return self.pool.submit(function, item)
        done: Future[Result] = Future()
        try:
            done.set_result(function(item))
        except Exception as exc:  # handed over as the future's, as a worker's would be
            done.set_exception(exc)
        return done

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
