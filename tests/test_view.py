"""The HTML view: offline, deterministic, escaped; and in real headless Chromium, that it works."""

from __future__ import annotations

import html
import json
import random
import re
import time
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

import kg
from kg.errors import InputError
from kg.views.network import to_networkx
from kg.views.view import LAYOUT_THRESHOLD, display, render_html, write_html

from .conftest import ARTIFACTS

KGNS = "https://w3id.org/ssp-kg/id/"
HOSTILE_LABEL = "<img src=x onerror=window.__pwned=1>"
HOSTILE_DEFINITION = "</script><script>window.__pwned=2</script> & more"
# The one URL the page's code holds: the SVG namespace, an identifier that is never fetched.
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}


def data_blob(page: str) -> dict:
    match = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the page has no data element"
    return json.loads(match.group(1))


def without_data(page: str) -> str:
    return re.sub(
        r'<script id="kg-data" type="application/json">.*?</script>', "", page, flags=re.S
    )


def hostile_graph() -> Graph:
    graph = Graph()
    bad, good = URIRef("http://example.org/bad"), URIRef("http://example.org/good")
    graph.add((bad, RDF.type, URIRef("http://example.org/Thing")))
    graph.add((bad, RDFS.label, Literal(HOSTILE_LABEL)))
    graph.add((bad, SKOS.definition, Literal(HOSTILE_DEFINITION)))
    graph.add((bad, URIRef("http://example.org/note"), Literal("<b onmouseover=alert(1)>x</b>")))
    graph.add((good, RDFS.label, Literal("a harmless neighbour")))
    graph.add((bad, URIRef("http://example.org/links"), good))
    return graph


def synthetic(n: int, seed: int = 3) -> nx.MultiDiGraph:
    """A graph shaped like ``to_networkx`` output, with ``n`` nodes in four classes."""
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        klass = f"http://example.org/C{i % 4}"
        g.add_node(
            f"http://example.org/n{i}",
            label=f"node {i}",
            **{"class": f"class {i % 4}"},
            class_iri=klass,
            classes=[klass],
            iri=f"http://example.org/n{i}",
            kind="iri",
            evidence=[],
            alt_labels=[],
            literals=[],
        )
    for i in range(1, n):
        j = rng.randrange(max(0, i - 30), i)
        g.add_edge(f"http://example.org/n{i}", f"http://example.org/n{j}", key="p", label="p")
    return g


@pytest.fixture(scope="module")
def bundled_page(bundled) -> str:
    return render_html(to_networkx(bundled), title="Bundled graph")


# --- The file itself -------------------------------------------------------------------------


