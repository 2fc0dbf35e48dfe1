"""Statements kept as data in cypher/*.cypher: split on ``;``, comments dropped, optionally named."""
from __future__ import annotations

from pathlib import Path

__all__ = ["statements", "named_statements"]


def _chunks(path: Path) -> list[tuple[str | None, str]]:
    out, name, lines = [], None, []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("// name:"):
            name = stripped[len("// name:"):].strip()
            continue
        if stripped.startswith("//"):
            continue
        lines.append(line)
        if stripped.endswith(";"):
            text = "\n".join(lines).strip().rstrip(";").strip()
            if text:
                out.append((name, text))
            name, lines = None, []
    rest = "\n".join(lines).strip()
    if rest:
        out.append((name, rest))
    return out


def statements(path: Path) -> list[str]:
    """The file's statements in order."""
    return [text for _, text in _chunks(path)]


def named_statements(path: Path) -> dict[str, str]:
    """Statements preceded by a ``// name: X`` line, by name."""
    return {name: text for name, text in _chunks(path) if name}
