"""The evidence fingerprint: anchors checked against the article without shipping its text.

The article is someone else's text, so the package cannot carry it. What it carries instead
(``data/fingerprint.json``, made by the curator command ``kg fingerprint --source``) is:

- for each section and paragraph, the SHA-256 of the normalised paragraph, so that a user's
  copy of the article can be told apart from the edition the graph was made from, paragraph
  by paragraph;
- for each evidence anchor that the curator's check found in its cited paragraph, the SHA-256
  of ``section``, ``paragraph`` and the normalised anchor together.

``kg validate`` then checks every anchor in the graph by hashing what the graph states and
looking it up: an anchor edited, mistyped or moved to another paragraph gives another hash.
Nothing else is shipped: no hash of any other word sequence, so the file holds one digest
per paragraph and one per anchor, and nothing in it can be turned back into text the graph
does not already state (a paragraph's digest is of the whole paragraph, hundreds of words).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.checks.evidence import AnchorProblem, Article, EvidenceRecord, normalise
from kg.errors import InputError

FORMAT = "ssp-kg evidence fingerprint 1"
_SEPARATOR = "\x1f"  # the ASCII unit separator: never part of a normalised anchor


def digest(text: str) -> str:
    """The SHA-256 of ``text`` (UTF-8), as hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def anchor_digest(section: int, paragraph: int, anchor: str) -> str:
    """The digest of one anchor together with the paragraph it cites."""
    return digest(_SEPARATOR.join((str(section), str(paragraph), normalise(anchor))))


@dataclass(frozen=True)
class Fingerprint:
    """Digests of the article's title and paragraphs, and of every verified anchor."""

    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    anchors: frozenset[str]

    def to_json(self) -> str:
        """The shipped form: sorted keys and anchors, so the same input gives the same bytes."""
        document = {
            "format": FORMAT,
            "title": self.title,
            "paragraphs": [list(section) for section in self.paragraphs],
            "anchors": sorted(self.anchors),
        }
        return json.dumps(document, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Fingerprint:
        """Read the shipped form; InputError naming ``where`` if it is not one."""
        try:
            document = json.loads(text)
            if document.get("format") != FORMAT:
                raise ValueError(f"format is not {FORMAT!r}")
            return cls(
                title=str(document["title"]),
                paragraphs=tuple(tuple(str(d) for d in s) for s in document["paragraphs"]),
                anchors=frozenset(str(d) for d in document["anchors"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise InputError(where, f"not an evidence fingerprint ({error})") from None

    def paragraph_digest(self, section: int, paragraph: int) -> str | None:
        """The digest of paragraph ``paragraph`` of section ``section`` (1-based), or None."""
        if 1 <= section <= len(self.paragraphs) and 1 <= paragraph <= len(
            self.paragraphs[section - 1]
        ):
            return self.paragraphs[section - 1][paragraph - 1]
        return None


def build(article: Article, records: Iterable[EvidenceRecord]) -> Fingerprint:
    """The fingerprint of ``article`` with the digests of ``records``' anchors.

    Every anchor must occur in its cited paragraph of the text (InputError listing the first
    few that do not): the fingerprint only vouches for what the text was seen to say.
    """
    anchors = set()
    missing = []
    for record in records:
        paragraph = (
            article.paragraph(record.section, record.paragraph)
            if record.section is not None and record.paragraph is not None
            else None
        )
        if paragraph is None or not record.anchor or normalise(record.anchor) not in paragraph:
            missing.append(record)
            continue
        anchors.add(anchor_digest(record.section, record.paragraph, record.anchor))
    if missing:
        first = "; ".join(
            f"{r.owner} section {r.section} \u00b6{r.paragraph} {r.anchor!r}" for r in missing[:3]
        )
        raise InputError(
            "fingerprint", f"{len(missing)} anchor(s) are not in their paragraph: {first}"
        )
    return Fingerprint(
        title=digest(article.title),
        paragraphs=tuple(tuple(digest(p) for p in section) for section in article.paragraphs),
        anchors=frozenset(anchors),
    )


def check_anchors(
    fingerprint: Fingerprint, records: Iterable[EvidenceRecord]
) -> list[AnchorProblem]:
    """Every record whose anchor the fingerprint does not vouch for, with the reason."""
    problems = []
    for record in records:
        if record.section is None or record.paragraph is None:
            problems.append(AnchorProblem(record, "no section or paragraph given"))
        elif fingerprint.paragraph_digest(record.section, record.paragraph) is None:
            problems.append(AnchorProblem(record, "no such paragraph in the article"))
        elif anchor_digest(record.section, record.paragraph, record.anchor) not in (
            fingerprint.anchors
        ):
            problems.append(
                AnchorProblem(
                    record,
                    f"anchor {record.anchor!r} is not one the article's fingerprint vouches "
                    "for in this paragraph (check it against a copy with --source)",
                )
            )
    return problems


def differing_paragraphs(fingerprint: Fingerprint, article: Article) -> list[str]:
    """``section S ¶P`` for each paragraph of ``article`` unlike the fingerprinted edition.

    Paragraphs missing from either side are listed too, so another edition with a paragraph
    added or dropped is reported where it starts to differ.
    """
    differences = []
    sections = max(len(fingerprint.paragraphs), len(article.paragraphs))
    for s in range(1, sections + 1):
        ours = fingerprint.paragraphs[s - 1] if s <= len(fingerprint.paragraphs) else ()
        theirs = article.paragraphs[s - 1] if s <= len(article.paragraphs) else ()
        for p in range(1, max(len(ours), len(theirs)) + 1):
            expected = ours[p - 1] if p <= len(ours) else None
            found = digest(theirs[p - 1]) if p <= len(theirs) else None
            if expected != found:
                differences.append(f"section {s} \u00b6{p}")
    return differences


def read(path: Path) -> Fingerprint:
    """The fingerprint stored at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None
    return Fingerprint.from_json(text, str(path))
