"""The property-graph exports read by tools outside our stack.

- Kuzu (PyPI `kuzu`, an embedded graph database with Cypher) loads `kg export --format kuzu`
  with its own IMPORT DATABASE, and Cypher answers article-q4 and a concept's neighbourhood
  with the rows SPARQL (`kg query`) gives. Only `kuzu` is imported here: never its fork
  `real_ladybug` in the same process (the two native libraries crash together).
- python-igraph reads the GraphML export.
- The GEXF export is checked against the rules of the GEXF 1.2 format it declares: no
  package on PyPI or Debian ships the published GEXF XSD (see test_gexf_follows_the_format).
  gexfpy's xsdata bindings, generated from that XSD, also parse it strictly, which catches
  unknown elements and badly typed attributes but not everything the XSD would
  (see test_gexfpy_parses_the_gexf_strictly).
- The Neo4j CSV headers follow the `neo4j-admin database import` header format. No Neo4j
  runs here (it is in neither PyPI nor Debian), so nothing loads that folder for real.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, kg_process, require

KG = "https://w3id.org/ssp-kg/id/"
# Figures of the bundled graph's property graph, the same in every reader below: the 170
# concepts of data/ and the 5 questions; the 261 relations, 17 skos:broader links and 19
# ssp:answeredBy links (counted with rdflib over data/*.ttl; the modality values live in
# the ontology and are not drawn).
NODES, EDGES = 175, 297
# The relations concept-neighbourhood.rq follows (its VALUES list).
SSP = "https://w3id.org/ssp-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
NEIGHBOUR_PREDICATES = [
    SSP + name
    for name in [
        "faces",
        "mitigates",
        "hinders",
        "aggravates",
        "adopts",
        "hasCapability",
        "enables",
        "contributesTo",
        "favours",
        "produces",
        "appealsTo",
        "operatesIn",
        "provides",
    ]
] + [SKOS + "related", SKOS + "broader"]


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return kg_process(*args, timeout=300)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("property-graphs")
    paths = {
        "kuzu": folder / "kuzu",
        "neo4j": folder / "neo4j",
        "graphml": folder / "graph.graphml",
        "gexf": folder / "graph.gexf",
    }
    for fmt, path in paths.items():
        done = kg("export", "-f", fmt, "-o", str(path))
        assert done.returncode == 0, done.stderr
    return paths


# --- Kuzu -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kuzu_db(exported, tmp_path_factory):
    try:
        import kuzu
    except ImportError:
        require(False, "Kuzu (pip install kuzu)")
    location = tmp_path_factory.mktemp("kuzu-db") / "db"
    database = kuzu.Database(str(location))
    connection = kuzu.Connection(database)
    connection.execute(f"IMPORT DATABASE '{exported['kuzu']}'")

    def cypher(query: str, parameters: dict | None = None) -> list[list]:
        result = connection.execute(query, parameters or {})
        rows = []
        while result.has_next():
            rows.append(result.get_next())
        return rows

    yield cypher
    connection.close()
    database.close()


def sparql_rows(*args: str) -> list[list[str]]:
    done = kg("query", *args, "-f", "json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    names = answer["head"]["vars"]
    return [[b[n]["value"] for n in names] for b in answer["results"]["bindings"]]


def test_kuzu_folder_holds_schema_copy_script_and_csv(exported):
    folder = exported["kuzu"]
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        ".kg-export",
        "README.txt",
        "copy.cypher",
        "nodes.csv",
        "relationships.csv",
        "schema.cypher",
    ]
    schema = (folder / "schema.cypher").read_text(encoding="utf-8")
    assert "CREATE NODE TABLE `Resource`" in schema and "PRIMARY KEY (`id`)" in schema
    assert "CREATE REL TABLE `Relation` (FROM `Resource` TO `Resource`" in schema


def test_kuzu_loads_every_node_and_relation(kuzu_db):
    assert kuzu_db("MATCH (n:Resource) RETURN count(*)") == [[NODES]]
    assert kuzu_db("MATCH ()-[r:Relation]->() RETURN count(*)") == [[EDGES]]
    # Evidence stays JSON text that parses back.
    [[evidence]] = kuzu_db(
        "MATCH (n:Resource {id: $id}) RETURN n.evidence", {"id": KG + "market-visibility"}
    )
    assert all("anchor" in item for item in json.loads(evidence))


def test_kuzu_answers_article_q4_as_sparql(kuzu_db):
    rows = kuzu_db(
        "MATCH (q:Resource {identifier: 'article-q4'})-[r:Relation]->(c:Resource) "
        "WHERE r.type = 'ANSWERED_BY' "
        "RETURN c.id, c.label, c.`class` ORDER BY c.label"
    )
    assert rows == sparql_rows("article-q4")
    # The article's four challenges small producers face in going global.
    expected = (REPO / "tests" / "queries" / "article-q4.csv").read_text().splitlines()[1:]
    assert sorted((KG + line.split(",")[0][3:], line.split(",")[1]) for line in expected) == (
        sorted((row[0], row[2]) for row in rows)
    )
    assert len(rows) == 4


@pytest.mark.parametrize("concept", ["limited-access-to-financing", "digital-technology"])
def test_kuzu_neighbourhood_is_the_sparql_neighbourhood(kuzu_db, concept):
    rows = kuzu_db(
        "MATCH (a:Resource)-[r:Relation]->(b:Resource) "
        "WHERE (a.id = $c OR b.id = $c) AND list_contains($predicates, r.predicate) "
        "RETURN a.id, r.predicate, b.id",
        {"c": KG + concept, "predicates": NEIGHBOUR_PREDICATES},
    )
    from rdflib import Graph

    done = kg("query", "concept-neighbourhood", "--param", f"concept={KG}{concept}", "-f", "nt")
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(data=done.stdout, format="nt")
    triples = sorted([str(s), str(p), str(o)] for s, p, o in graph if str(p) != SKOS + "prefLabel")
    assert len(triples) >= 3
    assert sorted(rows) == triples


# --- Neo4j CSV headers (neo4j-admin database import) ---------------------------------------

# The header format of `neo4j-admin database import`: a property column is `name` or
# `name:type` (type one of these, `[]` for an array); nodes have `:ID` (optionally
# `name:ID` or `:ID(IdSpace)`) and `:LABEL`; relationships `:START_ID`, `:END_ID`, `:TYPE`.
NEO4J_TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string"}
NEO4J_TYPES |= {"point", "date", "localtime", "time", "localdatetime", "datetime", "duration"}


def neo4j_column_ok(column: str) -> bool:
    name, colon, kind = column.partition(":")
    if not colon:
        return bool(name)
    if kind in ("ID", "LABEL", "START_ID", "END_ID", "TYPE", "IGNORE"):
        return True
    if re.fullmatch(r"(ID|START_ID|END_ID)\(\w+\)", kind):
        return True
    return bool(name) and kind.removesuffix("[]") in NEO4J_TYPES


def test_neo4j_headers_follow_the_import_tool_format(exported):
    with open(exported["neo4j"] / "nodes.csv", encoding="utf-8", newline="") as handle:
        nodes = list(csv.reader(handle))
    with open(exported["neo4j"] / "relationships.csv", encoding="utf-8", newline="") as handle:
        relationships = list(csv.reader(handle))
    assert all(neo4j_column_ok(c) for c in nodes[0]), nodes[0]
    assert all(neo4j_column_ok(c) for c in relationships[0]), relationships[0]
    assert nodes[0][0] == "id:ID" and nodes[0][-1] == ":LABEL"
    assert relationships[0][:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert (len(nodes) - 1, len(relationships) - 1) == (NODES, EDGES)
    # Arrays and multiple labels use the tool's default array delimiter, ";".
    row = next(r for r in nodes if r[0] == KG + "limited-access-to-financing")
    assert "Challenge" in row[-1].split(";")
    # No field spans lines: the import runs without --multiline-fields.
    assert not any("\n" in field for row in nodes + relationships for field in row)
    ids = {row[0] for row in nodes[1:]}
    assert all(row[0] in ids and row[1] in ids for row in relationships[1:])


SEMICOLONS = """
@prefix ex:   <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
ex:smith a ex:Person ; rdfs:label "Smith" ; skos:altLabel "Smith; John" , "J. Smith" .
ex:Person rdfs:subClassOf ex:Agent .
"""


def test_neo4j_list_items_holding_a_semicolon_use_another_delimiter(tmp_path):
    """neo4j-admin splits arrays (and :LABEL) on --array-delimiter, with no escape: an item
    holding ";" moves every list to "|", and README.txt's command names it."""
    data = tmp_path / "smith.ttl"
    data.write_text(SEMICOLONS, encoding="utf-8")
    out = tmp_path / "neo4j"
    assert kg("export", "--data", str(data), "-f", "neo4j", "-o", str(out)).returncode == 0
    with open(out / "nodes.csv", encoding="utf-8", newline="") as handle:
        rows = {row["id:ID"]: row for row in csv.DictReader(handle)}
    smith = rows["http://example.org/smith"]
    assert smith["alt_labels:string[]"].split("|") == ["J. Smith", "Smith; John"]
    assert smith[":LABEL"].split("|") == ["Agent", "Person"]
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert (
        "neo4j-admin database import full neo4j --nodes=nodes.csv "
        "--relationships=relationships.csv --array-delimiter='|'\n"
    ) in readme
    assert 'use "|" between items' in readme


