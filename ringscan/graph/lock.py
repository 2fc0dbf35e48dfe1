"""One writer at a time per store; readers never meet a write in progress.

A process that changes a store (load, the history a scan records, nightly,
case) holds the store's *writer* lock for the whole change; a process that
reads it (a scan's reads, stats, report --reveal-pii, history, diff) holds a
*reader* lock. Writers exclude each other and wait for the readers to finish;
readers wait for a writer to finish. Waiting is bounded (``wait`` seconds,
setting ``lock_wait``, env ``RINGSCAN_LOCK_WAIT``); then :class:`StoreBusy`
says in one line which process holds the store, doing what, since when.

Where the locks live:

* embedded store: files beside the database, ``<db>.lock`` for the writer and
  ``<db>.lock.read-<pid>-<token>`` per reader, each JSON with pid, host,
  command and start time. The writer's file appears atomically with its
  content (``link`` of a finished temporary file, which fails when the lock
  exists), so nobody ever reads half a lock.
* Neo4j: ``(:RingscanLock {name})`` nodes under a uniqueness constraint, same
  content. The server itself takes concurrent transactions; the lock keeps a
  scan from reading a load's first half and two loads from interleaving.

Every reader and writer announces itself before it looks at the others, so
of two processes arriving together at least one sees the other.

A lock is *stale* when its holder is gone: same host and the PID no longer
runs (or now belongs to a later process), or the lock was taken on another
host, whose processes this one cannot see (a container that died and came back
under a new host name). A stale lock is taken over with a message saying so.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol

from .backend import BackendError

__all__ = ["Holder", "StoreBusy", "store_lock", "FileLocks", "NodeLocks", "lock_path", "POLL_SECONDS"]

# How often a waiting process looks again.
POLL_SECONDS = 0.2
# A lock file that stays unreadable this long (a writer died between creating and filling it) is stale.
_UNREADABLE_GRACE_S = 5.0
_WRITER = "writer"
_READER_PREFIX = "read-"

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Holder:
    """Who holds (or wants) a lock."""

    pid: int
    host: str
    command: str
    started: str           # ISO time, local with offset
    mode: str              # "write" or "read"
    proc_start: int | None = None  # the process's start tick (Linux), so a reused PID is not mistaken for it
    token: str = ""        # tells two holds by one process apart

    @classmethod
    def me(cls, mode: str, command: str | None = None) -> "Holder":
        return cls(os.getpid(), socket.gethostname(), command or _command_line(), _now(), mode,
                   _proc_start(os.getpid()), secrets.token_hex(6))

    def is_this_process(self) -> bool:
        return (self.pid == os.getpid() and self.host == socket.gethostname()
                and self.proc_start == _proc_start(os.getpid()))

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} (`{self.command}`) since {self.started}"

    def stale_reason(self) -> str | None:
        """Why this holder is certainly gone, or None while it may still run."""
        if self.host != socket.gethostname():
            return f"it was taken on host {self.host}, not this host ({socket.gethostname()})"
        if not _alive(self.pid):
            return f"pid {self.pid} is no longer running"
        if self.proc_start is not None and _proc_start(self.pid) not in (None, self.proc_start):
            return f"pid {self.pid} now belongs to another process"
        return None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Holder":
        data = json.loads(text)
        return cls(int(data["pid"]), str(data["host"]), str(data.get("command", "")), str(data.get("started", "")),
                   str(data.get("mode", "write")), data.get("proc_start"), str(data.get("token", "")))


class StoreBusy(BackendError):
    """Another process holds the store; the message names it."""

    def __init__(self, message: str, holder: Holder):
        super().__init__(message)
        self.holder = holder


class LockTable(Protocol):
    """Where a store's locks are kept: named slots created only when absent."""

    where: str  # the store, as messages name it

    def create(self, name: str, holder: Holder) -> bool:
        """Create slot ``name`` holding ``holder``; False when it exists."""

    def read(self, name: str) -> Holder | None:
        """The slot's holder; None when there is no such slot. Raises ValueError when it cannot be read."""

    def readers(self) -> list[str]:
        """Names of the reader slots."""

    def remove(self, name: str, holder: Holder | None = None) -> bool:
        """Remove the slot (only if it still holds ``holder``, when given); True when this call removed it."""

    def close(self) -> None: ...


def lock_path(db: Path | str) -> Path:
    """The writer lock file of an embedded store."""
    return Path(str(db) + ".lock")


