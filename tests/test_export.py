"""kg export: every format read back by independent parsers, deterministic, atomic."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF, SKOS

import kg
from kg.errors import InputError
from kg.exports.export import FORMATS, GENID, export_graph, jsonld_context, serialize
from kg.namespaces import PREFIXES, SHAPES_GRAPH

from .conftest import FIXTURES, REPO, require

# Corner cases an exporter can get wrong: language-tag case, escapes, non-ASCII, lexical
# forms that must not be normalised, an RDF list, identical blank nodes, a blank-node cycle.
TRICKY = r"""
@prefix ex:  <http://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:thing ex:title "Colour of the sky"@EN-GB , "Farbe"@de , "plain" , "" ;
    ex:note "two\nlines, a \"quote\", a back\\slash and a tab\t" ;
    ex:unicode "naïve café ✓ 漢字 \U0001F600" ;
    ex:count "007"^^xsd:integer ;
    ex:ratio "1.50"^^xsd:decimal ;
    ex:flag "1"^^xsd:boolean ;
    ex:day "2026-11-27"^^xsd:date ;
    ex:items ( ex:first "second" [ ex:third 3 ] ) ;
    ex:evidence [ ex:anchor "same" ] , [ ex:anchor "same" ] ;
    ex:other <http://example.org/other/item> .

_:a ex:next _:b . _:b ex:next _:a .
_:x ex:next _:y . _:y ex:next _:z . _:z ex:next _:x .
"""

# Parser names for each export format: rdflib, pyoxigraph, rapper (None: rapper cannot).
PARSERS = {
    "turtle": ("turtle", ox.RdfFormat.TURTLE, "turtle"),
    "nt": ("nt", ox.RdfFormat.N_TRIPLES, "ntriples"),
    "nq": ("nquads", ox.RdfFormat.N_QUADS, "nquads"),
    "trig": ("trig", ox.RdfFormat.TRIG, "trig"),
    "jsonld": ("json-ld", ox.RdfFormat.JSON_LD, None),
    "xml": ("xml", ox.RdfFormat.RDF_XML, "rdfxml"),
}
QUAD_FORMATS = {"nq", "trig"}


# --- Comparing RDF with an independent canonicaliser (Oxigraph's RDFC-1.0) -----------------


def canonical(quads: ox.Dataset) -> set[str]:
    """The dataset's quads after RDFC-1.0 blank-node canonicalisation (Oxigraph)."""
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in quads}


def canonical_bytes(data: bytes, fmt: ox.RdfFormat) -> set[str]:
    """Parse with Oxigraph (which lower-cases language tags) and canonicalise."""
    return canonical(ox.Dataset(ox.parse(data, format=fmt)))


def canonical_rdflib(graph: Graph) -> set[str]:
    """An rdflib Graph or Dataset, canonicalised the same way (via N-Triples/N-Quads)."""
    if isinstance(graph, Dataset):
        return canonical_bytes(
            graph.serialize(format="nquads", encoding="utf-8"), ox.RdfFormat.N_QUADS
        )
    return canonical_bytes(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)


def source_truth(source: kg.KnowledgeGraph, quads: bool) -> set[str]:
    """What an export of ``source`` must hold: every graph but the shapes, merged or not."""
    if not quads:
        return canonical_rdflib(source.graph)
    out = Dataset()
    for graph in source.dataset.graphs():
        if graph.identifier != URIRef(SHAPES_GRAPH) and len(graph):
            target = out.graph(graph.identifier)
            for triple in graph:
                target.add(triple)
    return canonical_rdflib(out)


def read_back_rdflib(path: Path, fmt: str) -> set[str]:
    name = PARSERS[fmt][0]
    graph: Graph = Dataset() if fmt in QUAD_FORMATS else Graph()
    graph.parse(path, format=name)
    if isinstance(graph, Dataset):
        # rdflib puts an empty default graph in every Dataset; only the named graphs count.
        clean = Dataset()
        for named in graph.graphs():
            for triple in named:
                clean.graph(named.identifier).add(triple)
        graph = clean
    return canonical_rdflib(graph)


def read_back_oxigraph(path: Path, fmt: str) -> set[str]:
    return canonical(ox.Dataset(ox.parse(path=str(path), format=PARSERS[fmt][1])))


def read_back_rapper(path: Path, fmt: str) -> set[str]:
    quads = fmt in QUAD_FORMATS
    done = subprocess.run(
        ["rapper", "-q", "-i", PARSERS[fmt][2], "-o", "nquads" if quads else "ntriples", str(path)],
        capture_output=True,
        check=True,
    )
    return canonical_bytes(done.stdout, ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES)