# --- GraphML through igraph ---------------------------------------------------------------


def test_igraph_reads_the_graphml(exported):
    try:
        import igraph
    except ImportError:
        require(False, "python-igraph (pip install igraph)")
    graph = igraph.Graph.Read_GraphML(str(exported["graphml"]))
    assert graph.is_directed()
    assert (graph.vcount(), graph.ecount()) == (NODES, EDGES)
    by_id = {v["id"]: v for v in graph.vs}
    financing = by_id[KG + "limited-access-to-financing"]
    assert financing["label"] == "limited access to financing"
    assert financing["class"] == "financial challenge"
    assert financing["evidence_count"] >= 1
    edges = {(graph.vs[e.source]["id"], e["predicate"], graph.vs[e.target]["id"]) for e in graph.es}
    assert (
        KG + "question-4",
        SSP + "answeredBy",
        KG + "limited-access-to-financing",
    ) in edges
    assert len(edges) == EDGES


# --- GEXF -----------------------------------------------------------------------------------

GEXF_NS = "http://www.gexf.net/1.2draft"
GEXF_TYPES = {"integer", "long", "double", "float", "boolean", "string", "liststring", "anyURI"}


def test_gexf_follows_the_format(exported):
    """The GEXF 1.2 rules, checked with the standard library's XML parser.

    The published XSDs (gexf.net) are not in any PyPI or Debian package (searched: gexfpy,
    pygexf, simplegexf, gephipy; `apt-file search` for gexf .xsd files), and the tests have
    no network, so the structure the schema fixes is checked here instead.
    """
    from xml.etree import ElementTree as etree

    root = etree.parse(str(exported["gexf"])).getroot()
    q = f"{{{GEXF_NS}}}"
    assert root.tag == q + "gexf" and root.get("version") == "1.2"
    children = [child.tag for child in root]
    assert children == [q + "meta", q + "graph"]
    graph = root.find(q + "graph")
    assert graph.get("defaultedgetype") in ("directed", "undirected", "mutual")
    assert graph.get("mode", "static") in ("static", "dynamic")
    declared: dict[str, dict[str, str]] = {}
    for attributes in graph.findall(q + "attributes"):
        assert attributes.get("class") in ("node", "edge")
        for attribute in attributes.findall(q + "attribute"):
            assert attribute.get("type") in GEXF_TYPES
            assert attribute.get("title")
            declared.setdefault(attributes.get("class"), {})[attribute.get("id")] = attribute.get(
                "type"
            )
    nodes = graph.find(q + "nodes").findall(q + "node")
    edges = graph.find(q + "edges").findall(q + "edge")
    assert (len(nodes), len(edges)) == (NODES, EDGES)
    ids = [node.get("id") for node in nodes]
    assert len(set(ids)) == len(ids)
    edge_ids = [edge.get("id") for edge in edges]
    assert len(set(edge_ids)) == len(edge_ids)
    for kind, elements in (("node", nodes), ("edge", edges)):
        for element in elements:
            for value in element.iter(q + "attvalue"):
                expected = declared[kind][value.get("for")]
                if expected in ("integer", "long"):
                    int(value.get("value"))
                elif expected in ("double", "float"):
                    float(value.get("value"))
                elif expected == "boolean":
                    assert value.get("value") in ("true", "false")
    known = set(ids)
    assert all(edge.get("source") in known and edge.get("target") in known for edge in edges)
    labels = {node.get("id"): node.get("label") for node in nodes}
    assert labels[KG + "market-visibility"] == "limited market visibility"