class FileLocks:
    """Lock files beside an embedded store."""

    def __init__(self, db: Path | str):
        self.base = lock_path(db)
        self.where = str(db)

    def _path(self, name: str) -> Path:
        return self.base if name == _WRITER else Path(f"{self.base}.{name}")

    def create(self, name: str, holder: Holder) -> bool:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(f"{self.base}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        tmp.write_text(holder.to_json() + "\n", encoding="utf-8")
        try:
            os.link(tmp, path)  # atomic: fails when the lock exists, and it never exists half-written
            return True
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            return self._create_exclusive(path, holder)
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def _create_exclusive(path: Path, holder: Holder) -> bool:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(holder.to_json() + "\n")
        return True

    def read(self, name: str) -> Holder | None:
        path = self._path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return Holder.from_json(text)
        except (ValueError, KeyError, TypeError) as exc:
            age = time.time() - path.stat().st_mtime if path.exists() else 0.0
            raise ValueError(f"{path} is not a lock ringscan can read ({age:.0f} s old)") from exc

    def age(self, name: str) -> float:
        try:
            return time.time() - self._path(name).stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def readers(self) -> list[str]:
        prefix = self.base.name + "." + _READER_PREFIX
        return sorted(p.name[len(self.base.name) + 1:] for p in self.base.parent.glob(prefix + "*"))

    def remove(self, name: str, holder: Holder | None = None) -> bool:
        path = self._path(name)
        if holder is None:
            try:
                path.unlink()
                return True
            except FileNotFoundError:
                return False
        # Take the file aside first, so a lock someone created meanwhile is never deleted by mistake.
        aside = Path(f"{path}.stale-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        try:
            found = Holder.from_json(aside.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError):
            found = None
        if found is not None and found != holder:  # not the one we judged: put it back
            try:
                os.link(aside, path)
            except FileExistsError:
                pass
            aside.unlink(missing_ok=True)
            return False
        aside.unlink(missing_ok=True)
        return True

    def close(self) -> None:
        pass


class NodeLocks:
    """``(:RingscanLock {name})`` nodes in a Neo4j store (a uniqueness constraint makes creation exclusive)."""

    CONSTRAINT = ("CREATE CONSTRAINT ringscan_lock_name IF NOT EXISTS FOR (l:RingscanLock) REQUIRE l.name IS UNIQUE")
    _FIELDS = ("pid", "host", "command", "started", "mode", "proc_start", "token")

    def __init__(self, backend, *, owns_backend: bool = False):
        self.backend = backend
        self.owns_backend = owns_backend
        self.where = f"Neo4j at {getattr(backend, 'uri', '?')}"
        backend.query(self.CONSTRAINT)

    def create(self, name: str, holder: Holder) -> bool:
        props = ", ".join(f"{f}: $h.{f}" for f in self._FIELDS)
        try:
            self.backend.query(f"CREATE (l:RingscanLock {{name: $name, {props}}})",
                               {"name": name, "h": asdict(holder)})
            return True
        except BackendError as exc:
            if self.read(name) is not None:  # the uniqueness constraint refused it: someone holds the slot
                return False
            raise exc

    def read(self, name: str) -> Holder | None:
        returns = ", ".join(f"l.{f} AS {f}" for f in self._FIELDS)
        rows = self.backend.query(f"MATCH (l:RingscanLock {{name: $name}}) RETURN {returns}", {"name": name})
        if not len(rows):
            return None
        row = rows.iloc[0].to_dict()
        proc_start = row.get("proc_start")
        return Holder(int(row["pid"]), str(row["host"]), str(row["command"]), str(row["started"]), str(row["mode"]),
                      None if proc_start is None or proc_start != proc_start else int(proc_start),
                      str(row.get("token") or ""))

    def readers(self) -> list[str]:
        rows = self.backend.query("MATCH (l:RingscanLock) WHERE l.name STARTS WITH $p RETURN l.name AS name",
                                  {"p": _READER_PREFIX})
        return sorted(rows["name"]) if len(rows) else []

    def remove(self, name: str, holder: Holder | None = None) -> bool:
        if holder is None:
            rows = self.backend.query("MATCH (l:RingscanLock {name: $name}) DELETE l RETURN count(*) AS n",
                                      {"name": name})
        else:
            rows = self.backend.query("MATCH (l:RingscanLock {name: $name}) WHERE l.pid = $pid AND l.host = $host "
                                      "AND l.token = $token DELETE l RETURN count(*) AS n",
                                      {"name": name, "pid": holder.pid, "host": holder.host, "token": holder.token})
        return bool(len(rows)) and int(rows["n"].iloc[0]) > 0

    def age(self, name: str) -> float:
        return 0.0

    def close(self) -> None:
        if self.owns_backend:
            self.backend.close()


def _tables(settings) -> LockTable:
    """The lock table of the store ``settings`` name (graph/ is where backends are told apart)."""
    if settings.backend == "neo4j":
        from .neo4j_store import Neo4jBackend

        return NodeLocks(Neo4jBackend.from_env(batch_size=settings.batch_size), owns_backend=True)
    return FileLocks(settings.db)


@contextmanager
def store_lock(settings, *, writer: bool, wait: float | None = None, notify: Notify | None = None,
               command: str | None = None, table: LockTable | None = None) -> Iterator[Holder]:
    """Hold the store named by ``settings`` (``db``, ``backend``) for writing or reading.

    Waits at most ``wait`` seconds (default ``settings.lock_wait``) for the other
    process; ``notify`` gets one line when waiting starts and when a stale lock is
    taken over. Raises :class:`StoreBusy` when the wait ends first.
    """
    wait = float(getattr(settings, "lock_wait", 60.0) if wait is None else wait)
    notify = notify or (lambda line: None)
    locks = table or _tables(settings)
    me = Holder.me("write" if writer else "read", command)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        if writer:
            if not _acquire_writer(locks, me, deadline, wait, notify):
                yield me  # this process holds the store already (nightly loads, then scans)
                return
            try:
                _await_readers(locks, me, deadline, wait, notify)
            except BaseException:
                locks.remove(_WRITER, me)
                raise
            try:
                yield me
            finally:
                locks.remove(_WRITER, me)
        else:
            name = f"{_READER_PREFIX}{me.pid}-{secrets.token_hex(4)}"
            _acquire_reader(locks, name, me, deadline, wait, notify)
            try:
                yield me
            finally:
                locks.remove(name, me)
    finally:
        locks.close()


class _Waiting:
    """Says once that we wait, and on whom."""

    def __init__(self, locks: LockTable, wait: float, notify: Notify):
        self.locks, self.wait, self.notify, self.said = locks, wait, notify, False

    def __call__(self, holder: Holder, doing: str) -> None:
        if not self.said and self.wait > 0:
            self.notify(f"waiting up to {self.wait:g} s: {self.locks.where} is being {doing} by {holder.describe()}")
            self.said = True


def _busy(locks: LockTable, holder: Holder, doing: str, wait: float) -> StoreBusy:
    waited = f" (waited {wait:g} s)" if wait > 0 else ""
    return StoreBusy(f"{locks.where} is being {doing} by {holder.describe()}{waited}; try again when it has "
                     "finished (RINGSCAN_LOCK_WAIT sets how long to wait)", holder)


def _holder_or_stale(locks: LockTable, name: str, notify: Notify) -> Holder | None:
    """The live holder of slot ``name``, or None after clearing a stale or vanished one."""
    try:
        holder = locks.read(name)
    except ValueError as exc:
        age = getattr(locks, "age", lambda n: 0.0)(name)
        if age < _UNREADABLE_GRACE_S:
            return Holder(-1, "?", "?", "?", "write")  # being written right now: look again shortly
        notify(f"removing an unreadable lock: {exc}")
        locks.remove(name)
        return None
    if holder is None:
        return None
    reason = holder.stale_reason()
    if reason is None:
        return holder
    if locks.remove(name, holder):
        notify(f"taking over a stale lock on {locks.where}: {reason} ({holder.describe()})")
    return None


def _acquire_writer(locks: LockTable, me: Holder, deadline: float, wait: float, notify: Notify) -> bool:
    """True once ``me`` holds the writer slot; False when this process held it already."""
    waiting = _Waiting(locks, wait, notify)
    while not locks.create(_WRITER, me):
        holder = _holder_or_stale(locks, _WRITER, notify)
        if holder is None:
            continue
        if holder.is_this_process():
            return False
        if time.monotonic() >= deadline:
            raise _busy(locks, holder, "written", wait)
        waiting(holder, "written")
        time.sleep(POLL_SECONDS)
    return True


def _await_readers(locks: LockTable, me: Holder, deadline: float, wait: float, notify: Notify) -> None:
    waiting = _Waiting(locks, wait, notify)
    while True:
        live = [h for h in (_holder_or_stale(locks, name, notify) for name in locks.readers()) if h is not None]
        live = [h for h in live if not h.is_this_process()]
        if not live:
            return
        if time.monotonic() >= deadline:
            raise _busy(locks, live[0], "read", wait)
        waiting(live[0], "read")
        time.sleep(POLL_SECONDS)


def _acquire_reader(locks: LockTable, name: str, me: Holder, deadline: float, wait: float, notify: Notify) -> None:
    waiting = _Waiting(locks, wait, notify)
    while True:
        locks.create(name, me)  # announce first, then look: a writer arriving now sees us and waits
        holder = _holder_or_stale(locks, _WRITER, notify)
        if holder is None or holder.is_this_process():
            return
        locks.remove(name, me)
        if time.monotonic() >= deadline:
            raise _busy(locks, holder, "written", wait)
        waiting(holder, "written")
        time.sleep(POLL_SECONDS)


def _command_line() -> str:
    args = [Path(sys.argv[0]).name if sys.argv else "python", *sys.argv[1:]]
    line = " ".join(args)
    return line if len(line) <= 200 else line[:199] + "…"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, under another user
        return True
    return True


def _proc_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), or None where /proc is not there."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(text.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None