def test_page_requests_nothing_from_any_host(bundled_page: str) -> None:
    page = bundled_page
    assert not re.search(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "@import" not in page
    assert "<link" not in page.lower()
    assert not re.search(r"cdnjs|jsdelivr|unpkg|bootstrap", page, re.I)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", without_data(page)))
    assert urls <= ALLOWED_URLS
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert "default-src 'none'" in csp  # the browser is told to refuse any request
    assert "unsafe-eval" not in csp


def test_page_inlines_vis_network_and_the_graph(bundled, bundled_page: str) -> None:
    net = to_networkx(bundled)
    blob = data_blob(bundled_page)
    assert len(blob["nodes"]) == net.number_of_nodes()
    assert len(blob["edges"]) == net.number_of_edges()
    assert "vis-network 9.1.2" in bundled_page
    assert "Dual licensed under Apache-2.0 and MIT" in bundled_page
    assert blob["physics"] is True
    assert blob["options"]["physics"]["enabled"] is True  # refines the seeded start, then stops
    assert all(isinstance(n["x"], float) for n in blob["nodes"])


def test_same_input_same_bytes(tmp_path: Path) -> None:
    first = render_html(to_networkx(kg.load()), title="t")
    second = render_html(to_networkx(kg.load()), title="t")
    assert first == second
    (tmp_path / "data.ttl").write_text(
        "@prefix ex: <http://example.org/> . ex:a ex:p [ ex:q ex:b ] , [ ex:q ex:c ] .",
        encoding="utf-8",
    )
    pages = {render_html(to_networkx(kg.load([tmp_path / "data.ttl"]))) for _ in range(2)}
    assert len(pages) == 1


def test_large_graphs_get_fixed_positions_deterministically() -> None:
    big = synthetic(LAYOUT_THRESHOLD + 50)
    page = render_html(big)
    blob = data_blob(page)
    assert blob["physics"] is False
    assert blob["options"]["physics"]["enabled"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in blob["nodes"])
    assert len({(n["x"], n["y"]) for n in blob["nodes"]}) == len(blob["nodes"])
    assert render_html(big) == page


def test_parallel_edges_are_curved_apart(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("a", label="a")
    g.add_node("b", label="b")
    g.add_edge("a", "b", key="p", predicate="p", label="p")
    g.add_edge("a", "b", key="q", predicate="q", label="q")
    edges = data_blob(render_html(g))["edges"]
    assert [e["label"] for e in edges] == ["p", "q"]
    assert edges[0]["smooth"]["roundness"] != edges[1]["smooth"]["roundness"]


def test_user_text_is_escaped_in_the_file() -> None:
    page = render_html(to_networkx(hostile_graph()), title="<b>title</b>", caption="<i>cap</i>")
    assert HOSTILE_LABEL not in page
    assert "<script>window.__pwned" not in page
    assert "<title>&lt;b&gt;title&lt;/b&gt;</title>" in page
    assert "&lt;i&gt;cap&lt;/i&gt;" in page
    blob = data_blob(page)
    assert HOSTILE_LABEL in [info[1] for info in blob["info"]]


def test_write_html_is_atomic_and_utf8(tmp_path: Path) -> None:
    net = to_networkx(hostile_graph())
    target = write_html(net, tmp_path / "view.html", title="Ünïcode — ok")
    text = target.read_bytes().decode("utf-8")
    assert "Ünïcode — ok" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view.html"]
    with pytest.raises(InputError):
        write_html(net, tmp_path / "missing" / "view.html")
    assert not (tmp_path / "missing").exists()


def test_jupyter_repr_is_an_escaped_srcdoc_iframe(bundled_page: str) -> None:
    shown = display(bundled_page, height=500)._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert shown.count("<") == 2  # the iframe's own tags; the page is all escaped
    inner = re.search(r'srcdoc="([^"]*)"', shown).group(1)
    assert html.unescape(inner) == bundled_page


# --- In a real browser ---------------------------------------------------------------------


def wait_js(target, function: str, arg=None, timeout: float = 120.0) -> None:
    """Poll ``function`` (JS source) in a page or frame until it returns true.

    Playwright's wait_for_function evaluates its predicate with eval, which the page's
    Content-Security-Policy forbids; evaluate() runs through the debugger and is not blocked.
    """
    deadline = time.monotonic() + timeout
    while not target.evaluate(function, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {function}")
        time.sleep(0.05)


READY = "() => !!(window.kgView && window.kgView.ready)"


class Opened:
    """A page opened from a file with every non-file request aborted and recorded."""

    def __init__(self, browser, path: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("dialog", lambda dialog: (self.errors.append("dialog"), dialog.dismiss()))
        self.page.goto(path.resolve().as_uri())
        wait_js(self.page, READY)

    def _route(self, route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def vis_id(self, iri: str) -> str:
        return self.js(
            "iri => { const d = kgView.data; const i = d.info.findIndex(x => x[4] === iri);"
            " return i < 0 ? null : d.nodes[i].id; }",
            iri,
        )

    def hover(self, node_id: str) -> None:
        box = self.page.locator("#kg-network").bounding_box()
        point = self.js(
            "id => network.canvasToDOM(network.getPosition(id))",
            node_id,
        )
        self.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def opened(chromium):
    pages: list[Opened] = []

    def open_(path: Path) -> Opened:
        pages.append(Opened(chromium, path))
        return pages[-1]

    yield open_
    for page in pages:
        page.close()


@pytest.mark.browser
def test_bundled_view_in_chromium(bundled, tmp_path: Path, opened) -> None:
    net = to_networkx(bundled)
    view = opened(write_html(net, tmp_path / "bundled.html", title="Bundled graph"))
    assert view.js("network.body.data.nodes.length") == net.number_of_nodes()
    assert view.js("network.body.data.edges.length") == net.number_of_edges()
    assert view.js("network.physics.options.enabled") is False  # settled, then stopped
    members = Counter(d["class_iri"] for _n, d in net.nodes(data=True))
    lone = [c for c, n in members.items() if n == 1]
    assert len(members) > 14 and len(lone) > 1  # long enough for an "other" entry
    items = view.page.locator("#kg-legend .legend-item")
    assert items.count() == len(members) - len(lone) + 1
    assert items.last.locator(".legend-label").text_content() == f"other ({len(lone)} classes)"
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "view-bundled.png"))
    assert view.requests == []
    assert view.errors == []


@pytest.mark.browser
def test_search_finds_and_focuses_the_node(bundled, tmp_path: Path, opened) -> None:
    net = to_networkx(bundled)
    iri = KGNS + "market-visibility"
    view = opened(write_html(net, tmp_path / "search.html"))
    target = view.vis_id(iri)
    view.page.fill("#kg-search", net.nodes[iri]["label"][:-2])  # a prefix is enough
    assert (
        view.page.locator("#kg-search-results li")
        .first.inner_text()
        .startswith(net.nodes[iri]["label"])
    )
    view.page.press("#kg-search", "Enter")
    assert view.js("network.getSelectedNodes()") == [target]
    wait_js(
        view.page,
        "id => { const p = network.getPosition(id), v = network.getViewPosition();"
        " return Math.hypot(p.x - v.x, p.y - v.y) < 2; }",
        target,
        timeout=10,
    )
    assert net.nodes[iri]["label"] in view.page.locator("#kg-details").inner_text()
    assert view.requests == [] and view.errors == []


@pytest.mark.browser
def test_legend_filter_hides_a_class(bundled, tmp_path: Path, opened) -> None:
    net = to_networkx(bundled)
    view = opened(write_html(net, tmp_path / "filter.html"))
    label = "financial challenge"
    members = {view.vis_id(n) for n, d in net.nodes(data=True) if d["class"] == label}
    assert members
    hidden = "() => network.body.data.nodes.get({filter: n => n.hidden === true}).map(n => n.id)"
    view.page.click(f'.legend-item[data-class="{label}"]')
    assert set(view.js(hidden)) == members
    assert view.page.get_attribute(f'.legend-item[data-class="{label}"]', "aria-pressed") == "false"
    view.page.click("#kg-show-all")
    assert view.js(hidden) == []
    assert view.errors == []


@pytest.mark.browser
def test_click_highlights_the_neighbourhood(bundled, tmp_path: Path, opened) -> None:
    net = to_networkx(bundled)
    center = KGNS + "market-visibility"
    view = opened(write_html(net, tmp_path / "click.html"))
    box = view.page.locator("#kg-network").bounding_box()
    point = view.js("id => network.canvasToDOM(network.getPosition(id))", view.vis_id(center))
    view.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    near = {view.vis_id(n) for n in nx.all_neighbors(net, center)} | {view.vis_id(center)}
    dimmed = set(
        view.js(
            "() => network.body.data.nodes.get({filter: n => n.color.background === '#eef1f4'})"
            ".map(n => n.id)"
        )
    )
    assert dimmed == {view.vis_id(n) for n in net} - near
    assert view.errors == []


@pytest.mark.browser
def test_hostile_label_shows_as_text_and_runs_nothing(tmp_path: Path, opened) -> None:
    net = to_networkx(hostile_graph())
    view = opened(write_html(net, tmp_path / "hostile.html", title=HOSTILE_LABEL))
    bad = view.vis_id("http://example.org/bad")
    view.hover(bad)
    tooltip = view.page.locator("#kg-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    text = tooltip.inner_text()
    assert HOSTILE_LABEL in text
    assert HOSTILE_DEFINITION in text
    assert "<b onmouseover=alert(1)>x</b>" in text
    assert (
        view.page.locator("#kg-tooltip img, #kg-tooltip script, #kg-tooltip b[onmouseover]").count()
        == 0
    )
    view.page.fill("#kg-search", "<img")
    view.page.press("#kg-search", "Enter")
    assert HOSTILE_LABEL in view.page.locator("#kg-details").inner_text()
    assert view.page.title() == HOSTILE_LABEL
    assert view.js("typeof window.__pwned") == "undefined"
    assert view.page.locator("body img").count() == 0
    assert view.requests == [] and view.errors == []


@pytest.mark.browser
def test_large_graph_opens_with_physics_off(tmp_path: Path, opened) -> None:
    big = synthetic(LAYOUT_THRESHOLD + 200)
    view = opened(write_html(big, tmp_path / "big.html"))
    assert view.js("network.body.data.nodes.length") == big.number_of_nodes()
    assert view.js("network.body.data.edges.length") == big.number_of_edges()
    assert view.js("network.physics.options.enabled") is False
    written = data_blob((tmp_path / "big.html").read_text(encoding="utf-8"))["nodes"][-1]
    shown = view.js("id => network.getPosition(id)", written["id"])
    # drawn where Python put it (vis rounds to whole pixels)
    assert abs(shown["x"] - written["x"]) <= 1 and abs(shown["y"] - written["y"]) <= 1
    # search and highlight: on a big graph the neighbourhood is selected, not restyled
    view.page.fill("#kg-search", "node 7")
    view.page.press("#kg-search", "Enter")
    ids = {n: view.vis_id(n) for n in big}
    expected = {ids["http://example.org/n7"]} | {
        ids[n] for n in nx.all_neighbors(big, "http://example.org/n7")
    }
    assert set(view.js("network.getSelectedNodes()")) == expected
    assert view.requests == [] and view.errors == []


@pytest.mark.browser
def test_an_empty_graph_still_opens(tmp_path: Path, opened) -> None:
    view = opened(write_html(nx.MultiDiGraph(), tmp_path / "empty.html"))
    assert view.js("network.body.data.nodes.length") == 0
    assert view.page.locator("#kg-count-nodes").inner_text() == "0"
    assert view.errors == []


@pytest.mark.browser
def test_jupyter_iframe_renders_the_graph(bundled_page: str, chromium) -> None:
    context = chromium.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page.set_content(display(bundled_page)._repr_html_())
    frame = page.frames[1]
    wait_js(frame, READY)
    assert frame.evaluate("network.body.data.nodes.length") == len(data_blob(bundled_page)["nodes"])
    assert requests == []
    context.close()


# --- kg viz --------------------------------------------------------------------------------


def test_kg_viz_writes_the_bundled_view(run_kg, tmp_path: Path, bundled) -> None:
    result = run_kg("viz", "-o", str(tmp_path / "graph.html"))
    assert result.code == 0, result
    net = to_networkx(bundled)
    blob = data_blob((tmp_path / "graph.html").read_text(encoding="utf-8"))
    assert len(blob["nodes"]) == net.number_of_nodes()
    assert f"{net.number_of_nodes()} nodes" in result.stderr
    (tmp_path / "again").mkdir()
    default = run_kg("viz", cwd=tmp_path / "again")  # default output: ./graph.html
    assert default.code == 0, default
    assert (tmp_path / "again" / "graph.html").read_bytes() == (
        tmp_path / "graph.html"
    ).read_bytes()


def test_kg_viz_scopes(run_kg, tmp_path: Path, bundled) -> None:
    out = tmp_path / "focus.html"
    result = run_kg("viz", "--focus", "kg:market-visibility", "--depth", "1", "-o", str(out))
    assert result.code == 0, result
    expected = to_networkx(bundled, focus="kg:market-visibility", depth=1)
    assert len(data_blob(out.read_text(encoding="utf-8"))["nodes"]) == expected.number_of_nodes()
    result = run_kg(
        "viz",
        "--query",
        "concept-neighbourhood",
        "--param",
        "concept=kg:market-visibility",
        "-o",
        str(out),
    )
    assert result.code == 0, result
    shown = {i[4] for i in data_blob(out.read_text(encoding="utf-8"))["info"]}
    assert KGNS + "market-visibility" in shown and len(shown) > 1
    assert shown <= set(expected.nodes)  # the catalogue CONSTRUCT: relations around it
    construct = (
        "PREFIX ssp: <https://w3id.org/ssp-kg/ontology#> "
        "CONSTRUCT { ?s ssp:faces ?o } WHERE { ?s ssp:faces ?o }"
    )
    result = run_kg("viz", "--query", construct, "--classes", "Producer", "-o", str(out))
    assert result.code == 0, result
    blob = data_blob(out.read_text(encoding="utf-8"))
    assert blob["edges"] == []  # only producers are left, and faces links them to challenges
    assert {c["family"] for c in blob["classes"]} == {"https://w3id.org/ssp-kg/ontology#Actor"}


def test_kg_viz_select_shows_the_nodes_it_names(run_kg, tmp_path: Path, bundled) -> None:
    out = tmp_path / "q4.html"
    result = run_kg("viz", "--query", "article-q4", "-o", str(out))
    assert result.code == 0, result
    named = {row["concept"].value for row in kg.query("article-q4", graph=bundled)}
    assert {i[4] for i in data_blob(out.read_text(encoding="utf-8"))["info"]} == named
    assert "query article-q4" in out.read_text(encoding="utf-8")  # the caption says so


def test_kg_viz_on_user_data(run_kg, tmp_path: Path) -> None:
    data = tmp_path / "people.ttl"
    data.write_text(
        "@prefix ex: <http://example.org/> . ex:a ex:knows ex:b . ex:b ex:knows ex:c .",
        encoding="utf-8",
    )
    result = run_kg("viz", "--data", str(data), "-o", "-")
    assert result.code == 0, result
    blob = data_blob(result.stdout)
    assert sorted(i[4] for i in blob["info"]) == [f"http://example.org/{x}" for x in "abc"]
    assert "people.ttl" in result.stdout


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--focus", "market visibilty"], "kg: market visibilty: "),
        (["--classes", "Chalenge"], "kg: Chalenge: no such class"),
        (["--query", "ASK { ?s ?p ?o }"], "kg: ASK { ?s ?p ?o }: is an ASK query"),
        (["--data", "missing.ttl"], "kg: missing.ttl: no such file"),
        (["--param", "concept=kg:x"], "kg: --param: only applies to a --query"),
        (["--depth", "2"], "kg: --depth: only applies with --focus"),
        (["--query", "concept-neighbourhood"], "kg: concept-neighbourhood: missing required"),
        (["--max-nodes", "0"], "kg: "),
    ],
)
def test_kg_viz_bad_input_is_one_line(run_kg, tmp_path: Path, args, where) -> None:
    result = run_kg("viz", *args, "-o", str(tmp_path / "out.html"), cwd=tmp_path)
    assert result.code == 2, result
    assert result.stderr.startswith(where)
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.html").exists()


def test_kg_viz_missing_output_folder(run_kg, tmp_path: Path) -> None:
    result = run_kg("viz", "-o", str(tmp_path / "nope" / "graph.html"))
    assert result.code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.browser
def test_benchmark_smoke(chromium, tmp_path: Path) -> None:
    """The view benchmark runs end to end at a tiny size (its timings are not asserted)."""
    import subprocess
    import sys

    from .conftest import REPO

    completed = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "bench_viz.py"),
            "--nodes",
            "30",
            "--no-baseline",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    row = next(line for line in completed.stdout.splitlines() if line.startswith("| kg viz |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "30"  # nodes
    assert all(re.fullmatch(r"\d+\.\d\d", c) for c in cells[3:6] + cells[7:9])  # timings
    assert cells[9] == "0"  # no request attempted


# --- Foreign graphs: legend, first view, size limits, blank nodes ------------------------


def classed(nodes: dict[str, tuple[str, str]], edges=()) -> nx.MultiDiGraph:
    """A to_networkx-shaped graph: node -> (class IRI, class label)."""
    g = nx.MultiDiGraph()
    for key, (klass, label) in nodes.items():
        g.add_node(
            key,
            label=key,
            **{"class": label},
            class_iri=klass,
            classes=[klass],
            kind="iri",
            iri=key,
            evidence=[],
            alt_labels=[],
            literals=[],
        )
    for u, v in edges:
        g.add_edge(u, v, key="p", label="p")
    return g


def test_legend_merges_same_label_classes_and_groups_lone_ones() -> None:
    nodes = {f"a{i}": ("http://one.example/Valve", "Valve") for i in range(3)}
    nodes |= {f"b{i}": ("http://two.example/Valve", "valve") for i in range(2)}
    nodes |= {f"c{i}": ("http://one.example/Pump", "Pump") for i in range(2)}
    nodes |= {f"lone{i}": (f"http://one.example/L{i}", f"lone class {i}") for i in range(14)}
    blob = data_blob(render_html(classed(nodes)))
    entries = [(c["label"], c["count"]) for c in blob["classes"]]
    assert ("Valve", 5) in entries  # both namespaces' Valve in one entry
    assert ("Pump", 2) in entries
    assert entries[-1] == ("other (14 classes)", 14)
    assert len(entries) == 3
    other = len(entries) - 1
    info = {blob["nodes"][i]["label"]: row for i, row in enumerate(blob["info"])}
    assert info["lone3"][0] == other and info["lone3"][7] == "lone class 3"


def test_a_short_legend_keeps_every_class() -> None:
    nodes = {f"lone{i}": (f"http://one.example/L{i}", f"lone class {i}") for i in range(5)}
    blob = data_blob(render_html(classed(nodes)))
    assert sorted(c["label"] for c in blob["classes"]) == [f"lone class {i}" for i in range(5)]


def test_first_view_fits_the_main_part_not_the_outliers() -> None:
    main = {f"m{i}": ("http://x.example/C", "C") for i in range(6)}
    outliers = {f"z{i}": ("http://x.example/C", "C") for i in range(3)}
    net = classed(main | outliers, [(f"m{i}", f"m{i + 1}") for i in range(5)])
    blob = data_blob(render_html(net))
    fitted = {blob["nodes"][int(i[1:])]["label"] for i in blob["fit"]}
    assert fitted == set(main)
    connected = classed(main, [(f"m{i}", f"m{i + 1}") for i in range(5)])
    assert data_blob(render_html(connected))["fit"] == []  # one part: fit everything


def test_kg_viz_leaves_out_what_it_cannot_draw_and_says_so(run_kg, tmp_path: Path) -> None:
    data = tmp_path / "star.nt"
    data.write_text(
        "".join(
            f"<http://example.org/hub> <http://example.org/p> <http://example.org/l{i}> .\n"
            for i in range(40)
        ),
        encoding="utf-8",
    )
    result = run_kg("viz", "--data", str(data), "--max-nodes", "10", "-o", "-")
    assert result.code == 0, result
    assert len(data_blob(result.stdout)["nodes"]) == 10
    notes = [line for line in result.stderr.splitlines() if line.startswith("kg: viz:")]
    assert notes == [
        "kg: viz: drew 10 of 41 nodes (the most connected and their neighbours), leaving out "
        "31 nodes and 31 edges; --max-nodes N draws more"
    ]


BLANKS = """
@prefix ex: <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Unit rdfs:subClassOf [ owl:onProperty ex:hasPart ; owl:someValuesFrom ex:Valve ] ,
    [ owl:onProperty ex:hasPart ; owl:allValuesFrom ex:Part ] ;
  ex:parts ( ex:a ex:b [ ex:name "inner" ] ) .
"""


def test_kg_viz_of_blank_nodes_is_byte_identical_across_runs(run_kg, tmp_path: Path) -> None:
    data = tmp_path / "blanks.ttl"
    data.write_text(BLANKS, encoding="utf-8")
    pages = [run_kg("viz", "--data", str(data), "-o", "-").stdout for _ in range(2)]
    assert pages[0] == pages[1]
    labels = sorted(i[1] for i in data_blob(pages[0])["info"] if i[4].startswith("_:"))
    assert labels == [
        "(a, b, [name: inner])",
        "[name: inner]",
        "hasPart only Part",
        "hasPart some Valve",
    ]
    hidden = run_kg("viz", "--data", str(data), "--no-blank-nodes", "-o", "-")
    # the restrictions become labelled edges; the list and its members are left out
    blob = data_blob(hidden.stdout)
    assert sorted(i[4] for i in blob["info"]) == [
        "http://example.org/Part",
        "http://example.org/Unit",
        "http://example.org/Valve",
    ]
    assert sorted(e["label"] for e in blob["edges"]) == ["hasPart only", "hasPart some"]


def test_kg_viz_schema_on_a_vocabulary(run_kg, tmp_path: Path) -> None:
    data = tmp_path / "vocab.ttl"
    data.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "skos:Concept a owl:Class . skos:broader a owl:ObjectProperty ;\n"
        "  rdfs:domain skos:Concept ; rdfs:range skos:Concept .\n",
        encoding="utf-8",
    )
    plain = run_kg("viz", "--data", str(data), "-o", str(tmp_path / "plain.html"))
    assert plain.code == 0, plain
    assert "kg: viz: the data defines 2 classes and properties; --schema draws them" in (
        plain.stderr
    )
    schema = run_kg("viz", "--data", str(data), "--schema", "-o", "-")
    blob = data_blob(schema.stdout)
    assert sorted(i[4] for i in blob["info"]) == [
        "http://www.w3.org/2004/02/skos/core#Concept",
        "http://www.w3.org/2004/02/skos/core#broader",
    ]
    assert sorted(e["label"] for e in blob["edges"]) == ["domain", "range"]


def test_a_viz_query_sees_the_graphs_kg_query_sees(tmp_path: Path) -> None:
    """Both commands merge the bundled files into one default graph (the README's loading
    rule): a query naming the data file's graph finds nothing in either."""
    from .conftest import kg_process

    text = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/ssp-kg/data> { ?s ?p ?o } }"
    queried = kg_process("query", text, "-f", "nt")
    drawn = kg_process("viz", "-o", str(tmp_path / "g.html"), "--query", text)
    assert queried.returncode == 0 and queried.stdout == "", queried
    assert drawn.returncode == 0 and "(0 nodes, 0 edges)" in drawn.stderr, drawn