# --- GEXF through gexfpy (xsdata bindings of the GEXF 1.2draft XSD) ------------------------
#
# gexfpy 0.1.1 is xsdata 21.9 dataclasses generated from the published 1.2draft XSD and
# reassembled by hand: its viz elements (color, position, size, shape, thickness) are bound in
# the main GEXF namespace, not viz's, so it refuses a Gephi file with viz:color (the export
# writes none). xsdata 21.9's strict parser refuses an element the bindings do not have
# where it stands, and, with fail_on_converter_warnings, an attribute value its type refuses
# (enumerations, numbers, dates). It does not check unknown attributes (dropped silently;
# fail_on_unknown_attributes came in later xsdata, which gexfpy's pin excludes), required
# attributes or elements, the order of elements, text where the XSD allows none, the root's
# name, or a missing version (the binding fills in "1.2"). Nor does it check what no single
# value shows: an attvalue matching its attribute's declared type (the bindings, like the XSD,
# type the value as text), unique ids, edges between declared nodes.
# test_gexf_follows_the_format checks the version, the root, ids, edge ends and attvalue
# types, and test_export's test_gexf_graph_element_has_only_attributes_the_schema_allows
# the attributes of <graph>.

GEXF_HEAD = f'<gexf xmlns="{GEXF_NS}" version="1.2">'


