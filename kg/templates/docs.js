/* kg docs: the search box. Names come from search-index.js and are set with textContent only. */
(function () {
  "use strict";

  var items = window.KG_DOCS_INDEX || [];
  var root = document.body.getAttribute("data-root") || "";
  var search = document.getElementById("kg-search");
  var results = document.getElementById("kg-search-results");
  var current = [];
  var active = -1;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // Each hit: [score, label, item index, the alternative label it matched or null].
  function matches(query) {
    var q = query.trim().toLowerCase();
    if (!q) { return []; }
    var hits = [];
    items.forEach(function (item, i) {
      var names = [item[1]].concat(item[2]);
      var best = null;
      names.forEach(function (name, j) {
        var at = name.toLowerCase().indexOf(q);
        if (at < 0) { return; }
        var score = (name.toLowerCase() === q ? 0 : at === 0 ? 1 : 2) + (j === 0 ? 0 : 3);
        if (best === null || score < best[0]) { best = [score, item[1].toLowerCase(), i, j === 0 ? null : name]; }
      });
      if (best !== null) { hits.push(best); }
    });
    hits.sort(function (a, b) {
      return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2]);
    });
    return hits.slice(0, 15);
  }

  function go(hit) {
    window.location.href = root + items[hit[2]][0];
  }

  function render() {
    results.replaceChildren();
    if (!search.value.trim()) { close(); return; }
    if (!current.length) { results.appendChild(el("li", "empty", "Nothing matches")); }
    current.forEach(function (hit, k) {
      var item = items[hit[2]];
      var li = el("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", k === active ? "true" : "false");
      li.setAttribute("data-href", item[0]);
      li.appendChild(el("span", "kind", item[3]));
      li.appendChild(el("span", "label", item[1]));
      if (hit[3] !== null) { li.appendChild(el("span", "alt", "also called " + hit[3])); }
      li.addEventListener("mousedown", function (event) { event.preventDefault(); go(hit); });
      results.appendChild(li);
    });
    results.hidden = false;
    search.setAttribute("aria-expanded", "true");
  }

  function close() {
    results.hidden = true;
    search.setAttribute("aria-expanded", "false");
  }

  search.addEventListener("input", function () {
    current = matches(search.value);
    active = current.length ? 0 : -1;
    render();
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!current.length) { return; }
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : current.length - 1)) % current.length;
      render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!current.length) { current = matches(search.value); active = current.length ? 0 : -1; }
      if (active >= 0) { go(current[active]); } else { render(); }
    } else if (event.key === "Escape") {
      close();
    }
  });
  search.addEventListener("blur", close);
  document.documentElement.setAttribute("data-ready", "true");
})();
