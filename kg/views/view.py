"""networkx to one self-contained, offline HTML page (vis-network inlined).

The page needs no network: vis-network and its CSS are inlined from pyvis's bundled copy (read
from pyvis's folder; pyvis itself, which imports IPython, is never imported; its licence
banner kept, without links), the page's own CSS and JS come from ``kg/templates``, and
a Content-Security-Policy forbids any request. Labels and literals travel as JSON in a
``<script type="application/json">`` element and are put on the page with ``textContent`` only.
Positions are computed in Python (:mod:`kg.views.layout`, seeded); up to :data:`LAYOUT_THRESHOLD`
nodes physics refines them and then stops, above it physics is off. Output is deterministic:
sorted nodes and edges, fixed seeds, rounded positions. The legend merges classes with the
same label and, when long, groups one-member classes under "other"; the first view fits the
graph's main connected part, not the fragments laid out around it.
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import re
from collections import Counter, defaultdict
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import networkx as nx

from kg import __version__
from kg.atomic import atomic_write
from kg.views.network import local_name

LAYOUT_THRESHOLD = 1000  # above this many nodes physics is off: positions are only Python's
SEED = 7
BIG_GRAPH_ITERATIONS = 50  # layout steps above LAYOUT_THRESHOLD (no physics refines them)
VIS_VERSION = "9.1.2"
VIS_BANNER = (
    "/*! vis-network {version} (as bundled with pyvis 0.3.2). Copyright (c) 2011-2017 Almende"
    " B.V. and (c) 2017-2019 visjs contributors. Dual licensed under Apache-2.0 and MIT. */"
)
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
FONT_COLOR = "#1f2933"
EDGE_COLOR = {"color": "#c3ccd5", "highlight": "#52606d", "hover": "#52606d", "inherit": False}
EDGE_FONT_COLOR = "#7b8794"
EDGE_HIGHLIGHT = "#52606d"
MAX_LABEL = 34

# Colours by family (the topmost class under the ontology's root), for the ssp ontology first.
FAMILY_COLORS = {
    "Actor": "#f28e2b",
    "Challenge": "#e15759",
    "Technology": "#4e79a7",
    "Outcome": "#59a14f",
    "Capability": "#76b7b2",
    "Practice": "#edc948",
    "Trend": "#ff9da7",
    "SupportMeasure": "#b07aa1",
    "ConsumerValue": "#d37295",
    "ProductCategory": "#9c755f",
    "Context": "#8c97a3",
    "CompetencyQuestion": "#2f4858",
}
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#8c97a3",
    "#2f4858",
    "#d37295",
    "#86bcb6",
    "#fabfd2",
]
SHAPES = ["dot", "diamond", "square", "triangle", "star", "triangleDown", "hexagon"]
LITERAL_STYLE = ("#f5f7fa", "#9aa5b1", "square")


# --- Assets ---------------------------------------------------------------------------------


def _pyvis_folder() -> Path:
    """Where pyvis is installed, found without importing it (it imports IPython)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise RuntimeError("pyvis, whose copy of vis-network the view inlines, is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's JS (banner rewritten without links) and CSS from pyvis's bundled copy."""
    lib = _pyvis_folder().joinpath("templates", "lib", f"vis-{VIS_VERSION}")
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    if js.startswith("/**"):
        js = js[js.index("*/") + 2 :].lstrip("\n")
    js = VIS_BANNER.format(version=VIS_VERSION) + "\n" + js
    # core-js's licence and source links and a uuid error message are plain strings in the
    # bundle, never fetched; written without the scheme, the page's code holds no remote URL.
    js = js.replace("https://github.com/", "github.com/")
    for text, tag in ((js, "</script"), (css, "</style")):
        if tag in text.lower():  # pragma: no cover - a pyvis upgrade would have to be checked
            raise RuntimeError(f"the bundled vis-network asset contains {tag}")
    return js, css


@cache
def _template_text(name: str) -> str:
    return files("kg").joinpath("templates", name).read_text(encoding="utf-8")


def _json_for_script(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' in it, sorted keys."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


# --- Classes: colour, shape, legend ---------------------------------------------------------


def _class_key(data: dict[str, Any]) -> str:
    if data.get("kind") == "literal":
        return "literal"
    return data.get("class_iri") or f"untyped:{data.get('class')}"


OTHER = "other"
OTHER_STYLE = ("#b8c2cc", "#8f9aa5", "dot")
LEGEND_ROOM = 14  # with more classes than this, the one-member ones share an "other" entry


def _legend_groups(counts: Counter[str], labels: dict[str, str]) -> dict[str, str]:
    """Each class key's legend group (a class key, or "other").

    Classes with the same label are one group (synonyms from different vocabularies), named
    by the most common; once there are more than :data:`LEGEND_ROOM` groups, those with one
    member are put together under "other".
    """
    by_label: dict[str, str] = {}
    group: dict[str, str] = {}
    for key in sorted(counts, key=lambda k: (-counts[k], k)):
        group[key] = key if key == "literal" else by_label.setdefault(labels[key].casefold(), key)
    sizes: Counter[str] = Counter()
    for key, n in counts.items():
        sizes[group[key]] += n
    if len(sizes) > LEGEND_ROOM:
        lone = {g for g, n in sizes.items() if n == 1 and g != "literal"}
        if len(lone) > 1:
            group = {k: OTHER if g in lone else g for k, g in group.items()}
    return group


def _classes(nxg: nx.MultiDiGraph) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Legend entries (sorted by family, then label; "other" last) and each class key's index.

    Classes with the same label share an entry (the most common one's colour and IRI);
    one-member classes share "other" when the legend would be long (:func:`_legend_groups`).
    """
    members: Counter[str] = Counter()
    labels: dict[str, str] = {}
    chains: dict[str, list[str]] = {}
    for _node, data in nxg.nodes(data=True):
        key = _class_key(data)
        members[key] += 1
        labels.setdefault(key, str(data.get("class") or "resource"))
        chains.setdefault(key, list(data.get("classes") or []))
    groups = _legend_groups(members, labels)
    counts: Counter[str] = Counter()
    for key, n in members.items():
        counts[groups[key]] += n
    label = {g: labels[g] for g in counts if g != OTHER}
    family = {g: _family(chains[g]) if chains[g] else g for g in label}
    depth = {g: len(chains[g]) for g in label}
    named = [k for k in counts if k != OTHER]
    families = sorted({family[k] for k in named}, key=lambda f: (f == "literal", local_name(f), f))
    colours, cycle = _family_colours(families)
    ordered = sorted(
        named,
        key=lambda k: (families.index(family[k]), depth[k], label[k].casefold(), k),
    )
    entries: list[dict[str, Any]] = []
    seen_in_family: Counter[str] = Counter()
    for key in ordered:
        if key == "literal":
            background, border, shape = LITERAL_STYLE
        else:
            fam = family[key]
            shape = SHAPES[(seen_in_family[fam] + cycle[fam]) % len(SHAPES)]
            seen_in_family[fam] += 1
            background = colours[fam]
            border = _darker(background)
        entries.append(
            {
                "label": label[key],
                "iri": None if key.startswith(("untyped:", "literal")) else key,
                "family": None if key == "literal" else family[key],
                "count": counts[key],
                "color": background,
                "border": border,
                "shape": shape,
            }
        )
    if OTHER in counts:
        background, border, shape = OTHER_STYLE
        lone = sum(1 for g in groups.values() if g == OTHER)
        entries.append(
            {
                "label": f"other ({lone} classes)",
                "iri": None,
                "family": None,
                "count": counts[OTHER],
                "color": background,
                "border": border,
                "shape": shape,
            }
        )
        ordered.append(OTHER)
    position = {key: i for i, key in enumerate(ordered)}
    return entries, {key: position[g] for key, g in groups.items()}


def _family_colours(families: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    """A colour per family (ours by name, then the palette), and how often it was reused.

    Once the palette runs out colours repeat, and the reuse count shifts the shapes instead.
    """
    colours: dict[str, str] = {}
    for family in families:
        wanted = FAMILY_COLORS.get(local_name(family))
        if wanted and wanted not in colours.values():
            colours[family] = wanted
    pool = [c for c in PALETTE if c not in colours.values()]
    cycle = dict.fromkeys(families, 0)
    rest = [f for f in families if f not in colours]
    for i, family in enumerate(rest):
        if i < len(pool):
            colours[family] = pool[i]
        else:
            j = i - len(pool)
            colours[family] = PALETTE[j % len(PALETTE)]
            cycle[family] = 1 + j // len(PALETTE)
    return colours, cycle


def _family(chain: list[str]) -> str:
    """The topmost class of ``chain`` in the same namespace as its first (most specific)."""
    namespace = chain[0][: len(chain[0]) - len(local_name(chain[0]))]
    same = [c for c in chain if c.startswith(namespace)]
    return same[-1]


def _darker(colour: str, factor: float = 0.78) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(c * factor) for c in (r, g, b)))


# --- Nodes and edges ------------------------------------------------------------------------


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _evidence_rows(evidence: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [e.get("section"), e.get("section_title"), e.get("paragraph"), e.get("anchor")]
        for e in evidence or []
    ]


def _size(data: dict[str, Any], degree: int) -> float:
    """A node's size: by degree, or by ``weight`` (a class summary's member count)."""
    weight = data.get("weight")
    if isinstance(weight, int) and weight > 0:
        return round(min(10 + 5 * math.log10(1 + weight), 48), 1)
    return round(min(10 + 4.5 * math.sqrt(degree), 42), 1)


FIRST_VIEW_SHARE = 0.5  # the first fit shows the connected parts holding at least this share


def _first_view(nxg: nx.MultiDiGraph, keys: list[str]) -> list[str]:
    """The nodes the page first zooms to: the graph, not its outliers.

    Isolated nodes and small fragments are laid out around the main part and would make it
    tiny; the first view fits the largest connected parts that together hold at least
    :data:`FIRST_VIEW_SHARE` of the nodes. Empty means all of them.
    """
    if len(keys) < 3:
        return []
    parts = sorted(nx.weakly_connected_components(nxg), key=lambda p: (-len(p), min(p)))
    if len(parts) == 1:
        return []
    chosen: set[str] = set()
    for part in parts:
        if len(part) < 2 or len(chosen) >= FIRST_VIEW_SHARE * len(keys):
            break
        chosen |= part
    if len(chosen) < FIRST_VIEW_SHARE * len(keys):
        return []
    return [key for key in keys if key in chosen]


def _page_data(nxg: nx.MultiDiGraph, physics: bool, seed: int) -> dict[str, Any]:
    classes, class_index = _classes(nxg)
    keys = sorted(nxg.nodes, key=str)
    ids = {key: f"n{i}" for i, key in enumerate(keys)}
    positions: dict[Any, tuple[float, float]] = {}
    if keys:  # a seeded start; physics (small graphs) then only refines it
        from kg.views.layout import force_layout

        rounds = BIG_GRAPH_ITERATIONS if len(keys) > LAYOUT_THRESHOLD else 80
        edges_uv = ((u, v) for u, v in nxg.edges())
        positions = force_layout(keys, edges_uv, seed=seed, scale=110.0, iterations=rounds)
    degree = dict(nxg.degree())
    nodes, info = [], []
    for key in keys:
        data = nxg.nodes[key]
        ci = class_index[_class_key(data)]
        cls = classes[ci]
        label = str(data.get("label") or key)
        item: dict[str, Any] = {
            "id": ids[key],
            "label": _short(label),
            "shape": cls["shape"],
            "size": _size(data, degree.get(key, 0)),
            "color": {
                "background": cls["color"],
                "border": cls["border"],
                "highlight": {"background": cls["color"], "border": FONT_COLOR},
                "hover": {"background": cls["color"], "border": FONT_COLOR},
            },
        }
        if positions:
            x, y = positions[key]
            item["x"], item["y"] = round(x, 1), round(y, 1)
        nodes.append(item)
        literal_pairs = [[str(p), str(v)] for p, v in data.get("literals") or []]
        info.append(
            [
                ci,
                label,
                data.get("definition"),
                _evidence_rows(data.get("evidence") or []),
                data.get("iri") or (key if data.get("kind") == "blank" else None),
                [str(a) for a in data.get("alt_labels") or []],
                literal_pairs,
                str(data.get("class") or "resource"),
            ]
        )
    edges, edge_info = [], []
    raw = sorted(
        nxg.edges(keys=True, data=True),
        key=lambda e: (str(e[0]), str(e[1]), str(e[2])),
    )
    parallel: dict[tuple[str, str], int] = defaultdict(int)
    for u, v, _k, _data in raw:
        parallel[(u, v)] += 1
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for i, (u, v, k, data) in enumerate(raw):
        predicate = str(data.get("predicate") or k)
        item = {
            "id": f"e{i}",
            "from": ids[u],
            "to": ids[v],
            "label": str(data.get("label") or local_name(predicate)),
        }
        if parallel[(u, v)] > 1:
            item["smooth"] = {
                "enabled": True,
                "type": "curvedCW",
                "roundness": round(0.12 + 0.16 * seen[(u, v)], 2),
            }
            seen[(u, v)] += 1
        edges.append(item)
        edge_info.append([predicate, _evidence_rows(data.get("evidence") or [])])
    return {
        "nodes": nodes,
        "edges": edges,
        "fit": [ids[key] for key in _first_view(nxg, keys)],
        "info": info,
        "edgeInfo": edge_info,
        "classes": classes,
        "physics": physics,
        "fontColor": FONT_COLOR,
        "edgeColor": EDGE_COLOR,
        "edgeFontColor": EDGE_FONT_COLOR,
        "edgeHighlight": EDGE_HIGHLIGHT,
    }


def _options(physics: bool, seed: int) -> dict[str, Any]:
    """vis-network options: settle-then-stop physics, or fixed positions for big graphs."""
    return {
        "autoResize": True,
        "layout": {"randomSeed": seed, "improvedLayout": False},
        "nodes": {
            "borderWidth": 1.5,
            "borderWidthSelected": 2.5,
            "font": {
                "face": FONT,
                "size": 16,
                "color": FONT_COLOR,
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "scaling": {"label": {"enabled": False, "drawThreshold": 7}},
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.55}},
            "color": EDGE_COLOR,
            "font": {
                "face": FONT,
                "size": 9,
                "color": EDGE_FONT_COLOR,
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
                "align": "middle",
            },
            "selectionWidth": 1.5,
            "width": 1,
            "smooth": {"enabled": physics, "type": "continuous", "roundness": 0.3},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": not physics,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "multiselect": False,
        },
        "physics": {
            "enabled": physics,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -14000,
                "centralGravity": 0.25,
                "springLength": 170,
                "springConstant": 0.035,
                "damping": 0.45,
                "avoidOverlap": 0.3,
            },
            "maxVelocity": 40,
            "minVelocity": 0.9,
            "stabilization": {
                "enabled": True,
                "iterations": 600,
                "updateInterval": 50,
                "fit": True,
            },
        },
    }


def default_caption(nxg: nx.MultiDiGraph) -> str:
    """Where the graph comes from and how it was scoped, in one line."""
    titles = list(nxg.graph.get("source_titles") or [])
    sources = [s for s in nxg.graph.get("sources") or [] if s != "bundled"]
    if "bundled" in (nxg.graph.get("sources") or []):
        parts = ["The bundled ssp-kg graph"]
    else:
        parts = [", ".join(Path(s).name for s in sources) or "An RDF graph"]
    if titles:
        parts[0] += f", from the article “{titles[0]}”"
    if nxg.graph.get("query"):
        parts.append(f"query {nxg.graph['query']}")
    if nxg.graph.get("focus"):
        focus = nxg.nodes[nxg.graph["focus"]].get("label") or nxg.graph["focus"]
        parts.append(f"within {nxg.graph.get('depth', 1)} of “{focus}”")
    if nxg.graph.get("class_names"):
        parts.append("classes " + ", ".join(nxg.graph["class_names"]))
    return "; ".join(parts) + "."


def render_html(
    nx_graph: nx.MultiDiGraph,
    *,
    title: str = "Knowledge graph",
    caption: str | None = None,
    physics: bool | None = None,
    seed: int = SEED,
) -> str:
    """One self-contained UTF-8 HTML page showing ``nx_graph`` (from :func:`kg.to_networkx`).

    ``physics`` defaults to True up to :data:`LAYOUT_THRESHOLD` nodes (settle, then stop) and
    False above it (positions computed in Python). The same graph gives the same page.
    """
    if physics is None:
        physics = 0 < nx_graph.number_of_nodes() <= LAYOUT_THRESHOLD
    page = _page_data(nx_graph, physics, seed)
    page["options"] = _options(physics, seed)
    vis_js, vis_css = _vis_assets()
    values = {
        "title": title,
        "caption": default_caption(nx_graph) if caption is None else caption,
        "node_count": len(page["nodes"]),
        "edge_count": len(page["edges"]),
        "version": __version__,
    }
    raw = {
        "vis_css": vis_css,
        "app_css": _template_text("view.css"),
        "vis_js": vis_js,
        "app_js": _template_text("view.js"),
        "data_json": _json_for_script(page),
    }
    return _fill(_template_text("view.html"), values, raw)


def _fill(template: str, escaped: dict[str, Any], raw: dict[str, str]) -> str:
    """Put values into ``{{ name }}`` slots: ``escaped`` ones HTML-escaped, ``raw`` ones as is."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in raw:
            return raw[name]
        return html.escape(str(escaped[name]), quote=True)

    return re.sub(r"\{\{ (\w+) \}\}", replace, template)


def write_html(
    nx_graph: nx.MultiDiGraph,
    path: str | Path,
    **options: Any,
) -> Path:
    """Render ``nx_graph`` and write it to ``path`` atomically (UTF-8); return the path."""
    target = Path(path)
    atomic_write(target, render_html(nx_graph, **options))
    return target


class View:
    """A rendered page that shows itself inline in Jupyter (an iframe with ``srcdoc``)."""

    def __init__(self, page: str, height: int = 640) -> None:
        self.html = page
        self.height = height

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #e4e7eb;'
            'border-radius:8px" sandbox="allow-scripts" loading="eager"'
            ' title="Knowledge graph view"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        atomic_write(Path(path), self.html)
        return Path(path)


def display(nx_graph: nx.MultiDiGraph | str, *, height: int = 640, **options: Any) -> View:
    """The view of ``nx_graph`` (or an already rendered page) for a Jupyter cell."""
    page = nx_graph if isinstance(nx_graph, str) else render_html(nx_graph, **options)
    return View(page, height=height)
