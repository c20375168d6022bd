/* Site search that behaves like the browser's Find, across every indexed page.
   The index (search/data/, written by generator/search.py) lists, for every character and
   every pair of adjacent characters, the pages that contain it. A query's pairs narrow the
   pages down; the stored text of those pages is then checked for the exact query, so every
   result contains it and no page that contains it is left out. Everything it loads is in the
   built folder: search needs no internet, only a web server. */
(function () {
  "use strict";

  var PAGE_SIZE = 20;
  var KIND_ORDER = ["故事", "单位", "活动", "进展", "其他"];

  // One character in, one out (as search_text.fold): full-width Latin and digits to half-width, A–Z to a–z.
  function fold(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
      else if (c === 0x3000) c = 0x20;
      if (c >= 0x41 && c <= 0x5a) c += 32;
      out += String.fromCharCode(c);
    }
    return out;
  }

  function unique(list) {
    return list.filter(function (x, i) { return list.indexOf(x) === i; });
  }

  // The same arithmetic as generator/search.py gram_hash, over code points.
  function gramHash(gram) {
    var h = 0;
    Array.from(gram).forEach(function (ch) { h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0; });
    return h;
  }

  function termGrams(term) {
    var chars = Array.from(term);
    if (chars.length === 1) return chars;
    var grams = [];
    for (var i = 0; i + 1 < chars.length; i++) grams.push(chars[i] + chars[i + 1]);
    return unique(grams);
  }

  function queryTerms(query) {
    return unique(fold(query).split(/\s+/).filter(Boolean));
  }

  function Index(base) {
    var cache = {};
    function load(path) {
      if (!cache[path]) {
        cache[path] = fetch(base + path).then(function (r) {
          if (!r.ok) throw new Error(path + ": " + r.status);
          return r.json();
        });
      }
      return cache[path];
    }
    var folded = {};
    var texts = {};

    this.meta = function () { return load("meta.json"); };

    // Resolve to {terms, hits: [{id, score}]} sorted best first.
    this.search = function (query) {
      var terms = queryTerms(query);
      if (!terms.length) return Promise.resolve({ terms: terms, hits: [] });
      var grams = unique([].concat.apply([], terms.map(termGrams)));
      return this.meta().then(function (meta) {
        var shardIds = unique(grams.map(function (g) { return gramHash(g) % meta.shards; }));
        return Promise.all(shardIds.map(function (n) { return load("grams/" + n + ".json"); })).then(function (shards) {
          var byId = {};
          shardIds.forEach(function (n, i) { byId[n] = shards[i]; });
          var lists = grams.map(function (g) { return byId[gramHash(g) % meta.shards][g] || []; });
          lists.sort(function (a, b) { return a.length - b.length; });
          var candidates = lists[0];
          lists.slice(1).forEach(function (list) {
            var keep = new Set(list);
            candidates = candidates.filter(function (id) { return keep.has(id); });
          });
          var chunks = unique(candidates.map(function (id) { return meta.pages[id].c; }));
          return Promise.all(chunks.map(function (c) { return load("text/" + c + ".json"); })).then(function (loaded) {
            loaded.forEach(function (chunk) {
              chunk.forEach(function (row) {
                if (!(row[0] in texts)) { texts[row[0]] = row[1]; folded[row[0]] = fold(row[1]); }
              });
            });
            var hits = [];
            candidates.forEach(function (id) {
              var text = folded[id];
              if (!terms.every(function (t) { return text.indexOf(t) >= 0; })) return;
              var title = fold(meta.pages[id].t);
              var count = 0;
              terms.forEach(function (t) {
                for (var at = text.indexOf(t); at >= 0 && count < 200; at = text.indexOf(t, at + t.length)) count++;
              });
              var inTitle = terms.every(function (t) { return title.indexOf(t) >= 0; });
              hits.push({ id: id, score: (inTitle ? 1000 : 0) + count * 100 / (text.length + 300) });
            });
            hits.sort(function (a, b) { return b.score - a.score || (meta.pages[a.id].u < meta.pages[b.id].u ? -1 : 1); });
            return { terms: terms, hits: hits };
          });
        });
      });
    };

    this.text = function (id) { return texts[id]; };
    this.folded = function (id) { return folded[id]; };
  }

  // Split `text` into plain and marked pieces: every occurrence of a term is marked.
  function marked(text, foldedText, terms, from, to) {
    var flags = new Uint8Array(to - from);
    terms.forEach(function (t) {
      for (var at = foldedText.indexOf(t, Math.max(0, from - t.length + 1)); at >= 0 && at < to; at = foldedText.indexOf(t, at + 1)) {
        for (var k = Math.max(at, from); k < Math.min(at + t.length, to); k++) flags[k - from] = 1;
      }
    });
    var frag = document.createDocumentFragment();
    var i = 0;
    while (i < flags.length) {
      var j = i;
      while (j < flags.length && flags[j] === flags[i]) j++;
      var piece = document.createTextNode(text.slice(from + i, from + j));
      if (flags[i]) {
        var mark = document.createElement("mark");
        mark.appendChild(piece);
        frag.appendChild(mark);
      } else {
        frag.appendChild(piece);
      }
      i = j;
    }
    return frag;
  }

  function excerpt(text, foldedText, terms) {
    var first = text.length;
    terms.forEach(function (t) { var at = foldedText.indexOf(t); if (at >= 0 && at < first) first = at; });
    var from = Math.max(0, first - 30);
    var to = Math.min(text.length, from + 110);
    var p = document.createElement("p");
    p.className = "excerpt";
    if (from > 0) p.appendChild(document.createTextNode("…"));
    p.appendChild(marked(text, foldedText, terms, from, to));
    if (to < text.length) p.appendChild(document.createTextNode("…"));
    return p;
  }

  function start() {
    var box = document.getElementById("search");
    var form = document.getElementById("search-form");
    if (!box || !form) return;
    var input = form.querySelector("input[name=q]");
    var status = document.getElementById("search-status");
    if (window.location.protocol === "file:") {
      status.classList.add("search-note");
      status.textContent = "直接从文件夹打开网页时无法搜索。请用 gongjian serve 预览，或把 site/public 发布到网站服务器后再搜索。";
      return;
    }
    var root = new URL(box.getAttribute("data-root"), window.location.href).pathname;
    var index = new Index(new URL(box.getAttribute("data-index"), window.location.href).href);
    window.gongjianSearch = {
      // For tests and scripts: the URLs (relative to the site root) of every page the query finds, best first.
      search: function (query) {
        return index.meta().then(function (meta) {
          return index.search(query).then(function (r) { return r.hits.map(function (h) { return meta.pages[h.id].u; }); });
        });
      }
    };

    var params = new URLSearchParams(window.location.search);
    var state = { q: params.get("q") || "", kind: params.get("kind") || "", unit: params.get("unit") || "", year: params.get("year") || "" };
    var shown = PAGE_SIZE;
    var last = null;
    var serial = 0;
    input.value = state.q;

    function matches(page, meta, skip) {
      if (skip !== "kind" && state.kind && page.k !== state.kind) return false;
      if (skip !== "year" && state.year && page.y.indexOf(Number(state.year)) < 0) return false;
      if (skip !== "unit" && state.unit && !page.n.some(function (n) { return meta.units[n][0] === state.unit; })) return false;
      return true;
    }

    function counts(meta, hits, facet, valuesOf) {
      var tally = {};
      hits.forEach(function (h) {
        var page = meta.pages[h.id];
        if (!matches(page, meta, facet)) return;
        tally[""] = (tally[""] || 0) + 1;
        valuesOf(page).forEach(function (v) { tally[v] = (tally[v] || 0) + 1; });
      });
      return tally;
    }

    function radios(name, legend, values, tally, label) {
      var set = document.getElementById("facet-" + name);
      set.textContent = "";
      var title = document.createElement("legend");
      title.textContent = legend;
      set.appendChild(title);
      [""].concat(values).forEach(function (v) {
        var item = document.createElement("label");
        item.className = "chip";
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = name;
        radio.value = v;
        radio.checked = state[name] === v;
        radio.addEventListener("change", function () { state[name] = v; shown = PAGE_SIZE; draw(); });
        item.appendChild(radio);
        var text = document.createElement("span");
        text.className = "label";
        text.textContent = v ? label(v) : "全部";
        item.appendChild(text);
        var n = document.createElement("span");
        n.className = "count";
        n.textContent = String(tally[v] || 0);
        item.appendChild(n);
        set.appendChild(item);
      });
    }

    function draw() {
      var list = document.getElementById("search-results");
      var more = document.getElementById("search-more");
      var facets = document.getElementById("search-facets");
      list.textContent = "";
      if (!last || !last.terms.length) {
        status.textContent = "";
        facets.hidden = true;
        more.hidden = true;
        return;
      }
      var meta = last.meta;
      var hits = last.hits;
      var kindTally = counts(meta, hits, "kind", function (p) { return [p.k]; });
      var yearTally = counts(meta, hits, "year", function (p) { return p.y.map(String); });
      var unitTally = counts(meta, hits, "unit", function (p) { return p.n.map(function (n) { return meta.units[n][0]; }); });
      var kinds = KIND_ORDER.filter(function (k) { return kindTally[k] || state.kind === k; });
      var years = Object.keys(yearTally).filter(Boolean).concat(state.year && !yearTally[state.year] ? [state.year] : []).sort().reverse();
      radios("kind", "类型", kinds, kindTally, function (k) { return k; });
      radios("year", "年份", years, yearTally, function (y) { return y + "年"; });
      var select = document.getElementById("facet-unit");
      select.textContent = "";
      var names = {};
      meta.units.forEach(function (u) { names[u[0]] = u[1]; });
      var units = Object.keys(unitTally).filter(Boolean);
      if (state.unit && !unitTally[state.unit]) units.push(state.unit);
      units.sort(function (a, b) { return (unitTally[b] || 0) - (unitTally[a] || 0) || names[a].localeCompare(names[b], "zh"); });
      [""].concat(units).forEach(function (u) {
        var option = document.createElement("option");
        option.value = u;
        option.textContent = (u ? names[u] || u : "全部单位") + "（" + (unitTally[u] || 0) + "）";
        option.selected = state.unit === u;
        select.appendChild(option);
      });
      facets.hidden = hits.length === 0;

      var chosen = hits.filter(function (h) { return matches(meta.pages[h.id], meta, ""); });
      var quoted = "“" + last.terms.join(" ") + "”";
      if (!hits.length) {
        status.textContent = "没有找到包含" + quoted + "的页面。";
      } else if (chosen.length === hits.length) {
        status.textContent = "包含" + quoted + "的页面共 " + hits.length + " 个。";
      } else {
        status.textContent = "包含" + quoted + "的页面共 " + hits.length + " 个，筛选后 " + chosen.length + " 个。";
      }
      chosen.slice(0, shown).forEach(function (h) {
        var page = meta.pages[h.id];
        var item = document.createElement("li");
        item.className = "result";
        var heading = document.createElement("h2");
        var link = document.createElement("a");
        link.href = root + page.u;
        var title = page.t;
        link.appendChild(marked(title, fold(title), last.terms, 0, title.length));
        heading.appendChild(link);
        item.appendChild(heading);
        var about = document.createElement("p");
        about.className = "result-meta";
        about.textContent = [page.k].concat(page.y.map(function (y) { return y + "年"; })).join(" · ");
        item.appendChild(about);
        item.appendChild(excerpt(index.text(h.id), index.folded(h.id), last.terms));
        list.appendChild(item);
      });
      more.hidden = chosen.length <= shown;
    }

    function remember() {
      var next = new URLSearchParams();
      ["q", "kind", "unit", "year"].forEach(function (k) { if (state[k]) next.set(k, state[k]); });
      var query = next.toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    }

    function run() {
      var mine = ++serial;
      state.q = input.value;
      shown = PAGE_SIZE;
      remember();
      if (!queryTerms(state.q).length) { last = null; draw(); return; }
      status.textContent = "正在搜索……";
      index.meta().then(function (meta) {
        return index.search(state.q).then(function (r) {
          if (mine !== serial) return;
          last = { meta: meta, terms: r.terms, hits: r.hits };
          draw();
        });
      }).catch(function () {
        if (mine === serial) status.textContent = "搜索索引加载失败，请刷新页面再试。";
      });
    }

    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 250); });
    form.addEventListener("submit", function (event) { event.preventDefault(); clearTimeout(timer); run(); });
    document.getElementById("facet-unit").addEventListener("change", function (event) {
      state.unit = event.target.value; shown = PAGE_SIZE; remember(); draw();
    });
    document.getElementById("facet-kind").addEventListener("change", remember);
    document.getElementById("facet-year").addEventListener("change", remember);
    document.getElementById("search-more").addEventListener("click", function () { shown += PAGE_SIZE; draw(); });
    box.hidden = false;
    if (state.q) run();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
