"""The source article's sections and paragraphs, and the check that anchors really occur there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg import resources
from kg.prefixes import shorten
from kg.store.rdffiles import read_text

_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_WHITESPACE = re.compile(r"\s+")
_LIST_ITEM = re.compile(r"\n(?=[ \t]*\d+\.\s)")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Article:
    """The article as a title and, per section, its heading and its paragraphs (normalised)."""

    title: str
    headings: tuple[str, ...]
    paragraphs: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, text: str, headings: list[str]) -> Article:
        """Split ``text`` into paragraphs; a paragraph equal to a heading starts the next section.

        Paragraphs are blank-line-separated blocks, and each item of a numbered list.
        """
        blocks = []
        for block in _BLOCK_SPLIT.split(text.replace("\r\n", "\n")):
            # Each item of a numbered list is a paragraph of its own.
            blocks += [normalise(item) for item in _LIST_ITEM.split(block) if item.strip()]
        wanted = [normalise(h) for h in headings]
        sections: list[list[str]] = []
        title = blocks[0] if blocks else ""
        for block in blocks[1:]:
            if len(sections) < len(wanted) and block == wanted[len(sections)]:
                sections.append([])
            elif sections:
                sections[-1].append(block)
        return cls(title, tuple(wanted[: len(sections)]), tuple(tuple(s) for s in sections))

    def paragraph(self, section: int, number: int) -> str | None:
        """Paragraph ``number`` (1-based) of section ``section`` (1-based), or None."""
        if 1 <= section <= len(self.paragraphs) and 1 <= number <= len(
            self.paragraphs[section - 1]
        ):
            return self.paragraphs[section - 1][number - 1]
        return None


@dataclass(frozen=True)
class EvidenceRecord:
    """One evidence record as stated in the graph, with what it supports."""

    owner: str
    section: int | None
    paragraph: int | None
    anchor: str


@dataclass(frozen=True)
class AnchorProblem:
    """An evidence record whose anchor is not where it says it is."""

    record: EvidenceRecord
    message: str

    def __str__(self) -> str:
        r = self.record
        return f"{r.owner}: section {r.section} \u00b6{r.paragraph}: {self.message}"


def _rows(graph: Any, name: str) -> list[dict[str, Any]]:
    """The rows of internal query ``name`` on ``graph`` (what :func:`kg.load` gives, or an
    rdflib Graph, copied), each a dict of variable -> term value (None when unbound)."""
    from kg.store.oxengine import KnowledgeGraph, from_rdflib

    loaded = graph if isinstance(graph, KnowledgeGraph) else from_rdflib(graph)
    return [
        {name: (term.value if term is not None else None) for name, term in row.items()}
        for row in loaded.rows(resources.internal_query(name))
    ]


def section_headings(graph: Any) -> list[str]:
    """The section titles in article order, as the graph states them."""
    return [str(row["title"]) for row in _rows(graph, "section-headings")]


def evidence_records(graph: Any) -> list[EvidenceRecord]:
    """Every evidence record in ``graph``, sorted, with the thing it supports."""
    records = []
    for row in _rows(graph, "evidence-records"):
        if row["s"] is not None:
            owner = " ".join(shorten(row[name]) for name in ("s", "p", "o"))
        else:
            owner = shorten(row["holder"])
        records.append(
            EvidenceRecord(
                owner=owner,
                section=int(row["position"]) if row["position"] is not None else None,
                paragraph=int(row["paragraph"]) if row["paragraph"] is not None else None,
                anchor=row["anchor"] or "",
            )
        )
    return sorted(records, key=lambda r: (r.owner, r.section or 0, r.paragraph or 0, r.anchor))


def load_article(path: str | Path, graph: Any) -> Article:
    """Read the article at ``path`` and split it by the section headings ``graph`` states."""
    return Article.parse(read_text(Path(path)), section_headings(graph))


def check_anchors(graph: Any, article: Article) -> list[AnchorProblem]:
    """Every evidence record whose anchor does not occur verbatim in its cited paragraph."""
    problems = []
    for record in evidence_records(graph):
        if record.section is None or record.paragraph is None:
            problems.append(AnchorProblem(record, "no section or paragraph given"))
            continue
        paragraph = article.paragraph(record.section, record.paragraph)
        if not normalise(record.anchor):
            problems.append(AnchorProblem(record, "no anchor given"))
        elif paragraph is None:
            problems.append(AnchorProblem(record, "no such paragraph in the source text"))
        elif normalise(record.anchor) not in paragraph:
            problems.append(
                AnchorProblem(record, f"anchor {record.anchor!r} is not in this paragraph")
            )
    return problems
