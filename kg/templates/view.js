/* kg viz: search, class filter, neighbourhood highlight and tooltips around vis-network.
 * Every string from the graph is put on the page with textContent, never as HTML. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var DIM_NODE = { background: "#eef1f4", border: "#dfe3e8" };
  var DIM_FONT = "rgba(123,135,148,0.16)";
  var EDGE_COLOR = data.edgeColor;

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);

  var index = {};
  data.nodes.forEach(function (node, i) { index[node.id] = i; });
  var edgeIndex = {};
  data.edges.forEach(function (edge, i) { edgeIndex[edge.id] = i; });
  var hiddenClasses = {};
  var highlighted = null;

  var view = { network: network, nodes: nodes, edges: edges, ready: false, data: data };
  window.kgView = view;
  window.network = network;

  function markReady() {
    if (view.ready) { return; }
    view.ready = true;
    document.getElementById("kg-loading").classList.add("done");
    document.documentElement.setAttribute("data-ready", "true");
    focusFromHash();
  }

  // A link such as view.html#focus=<IRI, percent-encoded> (kg docs) opens on that node.
  function focusFromHash() {
    var match = /^#focus=(.+)$/.exec(window.location.hash);
    if (!match) { return; }
    var iri;
    try { iri = decodeURIComponent(match[1]); } catch (error) { return; }
    for (var i = 0; i < data.info.length; i++) {
      if (data.info[i][4] === iri) { focusNode(data.nodes[i].id); return; }
    }
  }
  window.addEventListener("hashchange", function () { if (view.ready) { focusFromHash(); } });

  // The first view fits the graph's main part, not the outliers laid out around it.
  function firstFit() {
    if (data.fit.length) {
      network.fit({ nodes: data.fit, animation: false });
    } else {
      network.fit({ animation: false });
    }
  }

  if (data.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      firstFit();
      network.once("afterDrawing", markReady);
      network.redraw();
    });
  } else {
    firstFit();
    network.once("afterDrawing", markReady);
  }

  // --- Building text safely -------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function swatch(cls) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("class", "swatch");
    svg.setAttribute("aria-hidden", "true");
    var shape;
    var s = cls.shape;
    if (s === "dot") {
      shape = document.createElementNS(ns, "circle");
      shape.setAttribute("cx", "8"); shape.setAttribute("cy", "8"); shape.setAttribute("r", "6");
    } else {
      shape = document.createElementNS(ns, "polygon");
      shape.setAttribute("points", SHAPES[s] || SHAPES.square);
    }
    shape.setAttribute("fill", cls.color);
    shape.setAttribute("stroke", cls.border);
    shape.setAttribute("stroke-width", "1.2");
    svg.appendChild(shape);
    return svg;
  }

  var SHAPES = {
    diamond: "8,1.5 14.5,8 8,14.5 1.5,8",
    square: "2.5,2.5 13.5,2.5 13.5,13.5 2.5,13.5",
    triangle: "8,1.8 14.5,13.5 1.5,13.5",
    triangleDown: "1.5,2.5 14.5,2.5 8,14.2",
    star: "8,1 9.9,5.9 15,6.1 11,9.3 12.4,14.5 8,11.5 3.6,14.5 5,9.3 1,6.1 6.1,5.9",
    hexagon: "8,1.5 13.6,4.75 13.6,11.25 8,14.5 2.4,11.25 2.4,4.75"
  };

  function where(ev) {
    var parts = [];
    if (ev[0] !== null) { parts.push("§" + ev[0] + (ev[1] ? " " + ev[1] : "")); }
    if (ev[2] !== null) { parts.push("¶" + ev[2]); }
    return parts.join(", ");
  }

  function evidenceList(evidence) {
    var list = el("ul", "info-evidence");
    evidence.forEach(function (ev) {
      var item = el("li");
      if (ev[3] !== null) { item.appendChild(el("q", null, ev[3])); item.appendChild(document.createTextNode(" ")); }
      item.appendChild(el("span", "info-where", where(ev)));
      list.appendChild(item);
    });
    return list;
  }

  function nodeInfo(id) {
    var i = index[id];
    var info = data.info[i];
    var cls = data.classes[info[0]];
    var box = el("div", "info");
    var type = el("div", "info-type");
    type.appendChild(swatch(cls));
    type.appendChild(el("span", null, cls.iri === null && info[7] ? info[7] : cls.label));
    box.appendChild(type);
    box.appendChild(el("div", "info-title", info[1]));
    if (info[2]) { box.appendChild(el("p", "info-definition", info[2])); }
    if (info[5].length) {
      box.appendChild(el("div", "info-section", "Also called"));
      box.appendChild(el("div", null, info[5].join(" · ")));
    }
    if (info[6].length) {
      var lits = el("ul", "info-literals");
      info[6].forEach(function (pair) {
        var item = el("li");
        item.appendChild(el("b", null, pair[0] + ": "));
        item.appendChild(document.createTextNode(pair[1]));
        lits.appendChild(item);
      });
      box.appendChild(lits);
    }
    if (info[3].length) {
      box.appendChild(el("div", "info-section", "Evidence in the article"));
      box.appendChild(evidenceList(info[3]));
    }
    if (info[4]) { box.appendChild(el("p", "info-iri", info[4])); }
    return box;
  }

  function edgeInfo(id) {
    var i = edgeIndex[id];
    var edge = data.edges[i];
    var info = data.edgeInfo[i];
    var box = el("div", "info");
    box.appendChild(el("div", "info-type", "Relation"));
    var title = el("div", "info-title");
    title.textContent = data.info[index[edge.from]][1] + " → " + edge.label + " → " +
      data.info[index[edge.to]][1];
    box.appendChild(title);
    if (info[1].length) {
      box.appendChild(el("div", "info-section", "Evidence in the article"));
      box.appendChild(evidenceList(info[1]));
    }
    box.appendChild(el("p", "info-iri", info[0]));
    return box;
  }

  // --- Tooltip ----------------------------------------------------------------------------

  var tooltip = document.getElementById("kg-tooltip");
  var stage = tooltip.parentNode;

  function showTooltip(content, pointer) {
    tooltip.replaceChildren(content);
    tooltip.hidden = false;
    var x = pointer.x + 16;
    var y = pointer.y + 16;
    var w = tooltip.offsetWidth;
    var h = tooltip.offsetHeight;
    if (x + w > stage.clientWidth - 8) { x = Math.max(8, pointer.x - w - 16); }
    if (y + h > stage.clientHeight - 8) { y = Math.max(8, pointer.y - h - 16); }
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }

  function hideTooltip() { tooltip.hidden = true; }

  network.on("hoverNode", function (params) { showTooltip(nodeInfo(params.node), params.pointer.DOM); });
  network.on("blurNode", hideTooltip);
  network.on("hoverEdge", function (params) { showTooltip(edgeInfo(params.edge), params.pointer.DOM); });
  network.on("blurEdge", hideTooltip);
  network.on("dragStart", hideTooltip);
  network.on("zoom", hideTooltip);

  // --- Neighbourhood highlight ------------------------------------------------------------

  function highlight(id) {
    highlighted = id;
    if (!data.physics) {
      // Big graphs: select the neighbourhood instead of restyling every node and edge.
      if (id !== null) {
        network.setSelection(
          { nodes: [id].concat(network.getConnectedNodes(id)), edges: network.getConnectedEdges(id) },
          { unselectAll: true, highlightEdges: false }
        );
      }
      return;
    }
    if (id === null) {
      nodes.update(data.nodes.map(function (n) { return { id: n.id, color: n.color, font: { color: data.fontColor, strokeWidth: 3 } }; }));
      edges.update(data.edges.map(function (e) { return { id: e.id, color: EDGE_COLOR, font: { color: data.edgeFontColor, strokeWidth: 3 } }; }));
      return;
    }
    var near = {};
    near[id] = true;
    network.getConnectedNodes(id).forEach(function (n) { near[n] = true; });
    var connected = {};
    network.getConnectedEdges(id).forEach(function (e) { connected[e] = true; });
    nodes.update(data.nodes.map(function (n) {
      return near[n.id]
        ? { id: n.id, color: n.color, font: { color: data.fontColor, strokeWidth: 3 } }
        : { id: n.id, color: DIM_NODE, font: { color: DIM_FONT, strokeWidth: 0 } };
    }));
    edges.update(data.edges.map(function (e) {
      return connected[e.id]
        ? { id: e.id, color: { color: data.edgeHighlight, highlight: data.edgeHighlight, hover: data.edgeHighlight }, font: { color: data.edgeFontColor, strokeWidth: 3 } }
        : { id: e.id, color: { color: "rgba(184,194,204,0.18)", highlight: data.edgeHighlight, hover: data.edgeHighlight }, font: { color: "rgba(0,0,0,0)", strokeWidth: 0 } };
    }));
  }

  var details = document.getElementById("kg-details");
  var detailsBody = document.getElementById("kg-details-body");

  function select(id) {
    if (id === null) {
      network.unselectAll();
      highlight(null);
      details.hidden = true;
      return;
    }
    network.selectNodes([id]);
    highlight(id);
    detailsBody.replaceChildren(nodeInfo(id));
    details.hidden = false;
  }

  network.on("click", function (params) {
    hideTooltip();
    select(params.nodes.length ? params.nodes[0] : null);
  });
  document.getElementById("kg-clear").addEventListener("click", function () { select(null); });

  // --- Class filter (the legend) ---------------------------------------------------------

  var legend = document.getElementById("kg-legend");
  var buttons = [];
  data.classes.forEach(function (cls, ci) {
    var item = el("li");
    var button = el("button", "legend-item");
    button.type = "button";
    button.setAttribute("aria-pressed", "true");
    button.setAttribute("data-class", cls.label);
    button.appendChild(swatch(cls));
    button.appendChild(el("span", "legend-label", cls.label));
    button.appendChild(el("span", "legend-count", cls.count));
    button.addEventListener("click", function () { setClass(ci, !!hiddenClasses[ci]); });
    item.appendChild(button);
    legend.appendChild(item);
    buttons.push(button);
  });

  function setClass(ci, visible) {
    if (visible) { delete hiddenClasses[ci]; } else { hiddenClasses[ci] = true; }
    buttons[ci].setAttribute("aria-pressed", visible ? "true" : "false");
    var changes = [];
    data.nodes.forEach(function (n, i) {
      if (data.info[i][0] === ci) { changes.push({ id: n.id, hidden: !visible }); }
    });
    nodes.update(changes);
    if (!visible && highlighted !== null && data.info[index[highlighted]][0] === ci) { select(null); }
  }
  view.setClass = setClass;

  document.getElementById("kg-show-all").addEventListener("click", function () {
    Object.keys(hiddenClasses).forEach(function (ci) { setClass(Number(ci), true); });
  });

  // --- Search -----------------------------------------------------------------------------

  var search = document.getElementById("kg-search");
  var results = document.getElementById("kg-search-results");
  var names = data.info.map(function (info) {
    return [info[1]].concat(info[5]).concat(info[4] ? [info[4]] : []).map(function (s) { return s.toLowerCase(); });
  });
  var current = [];
  var active = -1;

  function matches(query) {
    var q = query.trim().toLowerCase();
    if (!q) { return []; }
    var scored = [];
    names.forEach(function (list, i) {
      var best = 9;
      list.forEach(function (name, j) {
        var at = name.indexOf(q);
        if (at < 0) { return; }
        var score = (name === q ? 0 : at === 0 ? 1 : 2) + (j === 0 ? 0 : 3);
        if (score < best) { best = score; }
      });
      if (best < 9) { scored.push([best, data.info[i][1].toLowerCase(), i]); }
    });
    scored.sort(function (a, b) { return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2]); });
    return scored.slice(0, 12).map(function (s) { return s[2]; });
  }

  function renderResults() {
    results.replaceChildren();
    if (!search.value.trim()) { results.hidden = true; search.setAttribute("aria-expanded", "false"); return; }
    if (!current.length) {
      results.appendChild(el("li", "empty", "No node matches"));
    }
    current.forEach(function (i, k) {
      var info = data.info[i];
      var item = el("li");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", k === active ? "true" : "false");
      item.appendChild(swatch(data.classes[info[0]]));
      item.appendChild(el("span", null, info[1]));
      item.appendChild(el("span", "result-class", data.classes[info[0]].label));
      item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
      results.appendChild(item);
    });
    results.hidden = false;
    search.setAttribute("aria-expanded", "true");
  }

  function focusNode(id) {
    var ci = data.info[index[id]][0];
    if (hiddenClasses[ci]) { setClass(ci, true); }
    select(id);
    // Zoom so that the node's neighbourhood fits, centred on the node itself.
    var before = { position: network.getViewPosition(), scale: network.getScale() };
    network.fit({ nodes: [id].concat(network.getConnectedNodes(id)), animation: false });
    var scale = Math.min(Math.max(network.getScale() * 0.85, 0.45), 1.4);
    network.moveTo({ position: before.position, scale: before.scale, animation: false });
    // Animate on small graphs only: each frame of a big one is a full, costly redraw.
    var animation = data.physics ? { duration: 450, easingFunction: "easeInOutQuad" } : false;
    network.focus(id, { scale: scale, animation: animation });
  }
  view.focusNode = focusNode;

  function choose(i) {
    search.value = data.info[i][1];
    current = [];
    active = -1;
    results.hidden = true;
    search.setAttribute("aria-expanded", "false");
    focusNode(data.nodes[i].id);
  }

  search.addEventListener("input", function () {
    current = matches(search.value);
    active = current.length ? 0 : -1;
    renderResults();
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!current.length) { return; }
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : current.length - 1)) % current.length;
      renderResults();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!current.length) { current = matches(search.value); active = current.length ? 0 : -1; }
      if (active >= 0) { choose(current[active]); } else { renderResults(); }
    } else if (event.key === "Escape") {
      results.hidden = true;
      search.setAttribute("aria-expanded", "false");
    }
  });
  search.addEventListener("blur", function () { results.hidden = true; search.setAttribute("aria-expanded", "false"); });
})();
