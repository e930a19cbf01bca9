"""The Oxigraph fixture really serves the bundled graph over the SPARQL protocol."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request


def test_oxigraph_serves_the_bundled_graph(oxigraph_bundled, bundled):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    request = urllib.request.Request(
        oxigraph_bundled.query_url + "?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.load(response)
    count = int(body["results"]["bindings"][0]["n"]["value"])
    assert count == len(bundled.graph)