@pytest.fixture(scope="module")
def tricky(tmp_path_factory) -> kg.KnowledgeGraph:
    path = tmp_path_factory.mktemp("tricky") / "tricky.ttl"
    path.write_text(TRICKY, encoding="utf-8")
    return kg.load([path])


@pytest.fixture(scope="module", params=["bundled", "tricky"])
def source(request, bundled, tricky) -> kg.KnowledgeGraph:
    return bundled if request.param == "bundled" else tricky


# --- Read back by three parsers -------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(PARSERS))
def test_export_reads_back_isomorphic_in_rdflib_and_oxigraph(fmt, source, tmp_path):
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    path.write_bytes(serialize(source, fmt))
    truth = source_truth(source, fmt in QUAD_FORMATS)
    assert len(truth) > 20
    assert read_back_rdflib(path, fmt) == truth
    assert read_back_oxigraph(path, fmt) == truth


@pytest.mark.parametrize("fmt", sorted(f for f, p in PARSERS.items() if p[2]))
def test_export_reads_back_isomorphic_in_rapper(fmt, source, tmp_path):
    require(shutil.which("rapper") is not None, "rapper (apt-get install raptor2-utils)")
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
    path.write_bytes(serialize(source, fmt))
    assert read_back_rapper(path, fmt) == source_truth(source, fmt in QUAD_FORMATS)


def test_quad_formats_keep_the_named_graphs(bundled):
    nquads = serialize(bundled, "nq").decode("utf-8")
    graphs = {line.rsplit(" ", 2)[-2] for line in nquads.splitlines()}
    assert "<https://w3id.org/ssp-kg/ontology>" in graphs
    assert "<https://w3id.org/ssp-kg/data>" in graphs
    assert f"<{SHAPES_GRAPH}>" not in graphs


def test_graphs_option_chooses_named_graphs(bundled):
    only_ontology = Graph().parse(data=serialize(bundled, "nt", graphs=["ontology"]), format="nt")
    ontology = bundled.dataset.graph(URIRef("https://w3id.org/ssp-kg/ontology"))
    assert len(only_ontology) == len(ontology)
    shapes = Graph().parse(data=serialize(bundled, "nt", graphs=["shapes"]), format="nt")
    assert (None, RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")) in shapes
    with pytest.raises(InputError, match="no such graph"):
        serialize(bundled, "nt", graphs=["nonsense"])


def test_nt_lines_are_sorted(bundled):
    lines = serialize(bundled, "nt").decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert len(lines) == len(bundled.graph)


def test_jsonld_uses_the_shipped_context_with_sorted_keys(bundled):
    text = serialize(bundled, "jsonld").decode("utf-8")
    document = json.loads(text)
    assert document["@context"] == jsonld_context()
    # The context indented, then one node object per line with sorted keys, sorted by @id.
    head = json.dumps({"@context": document["@context"]}, indent=2, sort_keys=True)[:-2]
    nodes = [json.dumps(n, sort_keys=True, ensure_ascii=False) for n in document["@graph"]]
    body = ",\n".join("    " + n for n in nodes)
    assert text == head + ',\n  "@graph": [\n' + body + "\n  ]\n}\n"
    # Nodes in the order of their N-Triples forms (<IRI>, blank nodes last), each once.
    context = document["@context"]

    def expanded(identifier: str) -> str:
        prefix, _, local = identifier.partition(":")
        return context[prefix] + local if prefix in context else identifier

    ids = [expanded(node["@id"]) for node in document["@graph"]]
    named = [i for i in ids if not i.startswith("_:")]
    as_term = sorted(named, key=lambda i: f"<{i}>")
    assert ids == as_term + sorted(i for i in ids if i.startswith("_:"))
    assert len(ids) == len(set(ids)) and len(named) > 100
    # IRIs are compacted with the context's prefixes.
    assert any(str(node.get("@id", "")).startswith("kg:") for node in document["@graph"])


def test_shipped_context_matches_the_project_prefixes():
    assert jsonld_context() == PREFIXES


# --- Deterministic --------------------------------------------------------------------------


def _export_in_new_process(args: list[str], seed: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "kg", "export", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=300,
    )


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_same_input_gives_byte_identical_files_across_processes(fmt, tmp_path):
    tricky = tmp_path / "tricky.ttl"
    tricky.write_text(TRICKY, encoding="utf-8")
    outputs = []
    for seed in ("1", "987"):
        out = tmp_path / f"{seed}{FORMATS[fmt].suffix or '-neo4j'}"
        # Property graphs: the tricky file alone (kg.views.network re-canonicalises shown blank
        # nodes with rdflib, which is slow on the whole bundled graph).
        bundled = [] if FORMATS[fmt].kind == "property-graph" else ["--with-bundled"]
        args = [*bundled, "--data", str(tricky), "-f", fmt, "-o", str(out)]
        done = _export_in_new_process(args, seed, tmp_path)
        assert done.returncode == 0, done.stderr
        if out.is_dir():  # neo4j, kuzu: a folder
            outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
        else:
            outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0]


