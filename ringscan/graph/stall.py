"""A watchdog for engine calls that can stall for good.

LadybugDB (0.18–0.22) sometimes parks every worker thread of a bulk COPY and
never wakes them (its issue #643; seen here once in a few 3M-settlement loads,
from in-memory Arrow tables and from files alike): the process then waits
forever at no CPU. Nothing can interrupt a call blocked inside the engine, so
when the process has used no CPU for ``STALL_SECONDS`` during such a call, the
watchdog says so in one line and ends the process: the load's journal row
stays unfinished, so running the command again resumes it (graph/journal.py). A
command started from the ``ringscan`` CLI is run again once by itself.

>>> import time
>>> stalled = []
>>> with stall_watch("demo", seconds=0.2, on_stall=stalled.append, poll=0.05):
...     time.sleep(0.5)        # sleeping uses no CPU: looks like a stall
>>> stalled
['demo']
"""
from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["STALL_SECONDS", "stall_watch", "restart_or_exit"]

# A bulk COPY keeps at least one core busy; two minutes without a CPU second
# used is no slow disk but the engine's lost wake-up.
STALL_SECONDS = 120.0
IDLE_SHARE = 0.05  # CPU seconds per second below which the process counts as idle
_RETRIED = "RINGSCAN_STALL_RETRIED"
EXIT_STALLED = 75  # EX_TEMPFAIL: try again later


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


@contextmanager
def stall_watch(what: str, *, seconds: float = STALL_SECONDS, on_stall: Callable[[str], None] | None = None,
                poll: float = 5.0) -> Iterator[None]:
    """Watch the block: if the process uses under 5 % of one core for ``seconds``, call ``on_stall(what)``.

    (A healthy COPY keeps a core or more busy; a progress display alone uses well under 5 %.)
    """
    done = threading.Event()
    act = on_stall or restart_or_exit

    def watch() -> None:
        samples = deque([(time.monotonic(), _cpu())])
        while not done.wait(poll):
            now = (time.monotonic(), _cpu())
            samples.append(now)
            while len(samples) > 1 and now[0] - samples[1][0] >= seconds:
                samples.popleft()  # keep the oldest sample that still spans the window
            start = samples[0]
            if now[0] - start[0] >= seconds and now[1] - start[1] < IDLE_SHARE * (now[0] - start[0]):
                act(what)
                return

    thread = threading.Thread(target=watch, name="ringscan-stall-watch", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def restart_or_exit(what: str) -> None:
    """One line on stderr; then run the same ``ringscan`` command again once, or end with EXIT_STALLED."""
    command = os.path.basename(sys.argv[0]) if sys.argv else ""
    again = command in ("ringscan", "__main__.py") and not os.environ.get(_RETRIED)
    sys.stderr.write(f"ringscan: the embedded engine stopped making progress during {what} (LadybugDB issue #643); "
                     f"nothing was committed; {'running the command again' if again else 'run it again'}\n")
    sys.stderr.flush()
    if again:
        os.environ[_RETRIED] = "1"
        args = ["-m", "ringscan", *sys.argv[1:]] if command == "__main__.py" else sys.argv
        os.execv(sys.executable, [sys.executable, *args])
    os._exit(EXIT_STALLED)
