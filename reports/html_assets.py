"""The HTML report's inline CSS and script, kept as constants so the page can pin them by hash.

The page's Content-Security-Policy allows exactly these two blocks (by their
SHA-256) and nothing else: no other script, no style attribute, no request of
any kind. The script is a few lines of vanilla JS: sort on a header click,
filter by text, severity and change since the last audit, and apply
`?severity=V`, `?change=new`, `?q=text` or `?filter=V` from the address on
load (so a test can drive it headless).
"""

from __future__ import annotations

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --soft: #f6f8fa;
        --V: #b91c1c; --H: #ea580c; --R: #ca8a04; --I: #2563eb; --U: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 0 24px 32px; color: var(--ink); background: var(--bg);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 16px 0 8px; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.banner { margin: 0 -24px; padding: 10px 24px; background: #7f1d1d; color: #fff; font-weight: 600; }
.audience-compliance .banner { background: #1e3a8a; }
.audience-external .banner { background: #14532d; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.facts ul { margin: 0; padding-left: 18px; }
.warnings { color: #9a3412; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid var(--I); }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
.findings td { font-size: 13px; }
.findings code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.wrap { overflow-wrap: anywhere; }
.id { white-space: nowrap; }
.sev { display: inline-block; min-width: 22px; padding: 0 6px; border-radius: 4px; color: #fff;
       font-weight: 700; text-align: center; }
.sev-V { background: var(--V); fill: var(--V); }
.sev-H { background: var(--H); fill: var(--H); }
.sev-R { background: var(--R); fill: var(--R); }
.sev-I { background: var(--I); fill: var(--I); }
.sev-- { background: var(--U); fill: var(--U); }
.tier-confirmed { font-weight: 700; }
.flag { color: #86198f; font-size: 12px; }
.note { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 32px; }
.chart { max-width: 680px; display: block; }
.chart text { font-size: 16px; fill: var(--ink); }
figure { margin: 8px 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart .empty { fill: var(--soft); stroke: var(--line); }
.chart .bar { fill: #475569; }
.chart .small { fill: none; stroke: var(--muted); stroke-dasharray: 4 3; }
.chart .withheld { fill: url(#hatch); stroke: var(--muted); }
.hatch { stroke: var(--muted); stroke-width: 2; }
svg.defs { position: absolute; }
.controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
.controls input, .controls select { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; }
.controls input { min-width: 280px; }
.counts td, .counts th { width: auto; }
.counts { width: auto; min-width: 320px; }
details { margin: 6px 0; }
.changes .headline { font-weight: 600; font-size: 15px; }
.changes tr.lead td:first-child { font-weight: 700; }
.change-label { white-space: nowrap; }
.change-new, .change-acceptance-expired, .change-accepted-facts-changed,
.change-false-positive-now-stronger { font-weight: 700; }
.change-regressed { font-weight: 700; color: var(--V); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .banner { margin: 0 0 8px; background: none !important; color: #000; border: 2px solid #000; }
  .controls { display: none !important; }
  th { position: static; }
  th button::after { content: none !important; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .charts { display: block; }
  .chart { max-width: 16cm; }
  details { display: block; }
  .findings td { font-size: 8.5pt; padding: 3px 4px; }
  @page { margin: 12mm; }
}
"""

JS = """
(function () {
  "use strict";
  var table = document.getElementById("findings");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var controls = document.getElementById("controls");
  var text = document.getElementById("filter-text");
  var severity = document.getElementById("filter-severity");
  var change = document.getElementById("filter-change");
  var count = document.getElementById("filter-count");
  controls.hidden = false;

  function apply() {
    var q = text.value.trim().toLowerCase();
    var s = severity.value;
    var c = change ? change.value : "";
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!s || row.getAttribute("data-severity") === s) &&
               (!c || row.getAttribute("data-change") === c) &&
               (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " findings shown";
  }

  function key(row, index) {
    var cell = row.cells[index];
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }

  function sortBy(th, index) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var numeric = th.getAttribute("data-type") === "number";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = key(a, index), y = key(b, index);
      return dir * (numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y));
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    var button = th.querySelector("button");
    if (button) { button.addEventListener("click", function () { sortBy(th, index); }); }
  });
  text.addEventListener("input", apply);
  severity.addEventListener("change", apply);
  if (change) { change.addEventListener("change", apply); }

  var params = new URLSearchParams(window.location.search);
  var wanted = params.get("severity") || params.get("filter") || "";
  var options = Array.prototype.map.call(severity.options, function (o) { return o.value; });
  var words = change ? Array.prototype.map.call(change.options, function (o) { return o.value; }) : [];
  if (wanted && options.indexOf(wanted) >= 0) {
    severity.value = wanted;
  } else if (wanted && words.indexOf(wanted) >= 0) {
    change.value = wanted;
  } else if (wanted) {
    text.value = wanted;
  }
  if (change && params.get("change") && words.indexOf(params.get("change")) >= 0) {
    change.value = params.get("change");
  }
  if (params.get("q")) { text.value = params.get("q"); }
  apply();
}());
"""