def test_blank_node_labels_do_not_depend_on_parser_labels_or_order(tmp_path):
    """The same triples from Turtle and from shuffled, relabelled N-Triples export identically."""
    turtle = Graph().parse(data=TRICKY, format="turtle")
    lines = turtle.serialize(format="nt").splitlines()
    relabelled = "\n".join(reversed(lines)).replace("_:", "_:other")
    ntriples = Graph().parse(data=relabelled, format="nt")
    ntriples.bind("ex", "http://example.org/ns#")
    for fmt in ("turtle", "nt", "nq", "trig", "jsonld", "xml"):
        assert serialize(turtle, fmt) == serialize(ntriples, fmt)


def test_turtle_has_stable_prefixes(bundled):
    text = serialize(bundled, "turtle").decode("utf-8")
    prefixes = [line for line in text.splitlines() if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    assert "@prefix kg: <https://w3id.org/ssp-kg/id/> ." in prefixes
    assert "@prefix ssp: <https://w3id.org/ssp-kg/ontology#> ." in prefixes


# --- Skolemisation --------------------------------------------------------------------------


def test_skolemize_replaces_every_blank_node_with_a_stable_iri(tricky, bundled):
    plain = Graph().parse(data=serialize(tricky, "nt"), format="nt")
    skolem = Graph().parse(data=serialize(tricky, "nt", skolemize=True), format="nt")
    assert not any(isinstance(t, BNode) for triple in skolem for t in triple)
    genids = {t for triple in skolem for t in triple if str(t).startswith(GENID)}
    bnodes = {t for triple in plain for t in triple if isinstance(t, BNode)}
    assert len(genids) == len(bnodes) > 5
    # Turning the IRIs back into blank nodes gives the original graph.
    back = Graph()
    for triple in skolem:
        back.add(tuple(BNode(str(t)[len(GENID) :]) if t in genids else t for t in triple))
    assert canonical_rdflib(back) == canonical_rdflib(plain)
    # The same input gives the same IRIs.
    assert serialize(tricky, "nt", skolemize=True) == serialize(tricky, "nt", skolemize=True)


def test_skolem_iris_survive_unrelated_changes(tmp_path):
    """An evidence record keeps its IRI when other parts of the graph change."""
    base = """@prefix ex: <http://example.org/ns#> .
ex:a ex:evidence [ ex:anchor "kept" ] .
"""
    first = Graph().parse(data=base, format="turtle")
    second = Graph().parse(
        data=base + 'ex:b ex:evidence [ ex:anchor "new" ; ex:n [ ex:m 1 ] ] .\n', format="turtle"
    )
    kept = URIRef("http://example.org/ns#a")
    evidence = URIRef("http://example.org/ns#evidence")

    def iri(graph: Graph) -> URIRef:
        skolem = Graph().parse(data=serialize(graph, "nt", skolemize=True), format="nt")
        return skolem.value(kept, evidence)

    assert iri(first) == iri(second)
    assert str(iri(first)).startswith(GENID)


# --- Property graphs ------------------------------------------------------------------------


def _concepts_and_relations(
    source: kg.KnowledgeGraph,
) -> tuple[set[str], set[tuple[str, str, str]]]:
    """The skos:Concepts and the relation triples between them, straight from rdflib (the
    three modality values, qualifiers of claims, are not drawn)."""
    graph = source.graph
    modality = URIRef("https://w3id.org/ssp-kg/ontology#Modality")
    concepts = {
        str(c)
        for c in graph.subjects(RDF.type, SKOS.Concept)
        if isinstance(c, URIRef) and (c, RDF.type, modality) not in graph
    }
    relations = {
        (str(s), str(p), str(o))
        for s, p, o in graph
        if str(s) in concepts and str(o) in concepts and p != RDF.type
    }
    return concepts, relations


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_property_graph_reads_back_in_networkx(fmt, bundled, tmp_path):
    path = tmp_path / f"out.{fmt}"
    export_graph(bundled, fmt, path)
    read = nx.read_graphml(path, force_multigraph=True) if fmt == "graphml" else nx.read_gexf(path)
    expected = kg.to_networkx(bundled.graph)
    assert read.number_of_nodes() == expected.number_of_nodes()
    assert read.number_of_edges() == expected.number_of_edges()
    concepts, relations = _concepts_and_relations(bundled)
    assert concepts <= set(read.nodes)
    assert len(concepts) > 20
    edges = {(u, data["predicate"], v) for u, v, data in read.edges(data=True)}
    assert relations <= edges
    farmer = next(
        n for n, d in expected.nodes(data=True) if (d.get("class_iri") or "").endswith("#Farmer")
    )
    node = read.nodes[farmer]
    assert node["label"] == expected.nodes[farmer]["label"]
    assert node["iri"] == farmer
    assert int(node["evidence_count"]) == len(expected.nodes[farmer]["evidence"]) > 0
    assert json.loads(node["evidence"]) == expected.nodes[farmer]["evidence"]
    assert node["class_iri"].endswith("#Farmer")


def test_neo4j_csv_headers_ids_and_types(bundled, tmp_path):
    folder = tmp_path / "neo4j"
    export_graph(bundled, "neo4j", folder)
    with open(folder / "nodes.csv", newline="", encoding="utf-8") as handle:
        nodes = list(csv.DictReader(handle))
    with open(folder / "relationships.csv", newline="", encoding="utf-8") as handle:
        relationships = list(csv.DictReader(handle))
    assert "id:ID" in nodes[0] and ":LABEL" in nodes[0] and "evidence_count:long" in nodes[0]
    assert list(relationships[0])[:3] == [":START_ID", ":END_ID", ":TYPE"]
    ids = [row["id:ID"] for row in nodes]
    assert len(ids) == len(set(ids))
    expected = kg.to_networkx(bundled.graph)
    assert len(nodes) == expected.number_of_nodes()
    assert len(relationships) == expected.number_of_edges()
    assert {r[":START_ID"] for r in relationships} | {r[":END_ID"] for r in relationships} <= set(
        ids
    )
    concepts, relations = _concepts_and_relations(bundled)
    by_id = {row["id:ID"]: row for row in nodes}
    farmers = [row for row in nodes if row.get("class_iri", "").endswith("#Farmer")]
    assert farmers and all(
        {"Farmer", "SmallScaleProducer", "Producer"} <= set(row[":LABEL"].split(";"))
        for row in farmers
    )
    assert concepts <= set(by_id)
    types = {(r[":START_ID"], r[":TYPE"], r[":END_ID"]) for r in relationships}
    faces = {(s, o) for s, p, o in relations if p.endswith("#faces")}
    assert faces and all((s, "FACES", o) in types for s, o in faces)
    assert "neo4j-admin database import" in (folder / "README.txt").read_text()


# --- Atomic writes and bad input ------------------------------------------------------------


def test_output_in_a_missing_folder_is_one_line_exit_2(run_kg, tmp_path):
    target = tmp_path / "missing" / "out.ttl"
    result = run_kg("export", "-o", str(target))
    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(f"kg: {target}: folder")
    assert "Traceback" not in result.stderr
    assert not target.parent.exists()


def test_unknown_format_is_one_line_exit_2(run_kg, tmp_path):
    result = run_kg("export", "-f", "yaml", "-o", str(tmp_path / "x.yaml"))
    assert result.code == 2
    assert result.stderr.strip() == (
        "kg: yaml: unknown export format (known: " + ", ".join(FORMATS) + ")"
    )
    assert list(tmp_path.iterdir()) == []


def test_neo4j_to_stdout_is_refused(run_kg):
    result = run_kg("export", "-f", "neo4j")
    assert result.code == 2
    assert "folder" in result.stderr and result.stderr.count("\n") == 1


def test_stdout_export_is_the_same_as_the_file(run_kg, tmp_path):
    fixture = str(FIXTURES / "valid" / "minimal.ttl")
    out = tmp_path / "minimal.nt"
    to_file = run_kg("export", "--data", fixture, "-o", str(out))
    to_stdout = run_kg("export", "--data", fixture, "-f", "nt")
    assert to_file.code == to_stdout.code == 0
    assert out.read_text(encoding="utf-8") == to_stdout.stdout  # format from the suffix


def test_a_failing_serialisation_leaves_the_old_file_and_no_temp_file(run_kg, tmp_path):
    """RDF/XML cannot write a predicate ending in a digit: a real serialiser failure."""
    data = tmp_path / "digits.nt"
    data.write_text('<http://example.org/s> <http://example.org/p/1> "x" .\n', encoding="utf-8")
    out = tmp_path / "out.rdf"
    out.write_text("previous content", encoding="utf-8")
    result = run_kg("export", "--data", str(data), "-f", "xml", "-o", str(out))
    assert result.code == 2
    assert result.stderr.startswith("kg: xml: cannot write this graph:")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert out.read_text(encoding="utf-8") == "previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.nt", "out.rdf"]