EDGE = '<edge id="0" source="a" target="b" />'


def gexf_document(graph: str = "<graph>", node: str = '<node id="a" />', edge: str = EDGE) -> str:
    """A small GEXF document the strict parser accepts, with one part replaced."""
    return (
        f'{GEXF_HEAD}{graph}<attributes class="node">'
        '<attribute id="0" title="n" type="integer" /></attributes>'
        f'<nodes>{node}<node id="b" /></nodes><edges>{edge}</edges></graph></gexf>'
    )


# What the strict parser refuses: each breaks the published XSD.
GEXF_REFUSED = {
    "unknown element": gexf_document(node='<node id="a"><colour /></node>'),
    "element in another namespace": gexf_document(node='<node id="a"><x:y xmlns:x="u:x" /></node>'),
    "defaultedgetype outside its enumeration": gexf_document('<graph defaultedgetype="sideways">'),
    "edge weight not a float": gexf_document(edge=EDGE.replace(" />", ' weight="heavy" />')),
    "attribute type outside its enumeration": gexf_document().replace("integer", "number"),
    "version not 1.2": gexf_document().replace('version="1.2"', 'version="1.3"'),
}  # fmt: skip
# What it lets through, four of them against the XSD (see the comment above GEXF_HEAD).
GEXF_PASSED = {
    "unknown attribute on <graph>": gexf_document('<graph name="">'),
    "edge without its source": gexf_document(edge='<edge id="0" target="b" />'),
    "no version": gexf_document().replace(' version="1.2"', ""),
    "text inside <graph>": gexf_document().replace("</edges>", "</edges>text"),
    # Outside the XSD as well: an integer attribute's value that is not an integer.
    "attvalue of the wrong type": gexf_document(
        node='<node id="a"><attvalues><attvalue for="0" value="many" /></attvalues></node>'
    ),
}


@pytest.fixture(scope="module")
def gexfpy_parse():
    try:
        from gexfpy import Gexf
        from xsdata.formats.dataclass.parsers import XmlParser
        from xsdata.formats.dataclass.parsers.config import ParserConfig
    except ImportError:
        require(False, "gexfpy (pip install gexfpy==0.1.1)")
    config = ParserConfig(fail_on_unknown_properties=True, fail_on_converter_warnings=True)
    return lambda text: XmlParser(config=config).from_string(text, Gexf)


