"""``ringscan nightly``: load what is new in an inbox, scan, write a dated folder, say whether to alert.

One run, as the store's one writer from start to end:

1. every data file in INBOX (not in subfolders, not hidden) whose content the
   store has not loaded before (SHA-256 of its bytes, so a renamed copy is
   recognised) is loaded; the others are skipped;
2. the store is scanned and the scan recorded (stable ids, statuses, lineage);
3. OUT/<scan time>/ (e.g. ``2026-11-24T030000``) gets the whole scan folder,
   the pages, ``changes.*`` and the load's ``rejects.csv``; ``OUT/latest``
   then points at it. Nothing else in OUT is touched.

The result's ``exit_code`` is 0 when nothing needs attention and 3 when new,
grown or merged rings scoring at least ``alert_score`` appeared (cron and
systemd treat non-zero as a reason to notify); errors raise. Log lines fit an
80-column log: long lines wrap, ids and kinds are never cut.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import Settings
from .graph.backend import open_backend
from .graph.lock import store_lock
from .history.changes import Changes, status_name
from .history.record import scan_time_id
from .history.store import ensure_history, loaded_files, scans
from .ingest.readers import DATA_SUFFIXES  # what an inbox may hold; anything else in it is left alone
from .operations import ScanRun, file_hash, record_loaded_files, scan

__all__ = ["NightlyResult", "NightlyError", "run", "inbox_files", "log_lines", "LOG_WIDTH", "ALERT_EXIT"]

LOG_WIDTH = 80
ALERT_EXIT = 3
LATEST = "latest"


class NightlyError(ValueError):
    """A nightly run that cannot go on; the message says why and what to do."""


@dataclass
class NightlyResult:
    folder: Path
    scan_id: str
    loaded: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    load_report: object | None = None
    scan: ScanRun | None = None
    alerts: list = field(default_factory=list)
    exit_code: int = 0

    @property
    def changes(self) -> Changes | None:
        return self.scan.changes if self.scan else None


def inbox_files(inbox: Path) -> list[Path]:
    """The data files directly in ``inbox``, by name."""
    if not inbox.is_dir():
        raise NightlyError(f"inbox {inbox} is not a folder; give the folder the exports are dropped into")
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith((".", "~"))
                  and p.name.lower().endswith(DATA_SUFFIXES))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def log_lines(text: str, width: int = LOG_WIDTH) -> list[str]:
    """``text`` wrapped to ``width`` columns (CJK characters count two); words are never cut."""
    if _width(text) <= width:
        return [text]
    lines, line = [], ""
    indent = "    "
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and _width(candidate) > width:
            lines.append(line)
            line = indent + word
        else:
            line = candidate
    if line:
        lines.append(line)
    # A single CJK run longer than the line has no spaces to break at: cut it by columns.
    out = []
    for line in lines:
        while _width(line) > width and " " not in line.strip():
            cut, used = 0, 0
            while cut < len(line) and used + _width(line[cut]) <= width:
                used += _width(line[cut])
                cut += 1
            out.append(line[:cut])
            line = indent + line[cut:]
        out.append(line)
    return out


_TEXT = {
    "zh": {
        "start": "夜间扫描: 收件目录 {inbox}, {n} 个数据文件, 其中 {new} 个为新文件",
        "skip": "跳过 {name} (已于 {at} 加载)",
        "load": "加载 {name}",
        "loaded": "已加载 {loaded:,} 行, 拒收 {rejected:,} 行, 重复 {duplicates:,} 行",
        "nothing": "没有新文件需要加载",
        "scanned": "扫描 {scan}: {rings} 个团伙 (新 {new}, 扩大 {grown}, 缩小 {shrunk}, 合并 {merged}, "
                   "拆分 {split}, 消失 {gone})",
        "alert": "需关注 {id} {status} 风险分 {score:.1f} {kind}",
        "folder": "输出目录: {folder}",
        "exit_alert": "{n} 个团伙需关注 (风险分 ≥ {score:g}), 退出码 3",
        "exit_ok": "无需关注的团伙, 退出码 0",
        "rejects": "{rejected:,}/{read:,} 行被拒收 ({rate:.1%}), 超过允许的 {limit:.1%}; 见 {path}",
    },
    "en": {
        "start": "nightly: inbox {inbox}, {n} data files, {new} new",
        "skip": "skip {name} (loaded {at})",
        "load": "load {name}",
        "loaded": "loaded {loaded:,} rows, rejected {rejected:,}, duplicates {duplicates:,}",
        "nothing": "no new file to load",
        "scanned": "scan {scan}: {rings} rings (new {new}, grown {grown}, shrunk {shrunk}, merged {merged}, "
                   "split {split}, gone {gone})",
        "alert": "attention {id} {status} score {score:.1f} {kind}",
        "folder": "folder: {folder}",
        "exit_alert": "{n} rings need attention (score >= {score:g}), exit code 3",
        "exit_ok": "nothing needs attention, exit code 0",
        "rejects": "{rejected:,} of {read:,} rows rejected ({rate:.1%}), above the allowed {limit:.1%}; see {path}",
    },
}


class _Log:
    def __init__(self, sink: Callable[[str], None], lang: str):
        self.sink, self.lang = sink, lang if lang in _TEXT else "zh"

    def __call__(self, key: str, **values) -> None:
        self.line(_TEXT[self.lang][key].format(**values))

    def line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S ")
        for part in log_lines(stamp + text):
            self.sink(part)


def _folder_name(out: Path, taken: set[str], when: dt.datetime) -> str:
    base = scan_time_id(when)
    name, n = base, 1
    while name in taken or (out / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _point_latest(out: Path, folder: Path) -> None:
    """OUT/latest → the folder, replaced atomically; a real file or folder named latest is left alone."""
    link = out / LATEST
    if link.exists() and not link.is_symlink():
        raise NightlyError(f"{link} exists and is not a link ringscan made; move it away so nightly can point "
                           f"{LATEST} at the newest scan")
    tmp = out / f".{LATEST}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(folder.name, tmp)
    os.replace(tmp, link)


def run(settings: Settings, inbox: Path, out: Path, *, catalogue: list | None = None,
        overrides: dict | None = None, alert_score: float = 0.0, min_score: float = 0.0, mapping=None,
        log: Callable[[str], None] = print, now: dt.datetime | None = None) -> NightlyResult:
    """Load the new files of ``inbox``, scan, write ``out``/<scan time>/ and point ``out``/latest at it."""
    from .ingest.load import load_files
    from .report.render import render_report
    from .rules.catalogue import load_catalogue

    say = _Log(log, settings.lang)
    catalogue = catalogue if catalogue is not None else load_catalogue()
    inbox, out = Path(inbox), Path(out)
    files = inbox_files(inbox)
    result = NightlyResult(out, "")
    with store_lock(settings, writer=True, notify=say.line):
        store = open_backend(settings)
        try:
            ensure_history(store)
            known = loaded_files(store)
            hashes = {f: file_hash(f) for f in files}
            new = [f for f in files if hashes[f] not in known]
            say("start", inbox=inbox, n=len(files), new=len(new))
            for f in files:
                if f not in new:
                    say("skip", name=f.name, at=(known[hashes[f]]["loaded_at"] or "?")[:10])
                    result.skipped.append(f)
            result.scan_id = _folder_name(out, {s.scan_id for s in scans(store)}, now or dt.datetime.now())
            result.folder = out / result.scan_id
            result.folder.mkdir(parents=True)
            if new:
                for f in new:
                    say("load", name=f.name)
                report = load_files(new, store, mapping=mapping, rejects_path=result.folder / "rejects.csv",
                                    max_amount=settings.max_settlement_amount, slice_rows=settings.slice_rows)
                record_loaded_files(store, new, report)
                result.loaded, result.load_report = new, report
                say("loaded", loaded=report.loaded, rejected=report.rejected, duplicates=report.duplicates)
                if report.reject_rate > settings.max_reject_rate:
                    raise NightlyError(_TEXT[say.lang]["rejects"].format(
                        rejected=report.rejected, read=report.read, rate=report.reject_rate,
                        limit=settings.max_reject_rate, path=report.rejects_path))
            else:
                say("nothing")
            result.scan = scan(settings, catalogue, result.folder, overrides=overrides, min_score=min_score,
                               alert_score=alert_score, scan_id=result.scan_id, store=store)
        finally:
            store.close()
    render_report(result.scan.rings_json, lang=settings.lang)
    _point_latest(out, result.folder)
    counts = result.scan.changes.counts()
    say("scanned", scan=result.scan_id, rings=len(result.scan.result.rings), **counts)
    result.alerts = result.scan.changes.alerts(alert_score)
    for ring in result.alerts:
        say("alert", id=ring.id, status=status_name(say.lang, ring.status), score=ring.score, kind=ring.kind)
    say("folder", folder=result.folder)
    result.exit_code = ALERT_EXIT if result.alerts else 0
    say("exit_alert" if result.alerts else "exit_ok", n=len(result.alerts), score=alert_score)
    return result