def test_rdfxml_keeps_a_carriage_return_in_a_literal(run_kg, tmp_path):
    """An XML parser reads a raw carriage return as a line feed: the export writes &#13;.
    Read back with rdflib (expat, a conforming XML parser) and with ElementTree."""
    import xml.etree.ElementTree as ET

    data = tmp_path / "cr.nt"
    data.write_text(
        '<http://example.org/s> <http://example.org/p> "one\\r\\ntwo\\tthree" .\n',
        encoding="utf-8",
    )
    out = tmp_path / "cr.rdf"
    assert run_kg("export", "--data", str(data), "-f", "xml", "-o", str(out)).code == 0
    assert [str(o) for o in Graph().parse(out, format="xml").objects()] == ["one\r\ntwo\tthree"]
    texts = [e.text for e in ET.parse(out).iter() if e.text and "one" in e.text]
    assert texts == ["one\r\ntwo\tthree"]


def test_rdfxml_refuses_a_character_xml_cannot_carry(run_kg, tmp_path):
    data = tmp_path / "bell.nt"
    data.write_text(
        '<http://example.org/s> <http://example.org/p> "ok" .\n'
        '<http://example.org/s> <http://example.org/q> "ring\\u0007ring" .\n',
        encoding="utf-8",
    )
    out = tmp_path / "bell.rdf"
    result = run_kg("export", "--data", str(data), "-f", "xml", "-o", str(out))
    assert result.code == 2 and not out.exists()
    assert result.stderr == (
        "kg: xml: cannot write this graph: the literal of <http://example.org/s> "
        "<http://example.org/q> holds U+0007, which XML 1.0 cannot carry (use another format)\n"
    )
    turtle = run_kg("export", "--data", str(data), "-f", "turtle")  # Turtle escapes it
    assert turtle.code == 0 and "ring\\u0007ring" in turtle.stdout


