"""Catalogue queries for any graph, the prefixes a file declares, and honest empty answers.

Expected answers are worked out by hand from ``tests/fixtures/generic/vehicles.ttl`` (a
small ontology written for these tests; its ``schema:`` is http://schema.org/, where kg's
built-in ``schema:`` is https://schema.org/).
"""

from __future__ import annotations

import csv
import io

import pytest

from .conftest import FIXTURES

VEHICLES = str(FIXTURES / "generic" / "vehicles.ttl")
V = "http://example.org/vehicles#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _rows(result) -> list[list[str]]:
    assert result.code == 0, result
    return list(csv.reader(io.StringIO(result.stdout)))


def test_class_hierarchy_lists_iri_subclass_links_with_the_first_label(run_kg):
    rows = _rows(run_kg("query", "class-hierarchy", "--data", VEHICLES, "--format", "csv"))
    assert rows[0] == ["class", "classLabel", "superclass", "superclassLabel"]
    assert sorted(map(tuple, rows[1:])) == sorted(
        [
            (V + "Vehicle", "Fahrzeug", "http://schema.org/Thing", ""),
            (V + "Car", "Car", V + "Vehicle", "Fahrzeug"),
            (V + "Bicycle", "Bicycle", V + "Vehicle", "Fahrzeug"),
            (V + "Cargo_Bike", "Cargo bike", V + "Bicycle", "Bicycle"),
            (V + "Place", "", "http://schema.org/Thing", ""),
        ]
    )


def test_class_hierarchy_under_a_root_given_with_the_files_own_prefix(run_kg):
    under = _rows(
        run_kg("query", "class-hierarchy", "--data", VEHICLES, "--param", "root=v:Vehicle",
               "--format", "csv")
    )
    assert sorted(row[0] for row in under[1:]) == [V + "Bicycle", V + "Car", V + "Cargo_Bike"]
    # schema: is the file's http://schema.org/ here, not kg's https one: every link is under it.
    everything = _rows(
        run_kg("query", "class-hierarchy", "--data", VEHICLES, "--param", "root=schema:Thing",
               "--format", "csv")
    )
    assert len(everything) - 1 == 5


def test_resource_search_finds_the_text_in_every_label_property_in_order(run_kg):
    rows = _rows(
        run_kg("query", "resource-search", "--data", VEHICLES, "--param", "text=CAR",
               "--format", "csv")
    )
    assert rows[1:] == [
        [V + "Car", "Car", SKOS + "prefLabel"],
        [V + "Cargo_Bike", "Cargo bike", "http://purl.org/dc/terms/title"],
        [V + "myCar", "my red car", RDFS + "label"],
        [V + "myBike", "the old car-free bike", SKOS + "altLabel"],
    ]


def test_most_linked_counts_links_both_ways_without_types_literals_or_blank_nodes(run_kg):
    rows = _rows(
        run_kg("query", "most-linked", "--data", VEHICLES, "--param", "min=2", "--format", "csv")
    )
    assert rows[1:] == [
        [V + "Vehicle", "Fahrzeug", "3"],
        [V + "alice", "", "3"],
        [V + "Bicycle", "Bicycle", "2"],
        [V + "Car", "Car", "2"],
        [V + "garage", "Garage", "2"],
        [V + "myBike", "", "2"],
        [V + "myCar", "my red car", "2"],
        ["http://schema.org/Thing", "", "2"],
    ]


def test_property_usage_counts_triples_and_subjects_per_property(run_kg):
    rows = _rows(run_kg("query", "property-usage", "--data", VEHICLES, "--format", "csv"))
    assert rows[1:] == [
        [RDFS + "subClassOf", "6", "5"],
        ["http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "4", "4"],
        [RDFS + "label", "4", "3"],
        [V + "owner", "2", "2"],
        [V + "parkedAt", "2", "2"],
        [V + "knows", "1", "1"],
        ["http://purl.org/dc/terms/title", "1", "1"],
        ["http://schema.org/name", "1", "1"],
        [SKOS + "altLabel", "1", "1"],
        [SKOS + "prefLabel", "1", "1"],
    ]
    assert sum(int(row[1]) for row in rows[1:]) == 23  # every triple of the file


def test_a_files_prefix_wins_in_query_text_with_a_note(run_kg):
    result = run_kg(
        "query", "SELECT ?c WHERE { ?c rdfs:subClassOf schema:Thing }", "--data", VEHICLES,
        "--format", "csv",
    )
    assert sorted(_rows(result)[1:]) == [[V + "Place"], [V + "Vehicle"]]
    assert result.stderr.count("\n") == 1
    assert "kg: note: schema: means <http://schema.org/>" in result.stderr


def test_a_printed_prefixed_name_reads_back_in_a_query(run_kg):
    table = run_kg("query", "SELECT ?o WHERE { v:myCar v:parkedAt ?o }", "--data", VEHICLES,
                   "--format", "table")
    assert table.code == 0, table
    assert "v:garage" in table.stdout
    again = run_kg("query", "ASK { v:myCar v:parkedAt v:garage }", "--data", VEHICLES)
    assert again.code == 0 and again.stdout.strip() == "true"


def test_a_query_without_a_file_prefix_names_it(run_kg):
    result = run_kg("query", "SELECT * WHERE { ?s brick:x ?o }", "--data", VEHICLES)
    assert result.code == 2
    assert "unknown prefix 'brick:'" in result.stderr


@pytest.mark.parametrize(
    "name, vocabulary",
    [("article-q4", "ssp"), ("challenge-mitigations", "ssp"), ("skos-hierarchy", "skos")],
)
def test_an_empty_answer_on_data_without_the_vocabulary_says_so(run_kg, tmp_path, name, vocabulary):
    plain = tmp_path / "plain.ttl"
    plain.write_text("<http://e/a> <http://e/p> <http://e/b> .\n", encoding="utf-8")
    result = run_kg("query", name, "--data", str(plain), "--format", "csv")
    assert result.code == 0, result
    assert f"kg: note: {name} is written for the {vocabulary}: vocabulary" in result.stderr


def test_no_note_when_the_data_uses_the_vocabulary(run_kg):
    # The bundled graph uses skos; under a leaf concept the hierarchy is empty.
    result = run_kg("query", "skos-hierarchy", "--param", "root=kg:agility", "--format", "csv")
    assert result.code == 0, result
    assert result.stdout.strip() == "concept,conceptLabel,broader,broaderLabel"
    assert result.stderr == ""


def test_skos_hierarchy_falls_back_to_rdfs_labels(run_kg, tmp_path):
    data = tmp_path / "thesaurus.ttl"
    data.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<http://e/valve> skos:broader <http://e/equipment> ; rdfs:label \"Valve\" .\n"
        "<http://e/pump> skos:broader <http://e/equipment> .\n"
        "<http://e/equipment> skos:prefLabel \"Equipment\" ; rdfs:label \"Kit\" .\n",
        encoding="utf-8",
    )
    rows = _rows(run_kg("query", "skos-hierarchy", "--data", str(data), "--format", "csv"))
    assert sorted(rows[1:]) == [
        ["http://e/pump", "", "http://e/equipment", "Equipment"],
        ["http://e/valve", "Valve", "http://e/equipment", "Equipment"],
    ]
