"""A corpus of real third-party RDF, fetched from packages, never copied into the repository.

``python -m tests.corpus`` fills ``tests/corpus/`` (ignored by git): SKOS and PROV-O from
pyLODE's bundled vocabularies, the SHACL-SHACL graph and schema.org from the installed
pySHACL, Brick 1.5 and ASHRAE 223P from the brickschema wheel (downloaded with
``pip download --no-deps`` and unzipped: neither wheel is installed), and the LV2
specifications that the Debian package ``lv2-dev`` installs under /usr/lib/lv2, merged into
one N-Triples file (blank nodes kept apart per file), and the LV2 plugin descriptions of the
Debian packages ``lsp-plugins-lv2`` and ``x42-plugins`` (about half a million triples),
fetched with ``apt-get download`` and unpacked with ``dpkg -x`` into a temporary folder
(never installed), merged the same way. ``.ci/run`` runs it; :func:`corpus_path` finds the
files, and under CI=true a missing file is a failure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
HOW = (
    "run `python -m tests.corpus` (needs PyPI, `apt-get install lv2-dev` for LV2 and "
    "Debian's package lists for the LV2 plugins)"
)
LV2_ROOT = Path("/usr/lib/lv2")
# Debian packages whose LV2 plugin descriptions make lv2-plugins.nt. Not pinned to a version
# (apt-get download fetches the candidate; an old version leaves the mirror): the counts in
# tests/test_foreign.py are for Debian 12's lsp-plugins-lv2 1.2.5-1 and x42-plugins 20221119-1.
PLUGIN_DEBS = ("lsp-plugins-lv2", "x42-plugins")

# Pinned, so that the hand-checked counts in tests/test_foreign.py stay true.
WHEELS = {"pylode": "3.4.1", "brickschema": "0.8.0"}


@dataclass(frozen=True)
class Source:
    """One corpus file: its name here, and where it comes from."""

    name: str
    package: str  # a wheel in WHEELS, "pyshacl" (installed), "lv2-dev" (Debian) or "debs"
    member: str  # the path inside the wheel or the installed package; "" for Debian


SOURCES = (
    Source("skos.ttl", "pylode", "pylode/rdf/skos.ttl"),
    Source("prov.ttl", "pylode", "pylode/rdf/prov.ttl"),
    Source("shacl-shacl.ttl", "pyshacl", "assets/shacl-shacl.ttl"),
    Source("schemaorg.ttl", "pyshacl", "assets/schema.ttl"),
    Source("brick15.ttl", "brickschema", "brickschema/ontologies/1.5/Brick.ttl"),
    Source("s223.ttl", "brickschema", "brickschema/ontologies/1.5/extensions/223p.ttl"),
    Source("lv2.nt", "lv2-dev", ""),
    Source("lv2-plugins.nt", "debs", ""),
)
NAMES = tuple(source.name for source in SOURCES)


def fetch(target: Path = CORPUS) -> list[Path]:
    """Fill ``target`` with every corpus file that is not there yet; the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = [source for source in SOURCES if not (target / source.name).is_file()]
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        wheels = {s.package for s in wanted if s.package in WHEELS}
        found = {name: _download(name, Path(scratch)) for name in sorted(wheels)}
        for source in wanted:
            path = target / source.name
            if source.package in WHEELS:
                with zipfile.ZipFile(found[source.package]) as wheel:
                    _write(path, wheel.read(source.member))
            elif source.package == "pyshacl":
                import pyshacl

                shutil.copyfile(Path(pyshacl.__file__).parent / source.member, path)
            elif source.package == "debs":
                root = _unpack(PLUGIN_DEBS, Path(scratch))
                _merge_lv2(path, root, sorted(root.glob("*.lv2/*.ttl")))
            else:
                files = sorted(LV2_ROOT.glob("*.lv2/*.ttl"))
                if not files:
                    raise SystemExit(f"no LV2 Turtle under {LV2_ROOT}: apt-get install lv2-dev")
                _merge_lv2(path, LV2_ROOT, files)
            written.append(path)
    return written


def _download(name: str, into: Path) -> Path:
    spec = f"{name}=={WHEELS[name]}"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(into), spec],
        check=True,
    )
    return next(into.glob(f"{name}-{WHEELS[name]}-*.whl"))


def _write(path: Path, data: bytes) -> None:
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def _unpack(packages: tuple[str, ...], into: Path) -> Path:
    """``packages`` downloaded (``apt-get download``, no root needed) and unpacked with
    ``dpkg -x`` into one folder under ``into``: the folder their /usr/lib/lv2 would be."""
    debs, tree = into / "debs", into / "tree"
    debs.mkdir()
    try:
        subprocess.run(["apt-get", "download", "-q", *packages], cwd=debs, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f"apt-get download {' '.join(packages)} failed ({error})") from None
    for deb in sorted(debs.glob("*.deb")):
        print(f"corpus: unpacking {deb.name}")
        subprocess.run(["dpkg", "-x", str(deb), str(tree)], check=True)
    return tree / LV2_ROOT.relative_to("/")


def _merge_lv2(path: Path, root: Path, files: list[Path]) -> None:
    """``files`` (Turtle under ``root``) as one N-Triples file, blank nodes renamed per file.

    Each file is parsed with the base IRI it has once installed (file:///usr/lib/lv2/...),
    wherever it was unpacked, and its blank nodes are numbered in the order they appear
    (``f<file>b<n>``), so the same files give the same bytes.
    """
    import pyoxigraph as ox

    triples: list[ox.Triple] = []
    for number, ttl in enumerate(sorted(files, key=lambda f: f.relative_to(root).as_posix())):
        names: dict[str, ox.BlankNode] = {}

        def own(term, number=number, names=names):
            if isinstance(term, ox.BlankNode):
                if term.value not in names:
                    names[term.value] = ox.BlankNode(f"f{number}b{len(names)}")
                return names[term.value]
            return term

        base = (LV2_ROOT / ttl.relative_to(root)).as_uri()
        for quad in ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE, base_iri=base):
            triples.append(ox.Triple(own(quad.subject), quad.predicate, own(quad.object)))
    _write(path, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def main() -> int:
    for path in fetch():
        print(f"corpus: wrote {path.relative_to(CORPUS.parent.parent)}")
    missing = [name for name in NAMES if not (CORPUS / name).is_file()]
    if missing:
        print(f"corpus: missing {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


def corpus_path(name: str) -> Path:
    """The corpus file ``name``: a skip naming how to get it, or under CI=true a failure."""
    from .conftest import require

    path = CORPUS / name
    require(path.is_file(), f"the corpus file tests/corpus/{name} ({HOW})")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