def test_a_failure_while_writing_removes_the_temp_file(tmp_path):
    from kg.atomic import atomic_open

    out = tmp_path / "out.ttl"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_open(out) as handle:
        handle.write(b"half of the new content")
        raise RuntimeError("disk full")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_a_failing_neo4j_export_leaves_the_old_folder(bundled, tmp_path, monkeypatch):
    import kg.exports.export as export_module

    folder = tmp_path / "neo4j"
    export_graph(bundled, "neo4j", folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def fail_half_way(network, target):
        (target / "nodes.csv").write_text("partial", encoding="utf-8")
        raise OSError("no space left on device")

    monkeypatch.setattr(export_module, "write_neo4j", fail_half_way)
    with pytest.raises(InputError, match="no space left on device"):  # the OSError, one line
        export_graph(bundled, "neo4j", folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["neo4j"]


def test_export_over_an_existing_file_replaces_it(run_kg, tmp_path):
    out = tmp_path / "out.ttl"
    out.write_text("old", encoding="utf-8")
    result = run_kg("export", "--data", str(FIXTURES / "valid" / "minimal.ttl"), "-o", str(out))
    assert result.code == 0, result
    assert Graph().parse(out, format="turtle")
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_cli_runs_from_any_folder(run_kg, tmp_path):
    result = run_kg("export", "-f", "nt", "--graphs", "ontology", cwd=tmp_path)
    assert result.code == 0
    assert str(REPO) not in result.stdout
    assert "<https://w3id.org/ssp-kg/ontology>" in result.stdout


# The attributes the published GEXF 1.2draft schema allows on <graph> (gephi/gexf,
# specs/1.2draft/data.xsd, graph-content), copied by hand: networkx also writes name="",
# which the schema refuses.
GEXF_GRAPH_ATTRIBUTES = {
    "timeformat", "start", "startopen", "end", "endopen", "defaultedgetype", "idtype", "mode",
}  # fmt: skip


def test_gexf_graph_element_has_only_attributes_the_schema_allows(bundled, tmp_path):
    import xml.etree.ElementTree as ET

    path = tmp_path / "out.gexf"
    export_graph(bundled, "gexf", path)
    root = ET.parse(path).getroot()
    (graph,) = root.findall("{http://www.gexf.net/1.2draft}graph")
    assert set(graph.attrib) <= GEXF_GRAPH_ATTRIBUTES
    assert graph.attrib["defaultedgetype"] == "directed"
