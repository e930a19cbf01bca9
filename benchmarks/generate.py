"""Generate a synthetic graph shaped like the bundled one, seeded and deterministic.

Concepts of every core kind (with labels, definitions and evidence records) and relations
between them (each a plain triple plus an rdf:Statement with evidence), written as N-Triples.

    python benchmarks/generate.py --triples 100000 -o big.nt
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

SSP = "https://w3id.org/ssp-kg/ontology#"
KG = "https://w3id.org/ssp-kg/id/"
SYN = "https://w3id.org/ssp-kg/synthetic/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

# (class, how many of every 100 concepts)
KINDS = [
    ("SmallScaleProducer", 10),
    ("Artisan", 8),
    ("Farmer", 8),
    ("IndependentProducer", 8),
    ("FinancialChallenge", 6),
    ("RegulatoryChallenge", 6),
    ("LogisticalChallenge", 6),
    ("MarketAccessChallenge", 6),
    ("DigitalSalesChannel", 6),
    ("OperationsTool", 6),
    ("LearningCollaborationTool", 5),
    ("Outcome", 10),
    ("Trend", 5),
    ("SupportProgramme", 5),
    ("ConsumerValue", 5),
]
# (property, subject kinds, object kinds)
RELATIONS = [
    (
        "faces",
        ("SmallScaleProducer", "Artisan", "Farmer", "IndependentProducer"),
        (
            "FinancialChallenge",
            "RegulatoryChallenge",
            "LogisticalChallenge",
            "MarketAccessChallenge",
        ),
    ),
    (
        "mitigates",
        ("DigitalSalesChannel", "OperationsTool", "LearningCollaborationTool", "SupportProgramme"),
        (
            "FinancialChallenge",
            "RegulatoryChallenge",
            "LogisticalChallenge",
            "MarketAccessChallenge",
        ),
    ),
    (
        "adopts",
        ("SmallScaleProducer", "Artisan", "Farmer", "IndependentProducer"),
        ("DigitalSalesChannel", "OperationsTool", "LearningCollaborationTool"),
    ),
    (
        "contributesTo",
        ("SmallScaleProducer", "Artisan", "Farmer", "DigitalSalesChannel"),
        ("Outcome",),
    ),
    ("favours", ("Trend",), ("SmallScaleProducer", "Artisan", "Farmer", "IndependentProducer")),
    ("appealsTo", ("Artisan", "Farmer"), ("ConsumerValue",)),
]
WORDS = [
    "local",
    "regional",
    "global",
    "digital",
    "artisanal",
    "sustainable",
    "ethical",
    "niche",
    "specialty",
    "resilient",
    "export",
    "market",
    "trade",
    "supply",
    "chain",
    "finance",
    "cost",
    "logistics",
    "platform",
    "training",
    "network",
    "quality",
    "heritage",
    "craft",
    "textile",
    "ceramic",
    "food",
    "design",
    "skill",
    "community",
    "income",
    "growth",
]
TRIPLES_PER_CONCEPT = 12
TRIPLES_PER_RELATION = 10


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _evidence(rng: random.Random, holder: str, tag: str) -> Iterator[str]:
    node = f"_:{tag}"
    yield f"{holder} <{SSP}evidence> {node} ."
    yield f"{node} <{RDF}type> <{SSP}Evidence> ."
    yield f"{node} <{SSP}section> <{KG}section-{rng.randint(1, 7)}> ."
    yield f'{node} <{SSP}paragraph> "{rng.randint(1, 2)}"^^<{XSD_INTEGER}> .'
    yield f"{node} <{SSP}anchor> {_literal(' '.join(rng.choices(WORDS, k=4)))} ."


def generate(triples: int, seed: int = 42) -> Iterator[str]:
    """Yield about ``triples`` N-Triples lines (half concepts, half relations)."""
    rng = random.Random(seed)
    n_concepts = max(len(KINDS), triples // 2 // TRIPLES_PER_CONCEPT)
    n_relations = max(1, (triples - n_concepts * TRIPLES_PER_CONCEPT) // TRIPLES_PER_RELATION)
    weights = [w for _, w in KINDS]
    by_kind: dict[str, list[str]] = {kind: [] for kind, _ in KINDS}
    for i in range(n_concepts):
        kind = KINDS[i][0] if i < len(KINDS) else rng.choices(KINDS, weights)[0][0]
        iri = f"<{SYN}c{i}>"
        by_kind[kind].append(iri)
        words = rng.choices(WORDS, k=3)
        yield f"{iri} <{RDF}type> <{SSP}{kind}> ."
        yield f"{iri} <{RDF}type> <{SKOS}Concept> ."
        yield f"{iri} <{SKOS}inScheme> <{SYN}scheme> ."
        yield f"{iri} <{SKOS}prefLabel> {_literal(' '.join(words) + f' {i}')}@en ."
        yield f"{iri} <{SKOS}altLabel> {_literal(words[0] + f' {i}')}@en ."
        definition = f"A synthetic {kind} about {' '.join(rng.choices(WORDS, k=8))}"
        yield f"{iri} <{SKOS}definition> {_literal(definition)}@en ."
        yield f"{iri} <{SKOS}related> <{SYN}c{rng.randrange(n_concepts)}> ."
        yield from _evidence(rng, iri, f"e{i}")
    for j in range(n_relations):
        prop, subject_kinds, object_kinds = RELATIONS[j % len(RELATIONS)]
        fallback = [f"<{SYN}c0>"]  # tiny graphs may lack a kind
        pool_s = by_kind[rng.choice(subject_kinds)] or fallback
        pool_o = by_kind[rng.choice(object_kinds)] or fallback
        s, o = rng.choice(pool_s), rng.choice(pool_o)
        statement = f"_:s{j}"
        yield f"{s} <{SSP}{prop}> {o} ."
        yield f"{statement} <{RDF}type> <{RDF}Statement> ."
        yield f"{statement} <{RDF}subject> {s} ."
        yield f"{statement} <{RDF}predicate> <{SSP}{prop}> ."
        yield f"{statement} <{RDF}object> {o} ."
        yield from _evidence(rng, statement, f"r{j}")


def write(path: Path, triples: int, seed: int = 42) -> Path:
    """Write the graph to ``path`` atomically and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for line in generate(triples, seed):
                out.write(line)
                out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    write(args.output, args.triples, args.seed)


if __name__ == "__main__":
    main()
