"""Legal basis: the clauses rules cite (``seeds:``), resolved from ``cypher/legal_basis.yaml``.

>>> clause = resolve("003 附件3 一.4")
>>> clause.document.title, clause.document.number
('《关于印发〈江北区2023年医保领域打击欺诈骗保专项整治工作方案〉的通知》', '江医保发〔2023〕10号')
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import CYPHER_DIR

__all__ = ["Document", "Clause", "LEGAL_BASIS", "legal_basis", "resolve", "resolve_all", "unresolved",
           "clause_dict", "document_dict"]

LEGAL_BASIS = CYPHER_DIR / "legal_basis.yaml"
_DOC_REQUIRED = ("title", "title_en", "issuer", "issuer_en", "date", "date_en")
_CLAUSE_REQUIRED = ("document", "clause", "clause_en", "summary", "summary_en")


@dataclass(frozen=True)
class Document:
    key: str
    title: str
    title_en: str
    issuer: str
    issuer_en: str
    number: str | None
    number_en: str | None
    date: str
    date_en: str
    note: str | None = None
    note_en: str | None = None

    def text(self, field: str, lang: str) -> str | None:
        return getattr(self, f"{field}_en" if lang == "en" else field)


@dataclass(frozen=True)
class Clause:
    cite: str  # as the rule writes it: "003 附件3 一.4"
    document: Document
    clause: str
    clause_en: str
    summary: str
    summary_en: str

    def text(self, field: str, lang: str) -> str:
        return getattr(self, f"{field}_en" if lang == "en" else field)


@lru_cache(maxsize=None)
def legal_basis(path: Path = LEGAL_BASIS) -> dict[str, Clause]:
    """Every clause in the file, by citation. Raises ValueError naming what is incomplete."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    documents = {}
    for key, doc in (data.get("documents") or {}).items():
        missing = [f for f in _DOC_REQUIRED if not doc.get(f)]
        if missing:
            raise ValueError(f"{path}: document {key} lacks {', '.join(missing)}")
        if not (str(doc["title"]).startswith("《") and str(doc["title"]).endswith("》")):
            raise ValueError(f"{path}: document {key}: a title is cited in 《》")
        if doc.get("number") and not doc.get("number_en"):
            raise ValueError(f"{path}: document {key} has a number but no number_en")
        documents[str(key)] = Document(str(key), doc["title"], doc["title_en"], doc["issuer"], doc["issuer_en"],
                                       doc.get("number"), doc.get("number_en"), str(doc["date"]),
                                       str(doc["date_en"]), doc.get("note"), doc.get("note_en"))
    clauses = {}
    for cite, entry in (data.get("clauses") or {}).items():
        missing = [f for f in _CLAUSE_REQUIRED if not entry.get(f)]
        if missing:
            raise ValueError(f"{path}: clause {cite!r} lacks {', '.join(missing)}")
        if str(entry["document"]) not in documents:
            raise ValueError(f"{path}: clause {cite!r} names unknown document {entry['document']!r}")
        clauses[cite] = Clause(cite, documents[str(entry["document"])], entry["clause"], entry["clause_en"],
                               entry["summary"], entry["summary_en"])
    return clauses


def resolve(cite: str) -> Clause | None:
    return legal_basis().get(cite)


def resolve_all(cites) -> list[Clause]:
    """The clauses of ``cites`` that have an entry, once each, in the file's order (by document, then clause)."""
    order = {cite: i for i, cite in enumerate(legal_basis())}
    return [legal_basis()[c] for c in sorted({c for c in cites if c in order}, key=order.__getitem__)]


def unresolved(cites) -> list[str]:
    """Citations with no entry in the legal-basis file."""
    return sorted({c for c in cites if resolve(c) is None})


def document_dict(doc: Document) -> dict:
    """A document as rings.json carries it (scan ``legal_documents``, by key)."""
    return {"title": doc.title, "title_en": doc.title_en, "issuer": doc.issuer, "issuer_en": doc.issuer_en,
            "number": doc.number, "number_en": doc.number_en, "date": doc.date, "date_en": doc.date_en,
            **({"note": doc.note, "note_en": doc.note_en} if doc.note else {})}


def clause_dict(clause: Clause) -> dict:
    """A clause as rings.json carries it in a ring's ``legal_basis``: the citation, where it is in the document,
    both summaries, and the document's key in the scan's ``legal_documents`` with its title and number."""
    doc = clause.document
    return {"cite": clause.cite, "document": doc.key, "title": doc.title, "number": doc.number,
            "clause": clause.clause, "clause_en": clause.clause_en, "summary": clause.summary,
            "summary_en": clause.summary_en}

