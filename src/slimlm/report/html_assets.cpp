#include "slimlm/report/html_assets.h"

namespace slimlm::report {

std::string_view report_css() {
  return R"CSS(
:root { --fg:#1d2330; --muted:#5d6677; --line:#d5dae3; --bg:#ffffff; --panel:#f6f8fb;
        --front:#d9480f; --feas:#1c7ed6; --infeas:#868e96; --hl:#fab005; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; padding: 24px 32px 64px; max-width: 1400px; }
h1 { font-size: 24px; margin: 0 0 8px; } h2 { font-size: 19px; margin: 36px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); padding: 10px; overflow: auto; max-height: 420px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 0; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
nav a { margin-right: 14px; }
#report-errors { color: #c92a2a; }
table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--panel); position: sticky; top: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " ▲"; }
table.sortable th[aria-sort="descending"]::after { content: " ▼"; }
tr.frontier td:first-child { border-left: 3px solid var(--front); }
tr.failed td { color: #a61e4d; } tr.infeasible td { color: var(--muted); }
tr.hl td { background: #fff3bf; }
td.proxy, th.proxy { color: var(--muted); font-style: italic; }
td.error { max-width: 420px; white-space: pre-wrap; word-break: break-word; font-size: 12px; }
.wrap { overflow-x: auto; }
.legend { color: var(--muted); margin: 4px 0 10px; }
.legend span { margin-right: 16px; white-space: nowrap; }
.legend svg { vertical-align: middle; margin-right: 4px; }
.grid { display: flex; flex-wrap: wrap; gap: 18px; }
figure { margin: 0; background: var(--bg); border: 1px solid var(--line); padding: 8px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure .note { font-size: 12px; color: var(--muted); max-width: 440px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg .axis line, svg .axis path { stroke: #495057; }
svg .axis line.gridline { stroke: #eceff3; }
svg .axis-label { font-size: 12px; fill: var(--muted); }
svg .step { fill: none; stroke: var(--front); stroke-width: 1.5; stroke-dasharray: 0; opacity: .8; }
svg .mark { stroke-width: 1.5; cursor: pointer; }
svg .mark.feasible { fill: var(--feas); fill-opacity: .55; stroke: var(--feas); }
svg .mark.frontier { fill: var(--front); stroke: #7c2d12; }
svg .mark.infeasible { fill: #fff; stroke: var(--infeas); stroke-dasharray: 2 2; }
svg .mark.proxy { fill-opacity: .12; stroke-dasharray: 1 2; }
svg .mark.hl { stroke: var(--hl); stroke-width: 3.5; }
svg .cell { stroke: #fff; stroke-width: 1; }
svg .cell.missing { fill: #e9ecef; }
svg .cell.hl { stroke: #000; stroke-width: 2; }
#tooltip { position: fixed; z-index: 10; pointer-events: none; background: #212529; color: #f8f9fa;
           padding: 8px 10px; border-radius: 4px; font-size: 12px; max-width: 420px; box-shadow: 0 2px 8px #0004; }
#tooltip .t { font-weight: 600; margin-bottom: 4px; }
#tooltip .k { color: #adb5bd; }
#tooltip .e { color: #ffa8a8; white-space: pre-wrap; }
@media print { #tooltip { display: none; } }
)CSS";
}

std::string_view error_hook_js() {
  return R"JS(
(function () {
  'use strict';
  var list = document.getElementById('report-errors');
  function record(msg) {
    var li = document.createElement('li');
    li.textContent = String(msg);
    list.appendChild(li);
    list.hidden = false;
    list.setAttribute('data-errors', String(list.children.length));
  }
  window.addEventListener('error', function (e) {
    record('error: ' + (e.message || (e.target && e.target.tagName) || e.type));
  }, true);
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  var original = console.error;
  console.error = function () {
    record('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return original.apply(console, arguments);
  };
})();
)JS";
}

std::string_view report_js() {
  return R"JS(
(function () {
  'use strict';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var tip = document.getElementById('tooltip');

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(tag, cls, text, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }
  function label(parent, x, y, text, attrs) {
    var t = svg('text', Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = text;
    return t;
  }

  // ---- numbers and scales
  function fmt(v, unit) {
    if (!isFinite(v)) return '-';
    var a = Math.abs(v);
    if (unit === 'bytes') {
      if (a >= 1073741824) return +(v / 1073741824).toPrecision(3) + ' GiB';
      if (a >= 1048576) return +(v / 1048576).toPrecision(3) + ' MiB';
      if (a >= 1024) return +(v / 1024).toPrecision(3) + ' KiB';
      return v.toFixed(0) + ' B';
    }
    if (unit === 'fraction') return +(v * 100).toPrecision(3) + '%';
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(1);
    return String(+v.toPrecision(3));
  }
  function niceTicks(lo, hi, n) {
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var f = span / n / step;
    step *= f >= 7.5 ? 10 : f >= 3.5 ? 5 : f >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  // A linear scale, or a log one when positive values span two decades.
  function scale(values, a, b) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var log = lo > 0 && hi / lo >= 100;
    if (log) {
      var l0 = Math.log10(lo), l1 = Math.log10(hi), pad = (l1 - l0) * 0.06;
      l0 -= pad; l1 += pad;
      var ticks = [];
      for (var p = Math.ceil(l0); p <= Math.floor(l1); ++p) ticks.push(Math.pow(10, p));
      return { f: function (v) { return a + (Math.log10(v) - l0) / (l1 - l0) * (b - a); }, ticks: ticks, log: true };
    }
    if (hi === lo) { var d = Math.abs(lo) * 0.1 || 1; lo -= d; hi += d; }
    var pad2 = (hi - lo) * 0.06;
    lo -= pad2; hi += pad2;
    return { f: function (v) { return a + (v - lo) / (hi - lo) * (b - a); }, ticks: niceTicks(lo, hi, 5), log: false };
  }
  function axisTitle(ax) {
    var better = ax.direction === 'maximize' ? 'higher is better' : 'lower is better';
    return ax.metric + (ax.unit ? ' (' + ax.unit + ')' : '') + ' · ' + better;
  }

  // ---- scatter plots
  var W = 460, H = 340, M = { l: 70, r: 16, t: 12, b: 46 };
  var KIND_ORDER = { infeasible: 0, feasible: 1, frontier: 2 };
  function drawPlot(spec, parent) {
    var fig = html('figure', 'plot', null, parent);
    html('figcaption', null, spec.title, fig);
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'data-plot': spec.id,
                            role: 'img', 'aria-label': spec.title }, fig);
    var pts = spec.points;
    if (pts.length === 0) {
      label(root, W / 2, H / 2, 'no trial has both values yet', { 'text-anchor': 'middle', 'class': 'axis-label' });
    } else {
      var sx = scale(pts.map(function (p) { return p.x; }), M.l, W - M.r);
      var sy = scale(pts.map(function (p) { return p.y; }), H - M.b, M.t);
      var ax = svg('g', { 'class': 'axis' }, root);
      sx.ticks.forEach(function (t) {
        var x = sx.f(t);
        svg('line', { x1: x, x2: x, y1: M.t, y2: H - M.b, 'class': 'gridline' }, ax);
        svg('line', { x1: x, x2: x, y1: H - M.b, y2: H - M.b + 4 }, ax);
        label(ax, x, H - M.b + 16, fmt(t, spec.x.unit), { 'text-anchor': 'middle' });
      });
      sy.ticks.forEach(function (t) {
        var y = sy.f(t);
        svg('line', { x1: M.l, x2: W - M.r, y1: y, y2: y, 'class': 'gridline' }, ax);
        svg('line', { x1: M.l - 4, x2: M.l, y1: y, y2: y }, ax);
        label(ax, M.l - 6, y + 4, fmt(t, spec.y.unit), { 'text-anchor': 'end' });
      });
      svg('path', { d: 'M' + M.l + ',' + M.t + 'V' + (H - M.b) + 'H' + (W - M.r), fill: 'none' }, ax);
      label(root, (M.l + W - M.r) / 2, H - 8, axisTitle(spec.x) + (sx.log ? ' · log' : ''),
            { 'text-anchor': 'middle', 'class': 'axis-label' });
      label(root, 0, 0, axisTitle(spec.y) + (sy.log ? ' · log' : ''),
            { 'text-anchor': 'middle', 'class': 'axis-label',
              transform: 'translate(14,' + ((M.t + H - M.b) / 2) + ') rotate(-90)' });
      // The attainment staircase of the 2-D front, best x first: hold the
      // y reached so far until the next point's x, then step to its y.
      var byTrial = {};
      pts.forEach(function (p) { byTrial[p.trial] = p; });
      if (spec.front.length > 0) {
        var f0 = byTrial[spec.front[0]], d = 'M' + sx.f(f0.x) + ',' + sy.f(f0.y);
        for (var i = 1; i < spec.front.length; ++i) {
          var q = byTrial[spec.front[i]];
          d += 'H' + sx.f(q.x) + 'V' + sy.f(q.y);
        }
        svg('path', { d: d, 'class': 'step' }, root);
      }
      var marks = svg('g', { 'class': 'marks' }, root);
      pts.slice().sort(function (a, b) { return KIND_ORDER[a.kind] - KIND_ORDER[b.kind]; }).forEach(function (p) {
        svg('circle', { cx: sx.f(p.x).toFixed(2), cy: sy.f(p.y).toFixed(2), r: p.kind === 'frontier' ? 5.5 : 4.5,
                        'class': 'mark ' + p.kind + (p.proxy ? ' proxy' : ''), 'data-trial': p.trial }, marks);
      });
    }
    if (spec.omitted.length > 0) {
      var why = spec.omitted.map(function (n) {
        var t = data.trials[n];
        return '#' + n + (t ? ' (' + t.state + ')' : '');
      });
      html('div', 'note', 'Not plotted (no value for both metrics): ' + why.join(', '), fig);
    }
  }

  // ---- heat maps: rows are variants, columns layers; darker is worse.
  var STOPS = [[255, 247, 188], [254, 196, 79], [236, 112, 20], [204, 76, 2], [140, 45, 4], [60, 20, 10]];
  function colour(t) {
    t = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var i = Math.min(Math.floor(t), STOPS.length - 2), u = t - i, a = STOPS[i], b = STOPS[i + 1];
    return 'rgb(' + [0, 1, 2].map(function (k) { return Math.round(a[k] + (b[k] - a[k]) * u); }).join(',') + ')';
  }
  function drawHeatmap(hm, hmIndex, parent) {
    var fig = html('figure', 'heatmap', null, parent);
    html('figcaption', null, hm.metric + (hm.unit ? ' (' + hm.unit + ')' : ''), fig);
    var nl = hm.layers.length, nv = hm.variants.length;
    var cw = Math.max(12, Math.min(30, Math.floor(760 / Math.max(1, nl)))), ch = 22;
    var longest = hm.variants.reduce(function (m, v) { return Math.max(m, v.length); }, 4);
    var left = Math.min(240, 12 + longest * 6.6), top = 26, legendH = 54;
    var lw = Math.max(240, Math.min(320, nl * cw));
    var w = left + Math.max(nl * cw, lw) + 12, h = top + nv * ch + legendH;
    var root = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, width: w, height: h, 'data-heatmap': hm.metric,
                            role: 'img', 'aria-label': 'sensitivity ' + hm.metric }, fig);
    var lo = hm.min, hi = hm.max;
    function norm(v) {
      var t = hm.log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1)
                     : (v - lo) / ((hi - lo) || 1);
      return hm.direction === 'maximize' ? 1 - t : t;
    }
    var every = Math.max(1, Math.ceil(22 / cw));
    hm.layers.forEach(function (layer, l) {
      if (l % every === 0) label(root, left + l * cw + cw / 2, top - 8, String(layer), { 'text-anchor': 'middle' });
    });
    label(root, left - 6, 12, 'layer →', { 'text-anchor': 'end', 'class': 'axis-label' });
    var cells = svg('g', { 'class': 'cells' }, root);
    hm.variants.forEach(function (variant, v) {
      label(root, left - 6, top + v * ch + ch / 2 + 4, variant, { 'text-anchor': 'end' });
      hm.layers.forEach(function (layer, l) {
        var value = hm.values[v][l];
        var ok = value !== null && isFinite(value);
        var r = svg('rect', { x: left + l * cw, y: top + v * ch, width: cw, height: ch,
                              'class': ok ? 'cell' : 'cell missing', 'data-layer': layer, 'data-variant': variant }, cells);
        if (ok) { r.setAttribute('fill', colour(norm(value))); r.setAttribute('data-value', String(value)); }
      });
    });
    // Legend: the colour ramp from the best to the worst measured value.
    var ly = top + nv * ch + 14, id = 'ramp-' + hmIndex;
    var grad = svg('linearGradient', { id: id, x1: 0, x2: 1, y1: 0, y2: 0 }, svg('defs', {}, root));
    for (var k = 0; k <= 10; ++k) svg('stop', { offset: k / 10, 'stop-color': colour(k / 10) }, grad);
    svg('rect', { x: left, y: ly, width: lw, height: 10, fill: 'url(#' + id + ')', 'class': 'legend-ramp' }, root);
    var best = hm.direction === 'maximize' ? hi : lo, worst = hm.direction === 'maximize' ? lo : hi;
    label(root, left, ly + 24, fmt(best, hm.unit) + ' (best)', { 'text-anchor': 'start' });
    label(root, left + lw, ly + 24, fmt(worst, hm.unit) + ' (worst)' + (hm.log ? ', log scale' : ''),
          { 'text-anchor': 'end' });
  }

  // ---- tooltip and highlighting
  function showTrial(n, e) {
    var t = data.trials[n];
    if (!t) return;
    tip.textContent = '';
    html('div', 't', '#' + n + ' ' + t.summary, tip);
    html('div', 'k', t.state + ' · ' + t.stage + (t.frontier ? ' · Pareto frontier' : '') +
         (t.feasible ? '' : ' · infeasible (violation ' + fmt(t.violation, '') + ')'), tip);
    t.lines.forEach(function (l) {
      var d = html('div', null, null, tip);
      html('span', 'k', l[0] + ': ', d);
      html('span', null, l[1], d);
    });
    if (t.error) html('div', 'e', t.error, tip);
    place(e);
  }
  function showCell(c, e) {
    tip.textContent = '';
    html('div', 't', 'layer ' + c.getAttribute('data-layer') + ' · ' + c.getAttribute('data-variant'), tip);
    var v = c.getAttribute('data-value');
    html('div', null, v === null ? 'not measured' : fmt(+v, '') + ' (' + v + ')', tip);
    place(e);
  }
  function place(e) {
    tip.hidden = false;
    var x = e.clientX + 14, y = e.clientY + 14, r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 8) x = e.clientX - r.width - 14;
    if (y + r.height > window.innerHeight - 8) y = e.clientY - r.height - 14;
    tip.style.left = Math.max(4, x) + 'px';
    tip.style.top = Math.max(4, y) + 'px';
  }
  function highlight(n, on) {
    document.querySelectorAll('[data-trial="' + n + '"], [data-row="' + n + '"]').forEach(function (e) {
      e.classList.toggle('hl', on);
    });
  }
  var current = null;
  document.addEventListener('mouseover', function (e) {
    var target = e.target.closest ? e.target.closest('[data-trial], .cell') : null;
    if (current && current !== target) {
      if (current.hasAttribute('data-trial')) highlight(current.getAttribute('data-trial'), false);
      else current.classList.remove('hl');
      tip.hidden = true;
    }
    current = target;
    if (!target) return;
    if (target.hasAttribute('data-trial')) {
      highlight(target.getAttribute('data-trial'), true);
      showTrial(target.getAttribute('data-trial'), e);
    } else {
      target.classList.add('hl');
      showCell(target, e);
    }
  });
  document.addEventListener('click', function (e) {
    var target = e.target.closest ? e.target.closest('[data-trial]') : null;
    if (!target) return;
    var row = document.getElementById('trial-' + target.getAttribute('data-trial'));
    if (row) row.scrollIntoView({ block: 'center' });
  });

  // ---- sortable tables: numbers by their data-v, text otherwise.
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.querySelectorAll('thead th');
    heads.forEach(function (th, col) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        function key(r) {
          var c = r.cells[col], v = c ? c.getAttribute('data-v') : null;
          return v !== null && v !== '' && isFinite(+v) ? +v : (c ? c.textContent : '');
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b), r;
          if (typeof x === 'number' && typeof y === 'number') r = x - y;
          else if (typeof x === 'number') r = -1;
          else if (typeof y === 'number') r = 1;
          else r = String(x).localeCompare(String(y));
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  var grid = document.getElementById('plot-grid');
  data.plots.forEach(function (p) { drawPlot(p, grid); });
  var maps = document.getElementById('heatmaps');
  data.heatmaps.forEach(function (h, i) { drawHeatmap(h, i, maps); });

  // file://.../index.html#selftest (the browser test): hover a mark and a
  // heat-map cell, sort the trials table by '#' descending, and leave what
  // happened in data-selftest-* attributes of <body> for the dumped DOM.
  if (location.hash === '#selftest') {
    var b = document.body;
    var mark = document.querySelector('[data-plot] [data-trial]');
    if (mark) {
      mark.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, clientX: 40, clientY: 40 }));
      b.setAttribute('data-selftest-trial', mark.getAttribute('data-trial'));
      b.setAttribute('data-selftest-tooltip', tip.hidden ? '' : tip.textContent);
      b.setAttribute('data-selftest-highlighted', String(document.querySelectorAll('.hl').length));
    }
    var cell = document.querySelector('[data-heatmap] .cell');
    if (cell) {
      cell.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, clientX: 40, clientY: 40 }));
      b.setAttribute('data-selftest-cell', tip.hidden ? '' : tip.textContent);
    }
    var th = document.querySelector('#trials thead th');
    if (th) {
      th.click();
      th.click();
      b.setAttribute('data-selftest-first-row', document.querySelector('#trials tbody tr').getAttribute('data-row'));
    }
  }
  document.body.setAttribute('data-ready', '1');
})();
)JS";
}

}  // namespace slimlm::report
