// threatbook site search. Reads the query from ?q=..., matches every word against the
// index in search-index.js (ids, titles, descriptions), and lists the hits. Results are
// built with DOM methods and textContent only: index text is never parsed as HTML.
(function () {
  "use strict";
  // Entries refer to shared text by position: model names in `models`, descriptions
  // (many knowledge-base threats share one) in `texts`.
  var data = window.THREATBOOK_SEARCH || {};
  var index = data.entries || [];
  var texts = data.texts || [];
  var models = data.models || [];
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!status || !list) {
    return;
  }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  var input = document.querySelector("form.search input[name=q]");
  if (input) {
    input.value = query;
  }
  var words = query.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
  if (words.length === 0) {
    status.textContent = "Type a word of an id, a title or a description.";
    return;
  }
  var hits = index.filter(function (entry) {
    var haystack = entry.x === undefined ? entry.s : entry.s + " " + texts[entry.x];
    return words.every(function (w) { return haystack.indexOf(w) !== -1; });
  });
  status.textContent = hits.length + (hits.length === 1 ? " result" : " results") + " for \u201c" + query + "\u201d";
  hits.slice(0, 200).forEach(function (entry) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = entry.u;
    link.textContent = entry.t;
    item.appendChild(link);
    var kind = document.createElement("span");
    kind.className = "kind";
    // A threat names the elements it is on: many threats share one title.
    kind.textContent = entry.k + (entry.e ? " on " + entry.e : "") + " · " + models[entry.m];
    item.appendChild(kind);
    list.appendChild(item);
  });
})();
