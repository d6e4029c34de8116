// erglink's pages: charts drawn by uPlot from the JSON in #erglink-data.
// One point per stroke; null points break lines; splits are bands.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("erglink-data").textContent);
  var E = (window.erglink = { data: D, charts: {} });
  var PALETTE = ["#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#bcbd22"];

  function colour(i) {
    return i < PALETTE.length ? PALETTE[i] : "hsl(" + ((i * 47) % 360) + ",65%,42%)";
  }
  function width(node) {
    var w = Math.floor(node.getBoundingClientRect().width);
    return w > 200 ? w : 960;
  }
  // 105.3 s -> "1:45.3"; tenths optional.
  function clock(sec, tenths) {
    if (sec == null || !isFinite(sec)) return "–";
    var t = Math.round(Math.abs(sec) * 10);
    var h = Math.floor(t / 36000), m = Math.floor(t / 600) % 60, s = Math.floor(t / 10) % 60;
    var out = (h > 0 ? h + ":" + (m < 10 ? "0" : "") + m : "" + m) + ":" + (s < 10 ? "0" : "") + s;
    return tenths ? out + "." + (t % 10) : out;
  }
  function metres(m) {
    return m == null ? "–" : m >= 10000 ? (m / 1000).toFixed(1) + " km" : Math.round(m) + " m";
  }
  function scaled(values, by) {
    return values.map(function (v) { return v == null ? null : v / by; });
  }

  // Split, interval and rest bands behind the series.
  function bandsHook(bands, key) {
    var fills = { split: ["rgba(70,110,190,0.13)", "rgba(70,110,190,0.05)"],
                  interval: ["rgba(40,150,80,0.14)", "rgba(40,150,80,0.06)"],
                  rest: ["rgba(120,120,120,0.16)", "rgba(120,120,120,0.16)"] };
    var by = key === "t" ? 100 : 10;
    return function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      bands.forEach(function (b, i) {
        var x0 = u.valToPos(b[key + "0"] / by, "x", true), x1 = u.valToPos(b[key + "1"] / by, "x", true);
        ctx.fillStyle = (fills[b.kind] || fills.split)[i % 2];
        ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
      });
      ctx.restore();
    };
  }

  function lineChart(node, c) {
    var axisX = c.xTime
      ? { values: function (u, ticks) { return ticks.map(function (v) { return clock(v); }); } }
      : { values: function (u, ticks) { return ticks.map(metres); } };
    var axisY = { label: c.label, size: 64 };
    if (c.fmt) axisY.values = function (u, ticks) { return ticks.map(function (v) { return c.fmt(v); }); };
    var series = [{ label: c.xTime ? "time" : "distance", value: function (u, v) { return c.xTime ? clock(v, true) : metres(v); } }];
    c.ys.forEach(function (y) {
      series.push({ label: y.label, stroke: y.colour, width: 1.5, spanGaps: false, points: { show: false },
                    value: function (u, v) { return v == null ? "–" : c.fmt ? c.fmt(v, true) : Math.round(v); } });
    });
    var u = new uPlot({
      title: c.title, width: width(node), height: c.height || 220,
      scales: { x: { time: false }, y: { dir: c.invert ? -1 : 1 } },
      series: series, axes: [axisX, axisY],
      cursor: { sync: { key: c.sync || "erglink" } },
      hooks: c.bands ? { drawClear: [bandsHook(c.bands, c.xTime ? "t" : "d")] } : {},
    }, [c.x].concat(c.ys.map(function (y) { return y.data; })), node);
    return u;
  }

  // Every curve faint (incomplete ones dashed), then the means on top.
  function forceChart(node, curves, complete, means, opts) {
    var longest = 0;
    curves.forEach(function (c) { if (c.length > longest) longest = c.length; });
    means.forEach(function (m) { if (m.data.length > longest) longest = m.data.length; });
    var x = [];
    for (var i = 0; i < longest; i++) x.push(i);
    var pad = function (c) {
      var out = new Array(longest);
      for (var i = 0; i < longest; i++) out[i] = i < c.length ? c[i] : null;
      return out;
    };
    var series = [{ label: "sample" }], data = [x], drawn = 0, dashed = 0;
    curves.forEach(function (c, k) {
      var whole = complete[k];
      if (whole) drawn++; else dashed++;
      series.push({ label: "curve " + k, stroke: whole ? "rgba(40,70,130,0.10)" : "rgba(190,80,40,0.35)",
                    width: 1, dash: whole ? undefined : [4, 4], points: { show: false } });
      data.push(pad(c));
    });
    means.forEach(function (m) {
      series.push({ label: m.label, stroke: m.colour, width: m.width, points: { show: false } });
      data.push(pad(scaled(m.data, 10)));
    });
    var u = new uPlot({
      title: opts.title, width: opts.width || width(node), height: opts.height || 320,
      legend: { show: false }, cursor: { show: false }, select: { show: false },
      scales: { x: { time: false } },
      series: series,
      axes: [{ label: opts.small ? "" : "sample (as sent)" }, { label: opts.small ? "" : D.forceUnit, size: 56 }],
      hooks: opts.peak == null ? {} : { draw: [function (u) {
        var ctx = u.ctx, px = u.valToPos(opts.peak, "x", true);
        ctx.save(); ctx.strokeStyle = "#000"; ctx.setLineDash([3, 3]); ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(px, u.bbox.top); ctx.lineTo(px, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.restore();
      }] },
    }, data, node);
    node.dataset.curves = drawn;
    node.dataset.incomplete = dashed;
    return u;
  }

  function timeCharts(points, bands, labels, mode) {
    var xTime = mode === "t";
    var x = xTime ? scaled(points.t, 100) : scaled(points.d, 10);
    var specs = [
      { id: "pace", title: "Pace (" + labels.pace_unit + ")", label: "pace", invert: true,
        data: scaled(points.pace, 100), fmt: function (v, tenths) { return clock(v, tenths); }, colour: "#1f4e99" },
      { id: "power", title: "Power (W)", label: "W", data: points.power, colour: "#b5451b" },
      { id: "rate", title: labels.rate, label: labels.rate_unit, data: points.rate, colour: "#2b7a3d" },
      { id: "hr", title: "Heart rate (bpm)", label: "bpm", data: points.hr, colour: "#a0185a" },
    ];
    specs.forEach(function (s) {
      var node = document.getElementById("chart-" + s.id);
      if (!node) return;
      if (E.charts[s.id]) E.charts[s.id].destroy();
      E.charts[s.id] = lineChart(node, { title: s.title, label: s.label, invert: s.invert, fmt: s.fmt,
        x: x, xTime: xTime, bands: bands, ys: [{ label: s.label, data: s.data, colour: s.colour }] });
      node.dataset.points = points.strokes;
      node.dataset.drawn = x.length - points.breaks;
    });
    document.body.dataset.x = mode;
  }

  function report() {
    var mode = "t";
    timeCharts(D.points, D.bands, D.labels, mode);
    document.querySelectorAll("[data-x-mode]").forEach(function (b) {
      b.addEventListener("click", function () {
        mode = b.dataset.xMode;
        document.querySelectorAll("[data-x-mode]").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
        timeCharts(D.points, D.bands, D.labels, mode);
      });
    });
    var F = D.force, all = document.getElementById("force-all");
    if (all && F.curves.length > 0) {
      var means = F.groups.map(function (g, i) { return { label: g.label, data: g.mean, colour: colour(i), width: 2 }; });
      means.push({ label: "mean", data: F.mean, colour: "#000", width: 3.5 });
      E.charts.force = forceChart(all, F.curves, F.complete, means, { title: "Every " + D.labels.stroke + "'s force curve", peak: F.stats.peak_sample });
      F.groups.forEach(function (g, i) {
        var node = document.getElementById("force-split-" + i);
        if (!node) return;
        var curves = [], complete = [];
        F.curves.forEach(function (c, k) { if (F.group[k] === i) { curves.push(c); complete.push(F.complete[k]); } });
        E.charts["force-split-" + i] = forceChart(node, curves, complete, [{ label: g.label, data: g.mean, colour: colour(i), width: 2.5 }],
          { title: g.label, small: true, width: 300, height: 180, peak: g.stats.peak_sample });
      });
    }
  }

  function compare() {
    var a = D.a, b = D.b;
    // Both sessions on one distance axis: undefined where a session has no
    // point (joined over), null where it has a break (a gap in its line).
    function join(key) {
      var rows = [], i = 0, j = 0, ax = scaled(a.points.d, 10), bx = scaled(b.points.d, 10);
      var av = key === "pace" ? scaled(a.points.pace, 100) : a.points[key];
      var bv = key === "pace" ? scaled(b.points.pace, 100) : b.points[key];
      while (i < ax.length || j < bx.length) {
        if (j >= bx.length || (i < ax.length && ax[i] <= bx[j])) { rows.push([ax[i], av[i], undefined]); i++; }
        else { rows.push([bx[j], undefined, bv[j]]); j++; }
      }
      return [rows.map(function (r) { return r[0]; }), rows.map(function (r) { return r[1]; }), rows.map(function (r) { return r[2]; })];
    }
    [["pace", "Pace (" + D.labels.pace_unit + ")", true], ["power", "Power (W)", false]].forEach(function (s) {
      var node = document.getElementById("chart-" + s[0]);
      var d = join(s[0]);
      var fmt = s[0] === "pace" ? function (v, t) { return clock(v, t); } : null;
      E.charts[s[0]] = lineChart(node, { title: s[1], label: s[0] === "pace" ? "pace" : "W", invert: s[2], fmt: fmt, x: d[0], xTime: false,
        ys: [{ label: a.label, data: d[1], colour: "#1f4e99" }, { label: b.label, data: d[2], colour: "#d62728" }] });
      node.dataset.points = a.points.strokes + b.points.strokes;
    });
    var node = document.getElementById("force-all");
    if (node) {
      E.charts.force = forceChart(node, [], [], [{ label: a.label, data: a.mean, colour: "#1f4e99", width: 3 },
        { label: b.label, data: b.mean, colour: "#d62728", width: 3 }], { title: "Mean force curves" });
      node.dataset.means = 2;
    }
  }

  if (D.kind === "report") report(); else if (D.kind === "compare") compare();
  document.body.dataset.ready = "1";
})();
