"""Where the bundled ontology, data, shapes and queries live.

In an installed wheel they sit inside the package (``kg/_bundled/...``, placed there by the
build); in a source checkout they are the top-level ``ontology/`` and ``data/`` folders.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path


@cache
def bundled_root() -> Path:
    """The folder that holds ``ontology/`` and ``data/``."""
    packaged = Path(str(files("kg").joinpath("_bundled")))
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(str(files("kg"))).parent
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError("the bundled ontology and data are missing from this installation")


def ontology_file() -> Path:
    """The OWL ontology (Turtle)."""
    return bundled_root() / "ontology" / "ssp.ttl"


def shapes_file() -> Path:
    """The SHACL shapes (Turtle)."""
    return bundled_root() / "ontology" / "shapes.ttl"


def article_file() -> Path:
    """The data file describing the source article and its sections."""
    return bundled_root() / "data" / "article.ttl"


def fingerprint_file() -> Path:
    """The evidence fingerprint of the article (``kg/checks/fingerprint.py``), beside the data."""
    return bundled_root() / "data" / "fingerprint.json"


def data_files() -> list[Path]:
    """The curated data files (Turtle), sorted by name."""
    return sorted((bundled_root() / "data").glob("*.ttl"))


def queries_dir() -> Path:
    """The named query catalogue (``*.rq``)."""
    return Path(str(files("kg").joinpath("queries")))


def internal_query(name: str) -> str:
    """The text of one of the package's own queries (``kg/internal_queries/NAME.rq``)."""
    return files("kg").joinpath("internal_queries", f"{name}.rq").read_text(encoding="utf-8")
