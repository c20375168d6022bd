// The ledger grid: rows from the data/*.js files, shown a page at a time in a real <table>, with filters,
// find, sort, totals and CSV download; the state is kept in the address (#unit=…&q=…) so a link can be sent.
// Our own small grid rather than a library: a plain table keeps screen readers and axe happy, the page needs
// no download from outside, and filtering 12,000 rows is a loop (see docs/internal.md and docs/benchmarks.md).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("grid-config").textContent);
  var FIELDS = config.fields;
  var PAGE = 100;
  var raw = window.GJ_DATA || [];
  var unitName = {}, unitRank = {};
  var rows = [];
  raw.forEach(function (part) {
    if (part[0] !== "units") return;
    part[1].forEach(function (r, i) { unitName[r[0]] = r[1]; unitRank[r[0]] = i; });
  });
  function shape(table, r) {
    var o = {}, names = FIELDS[table];
    for (var i = 0; i < names.length; i++) o[names[i]] = r[i];
    if (table === "branches") {
      o.unitName = unitName[o.unit] || o.unit;
      o.state = o.paired ? "已对接" : "尚未对接";
      o.reasonText = o.reason === "unpaired" ? "尚未对接" : (o.reason === "inactive" ? "近期无活动" : "");
      o.rank = unitRank[o.unit];
    } else if (table === "activities") {
      o.unitName = o.units.map(function (u) { return unitName[u] || u; }).join("、");
      o.unit = o.units;
      o.branchText = o.branches.map(function (b) { return b[1]; }).join("、");
      o.villageText = o.villages.join("、");
    } else if (table === "units") {
      o.unit = o.id;
      o.unitName = o.name;
      o.rank = unitRank[o.id];
    }
    return o;
  }
  raw.forEach(function (part) {
    if (part[0] !== config.table) return;
    part[1].forEach(function (r) { rows.push(shape(config.table, r)); });
  });
  if (config.only === "lagging") rows = rows.filter(function (r) { return r.reason; });
  rows.sort(function (a, b) {  // the built order: units in their official order, then by id (activities newest first)
    if (config.table === "activities") return a.date < b.date ? 1 : a.date > b.date ? -1 : (a.id < b.id ? 1 : -1);
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (config.only === "lagging") {  // the longest silent first, as on the printed list
      var da = a.days === null ? Infinity : a.days, db = b.days === null ? Infinity : b.days;
      if (da !== db) return db - da;
    }
    return a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
  });
  rows.forEach(function (r, i) { r.order = i; });

  var root = document.getElementById("grid");
  var table = root.querySelector("table");
  var status = root.querySelector(".grid-status");
  var pager = root.querySelector(".grid-pager");
  var controls = {};
  var state = { q: "", sort: "", dir: "", page: 1 };
  var shown = rows;

  function number(v) {
    if (v === null || v === undefined || v === "") return "—";
    var s = Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0+$/, "").replace(/\.$/, "");
    var p = s.split("."); p[0] = p[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return p.join(".");
  }
  function yuan(v) { return v === null || v === undefined ? "—" : number(Math.round(v * 100) / 100) + " 元"; }
  function day(v) {
    if (!v) return "—";
    var p = v.split("-");
    return p[0] + "年" + Number(p[1]) + "月" + Number(p[2]) + "日";
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function unitHref(u, anchor) { return "units/" + u + ".html" + (anchor ? "#" + anchor : ""); }

  // What a cell shows, what it sorts by, and what goes into the CSV.
  var KINDS = {
    text: { value: function (r, c) { return r[c.key]; } },
    num: { value: function (r, c) { return r[c.key]; }, show: function (v) { return number(v); } },
    money: { value: function (r, c) { return r[c.key]; }, show: function (v) { return yuan(v); } },
    rate: { value: function (r, c) { return r[c.key]; },
            show: function (v, r) { return r.branches ? (v * 100).toFixed(1) + "%" : "—"; } },
    date: { value: function (r, c) { return r[c.key]; }, show: function (v) { return day(v); } },
    days: { value: function (r, c) { return r[c.key] === null ? 100000 : r[c.key]; },
            show: function (v, r) { return r.last ? number(r.days) + " 天" : "无活动记录"; } }
  };
  function cell(r, c) {
    var td = el("td", { "class": c.num ? "num" : (c.cls || null) });
    var kind = KINDS[c.kind], v = kind.value(r, c);
    if (c.key === "unitName" && config.table !== "activities") {
      td.appendChild(el("a", { href: unitHref(r.unit) }, r.unitName));
    } else if (c.key === "name" && config.table === "branches") {
      td.appendChild(el("a", { href: unitHref(r.unit, "b-" + r.id) }, r.name));
    } else if (c.key === "branchText") {
      r.branches.forEach(function (b, i) {
        if (i) td.appendChild(document.createTextNode("、"));
        td.appendChild(el("a", { href: unitHref(b[2], "b-" + b[0]) }, b[1]));
      });
    } else if (c.key === "village") {
      td.textContent = r.village || "—";
      if (r.village) td.appendChild(el("span", { "class": "sub" }, (r.county || "") + (r.town || "")));
    } else if (c.key === "secretary") {
      td.textContent = r.secretary || "—";
      if (r.phone && !c.plain) td.appendChild(el("span", { "class": "sub" }, r.phone));
    } else if (c.key === "reasonText") {
      if (r.reason) td.appendChild(el("span", { "class": "flag " + r.reason }, r.reasonText));
    } else {
      td.textContent = kind.show ? kind.show(v, r) : (v === null || v === undefined || v === "" ? "—" : v);
    }
    return td;
  }

  // --- filters and find ---------------------------------------------------------------------------------------
  function matches(r) {
    for (var i = 0; i < config.filters.length; i++) {
      var f = config.filters[i], want = state[f.key];
      if (!want) continue;
      if (f.kind === "from") { if (r.date < want) return false; continue; }
      if (f.kind === "to") { if (r.date > want) return false; continue; }
      var have = r[f.field];
      if (Array.isArray(have) ? have.indexOf(want) < 0 : String(have === null ? "" : have) !== want) return false;
    }
    if (state.q) {
      var q = state.q.toLowerCase(), hit = false;
      for (var j = 0; j < config.find.length && !hit; j++) {
        var t = r[config.find[j]];
        hit = t !== null && t !== undefined && String(t).toLowerCase().indexOf(q) >= 0;
      }
      if (!hit) return false;
    }
    return true;
  }
  function compare(c) {
    var kind = KINDS[c.kind], sign = state.dir === "desc" ? -1 : 1;
    var collator = new Intl.Collator("zh-CN-u-co-pinyin");
    return function (a, b) {
      var x = kind.value(a, c), y = kind.value(b, c), r;
      if (x === null || x === undefined) x = c.num ? -Infinity : "";
      if (y === null || y === undefined) y = c.num ? -Infinity : "";
      r = c.num ? (x < y ? -1 : (x > y ? 1 : 0)) : collator.compare(String(x), String(y));
      return r ? sign * r : a.order - b.order;
    };
  }
  function apply() {
    shown = rows.filter(matches);
    var col = config.columns.filter(function (c) { return c.key === state.sort; })[0];
    if (col) shown.sort(compare(col));
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    if (state.page > pages) state.page = pages;
    draw(pages);
    save();
  }

  // --- drawing ------------------------------------------------------------------------------------------------
  function draw(pages) {
    var body = document.createElement("tbody");
    var start = (state.page - 1) * PAGE;
    shown.slice(start, start + PAGE).forEach(function (r) {
      var tr = el("tr", { "class": r.reason ? "lagging" : null });
      config.columns.forEach(function (c) { tr.appendChild(cell(r, c)); });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    var foot = table.tFoot.rows[0];
    config.columns.forEach(function (c, i) {
      var td = foot.cells[i];
      if (i === 0) { td.textContent = "合计（" + number(shown.length) + " 条）"; return; }
      if (!c.total) { td.textContent = ""; return; }
      var sum = 0;
      for (var k = 0; k < shown.length; k++) sum += shown[k][c.key] || 0;
      td.textContent = c.kind === "money" ? yuan(sum) : number(sum);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var c = config.columns[i];
      if (c.key === state.sort) th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    var text = shown.length === rows.length ? "共 " + number(rows.length) + " " + config.noun
      : "筛选出 " + number(shown.length) + " " + config.noun + "（共 " + number(rows.length) + "）";
    status.textContent = text + (pages > 1 ? "，第 " + state.page + "/" + pages + " 页" : "") + "。";
    pager.querySelector(".prev").disabled = state.page <= 1;
    pager.querySelector(".next").disabled = state.page >= pages;
    pager.querySelector(".where").textContent = "第 " + state.page + "/" + pages + " 页";
    pager.hidden = pages <= 1;
  }

  // --- the address keeps the state ------------------------------------------------------------------------------
  var KEYS = config.filters.map(function (f) { return f.key; }).concat(["q", "sort", "dir", "page"]);
  function save() {
    var parts = [];
    KEYS.forEach(function (k) {
      var v = state[k];
      if (v && !(k === "page" && v === 1)) parts.push(k + "=" + encodeURIComponent(v));
    });
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (!hash && location.hash.indexOf("=") < 0) return;  // #donations and the like are anchors: leave them
    if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname + location.search);
  }
  function load() {
    var got = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (p) {
      var i = p.indexOf("=");
      if (i > 0) got[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1));
    });
    KEYS.forEach(function (k) { state[k] = k === "page" ? (parseInt(got.page, 10) || 1) : (got[k] || ""); });
    config.filters.forEach(function (f) { controls[f.key].value = state[f.key]; });
    controls.q.value = state.q;
  }

  // --- CSV of the rows shown --------------------------------------------------------------------------------
  function csvCell(v) {
    if (v === null || v === undefined) return "";
    v = String(v);
    if (/^[=+\-@\t\r]/.test(v)) v = "'" + v;  // a cell Excel would run as a formula stays text
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function csvText(v) {  // an id or phone number: ="…" keeps it text in Excel and WPS (as ledger.py does)
    return v ? '"=""' + String(v).replace(/"/g, '""""') + '"""' : "";
  }
  function csv() {
    var lines = [config.csv.map(function (c) { return csvCell(c.label); }).join(",")];
    shown.forEach(function (r) {
      lines.push(config.csv.map(function (c) {
        var v = r[c.key];
        if (Array.isArray(v)) v = v.join("、");
        return c.text ? csvText(v) : csvCell(v);
      }).join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  // --- the choices of each filter come from the rows, so the page stays small ---------------------------------
  config.filters.forEach(function (f) {
    if (f.kind !== "select") return;
    var select = root.querySelector("[name='" + f.key + "']"), seen = {}, values = [];
    rows.forEach(function (r) {
      var v = r[f.field];
      (Array.isArray(v) ? v : [v]).forEach(function (x) {
        if (x !== null && x !== undefined && x !== "" && !seen[x]) { seen[x] = true; values.push(x); }
      });
    });
    var label = f.field === "unit" ? function (v) { return unitName[v] || v; }
      : function (v) { return (f.labels && f.labels[v]) || v; };
    var collator = new Intl.Collator("zh-CN-u-co-pinyin");
    values.sort(f.field === "unit" ? function (a, b) { return unitRank[a] - unitRank[b]; }
      : function (a, b) { return collator.compare(label(a), label(b)); });
    values.forEach(function (v) { select.appendChild(el("option", { value: v }, label(v))); });
  });

  // --- wiring -----------------------------------------------------------------------------------------------------
  config.filters.forEach(function (f) {
    controls[f.key] = root.querySelector("[name='" + f.key + "']");
    controls[f.key].addEventListener("change", function () { state[f.key] = this.value; state.page = 1; apply(); });
  });
  root.querySelector("form").addEventListener("submit", function (e) { e.preventDefault(); });  // Enter in find
  controls.q = root.querySelector("[name='q']");
  var typing = 0;
  controls.q.addEventListener("input", function () {
    var input = this;
    clearTimeout(typing);
    typing = setTimeout(function () { state.q = input.value.trim(); state.page = 1; apply(); }, 150);
  });
  root.querySelector(".grid-reset").addEventListener("click", function () {
    KEYS.forEach(function (k) { state[k] = k === "page" ? 1 : ""; });
    config.filters.forEach(function (f) { controls[f.key].value = ""; });
    controls.q.value = "";
    apply();
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    var button = el("button", { type: "button", "class": "sort", title: "点击排序" });
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener("click", function () {
      var key = config.columns[i].key;
      state.dir = state.sort === key && state.dir !== "desc" ? "desc" : "asc";
      state.sort = key;
      apply();
    });
  });
  pager.querySelector(".prev").addEventListener("click", function () { state.page -= 1; apply(); });
  pager.querySelector(".next").addEventListener("click", function () { state.page += 1; apply(); });
  root.querySelector(".grid-csv").addEventListener("click", function () {
    var blob = new Blob([csv()], { type: "text/csv;charset=utf-8" });
    var a = el("a", { href: URL.createObjectURL(blob), download: config.download });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });
  window.addEventListener("hashchange", function () { load(); apply(); });
  root.hidden = false;
  load();
  apply();
  document.documentElement.setAttribute("data-grid", "ready");
})();