def test_gexfpy_parses_the_gexf_strictly(exported, gexfpy_parse):
    """gexfpy's bindings of the GEXF 1.2draft XSD read the export with xsdata's strict parser.

    Checked: every element is one the schema has where it stands, and every attribute value
    the bindings type (enumerations, numbers, dates) converts to that type; then the counts
    and one node and edge read back. Not checked (see the comment above GEXF_HEAD): unknown
    or missing attributes, element order, the version; test_gexf_follows_the_format checks
    what of that matters for the export.
    """
    gexf = gexfpy_parse(exported["gexf"].read_text(encoding="utf-8"))
    assert gexf.graph.defaultedgetype.value == "directed"
    nodes = [node for block in gexf.graph.nodes for node in block.node]
    edges = [edge for block in gexf.graph.edges for edge in block.edge]
    assert (len(nodes), len(edges)) == (NODES, EDGES)
    titles = {
        kind: {str(a.id): a.title for block in gexf.graph.attributes
               if block.class_value.value == kind for a in block.attribute}
        for kind in ("node", "edge")
    }  # fmt: skip
    types = {
        a.title: a.type.value
        for block in gexf.graph.attributes
        if block.class_value.value == "node"
        for a in block.attribute
    }
    assert types["evidence_count"] == "long" and types["class"] == "string"

    def values(element, kind):
        return {
            titles[kind][str(v.for_value)]: v.value
            for block in element.attvalues
            for v in block.attvalue
        }

    visibility = next(node for node in nodes if node.id == KG + "market-visibility")
    assert visibility.label == "limited market visibility"
    attributes = values(visibility, "node")
    assert attributes["class"] == "market-access challenge"
    assert attributes["class_iri"] == SSP + "MarketAccessChallenge"
    assert attributes["classes"].split(" | ") == [SSP + "MarketAccessChallenge", SSP + "Challenge"]
    assert int(attributes["evidence_count"]) == len(json.loads(attributes["evidence"])) == 2
    answered = [
        edge
        for edge in edges
        if (edge.source, edge.target) == (KG + "question-4", KG + "limited-access-to-financing")
    ]
    assert [values(edge, "edge")["predicate"] for edge in answered] == [SSP + "answeredBy"]


@pytest.mark.parametrize("case", sorted(GEXF_REFUSED))
def test_gexfpy_strict_parser_refuses_gexf_the_schema_refuses(gexfpy_parse, case):
    from xsdata.exceptions import ParserError

    gexfpy_parse(gexf_document())  # the document the cases break is itself accepted
    with pytest.raises(ParserError):
        gexfpy_parse(GEXF_REFUSED[case])


@pytest.mark.parametrize("case", sorted(GEXF_PASSED))
def test_gexfpy_strict_parser_misses_what_the_comment_says(gexfpy_parse, case):
    # If one of these starts failing, the comment above GEXF_HEAD and the README are wrong.
    assert gexfpy_parse(GEXF_PASSED[case]).graph is not None


def test_kuzu_export_is_byte_identical_and_replaces_only_its_own_folder(exported, tmp_path):
    again = tmp_path / "again"
    assert kg("export", "-f", "kuzu", "-o", str(again)).returncode == 0
    assert kg("export", "-f", "kuzu", "-o", str(again)).returncode == 0  # replaces its own
    first = {p.name: p.read_bytes() for p in Path(exported["kuzu"]).iterdir()}
    second = {p.name: p.read_bytes() for p in again.iterdir()}
    assert first == second
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    refused = kg("export", "-f", "kuzu", "-o", str(foreign))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "kg did not write" in refused.stderr
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
    to_stdout = kg("export", "-f", "kuzu")
    assert to_stdout.returncode == 2 and "give it with -o" in to_stdout.stderr


def test_kuzu_loads_awkward_text_and_blank_nodes(tmp_path):
    try:
        import kuzu
    except ImportError:
        require(False, "Kuzu (pip install kuzu)")
    from .test_export import TRICKY

    source = tmp_path / "tricky.ttl"
    source.write_text(TRICKY, encoding="utf-8")
    folder = tmp_path / "kuzu"
    done = kg("export", "--data", str(source), "-f", "kuzu", "-o", str(folder))
    assert done.returncode == 0, done.stderr
    database = kuzu.Database(str(tmp_path / "db"))
    connection = kuzu.Connection(database)
    connection.execute(f"IMPORT DATABASE '{folder}'")
    # ex:thing, ex:first, the other item, and 11 blank nodes: 3 list cells, [ex:third 3],
    # two evidence nodes and the 2- and 3-cycles. 13 relations: items, 2 rest, 2 first (the
    # second item, "second", is a literal), 2 evidence, other, and the 5 cycle links.
    assert connection.execute("MATCH (n:Resource) RETURN count(*)").get_next() == [14]
    assert connection.execute("MATCH ()-[r:Relation]->() RETURN count(*)").get_next() == [13]
    note = connection.execute(
        "MATCH (n:Resource {id: 'http://example.org/ns#thing'}) RETURN n.note"
    ).get_next()
    assert note == ['two\nlines, a "quote", a back\\slash and a tab\t']
    connection.close()
    database.close()
