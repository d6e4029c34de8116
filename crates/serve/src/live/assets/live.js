// erglink live: one tile per monitor recording now, from Terra's streaming
// protocol at /connect. Starts from /live/now, reconnects by itself, and
// fills what it missed (a blip, or dispatches dropped for a slow page)
// with REPLAY.
"use strict";

(function () {
  const tilesEl = document.getElementById("tiles");
  const emptyEl = document.getElementById("empty");
  const statusEl = document.getElementById("status");
  const tiles = new Map(); // session id -> tile
  const ended = new Set(); // sessions seen ending
  let lastSeq = 0; // the highest seq applied
  let backoff = 500;
  window.erglinkLive = { tiles, get lastSeq() { return lastSeq; }, replays: 0, connects: 0 };

  function status(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function pace(s) {
    if (!(s > 0) || !isFinite(s)) return "-:--.-";
    const m = Math.floor(s / 60);
    const r = s - 60 * m;
    return m + ":" + (r < 10 ? "0" : "") + r.toFixed(1);
  }

  function clock(s) {
    if (!(s >= 0)) return "0:00";
    s = Math.floor(s);
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    const mm = (h > 0 && m < 10 ? "0" : "") + m;
    return (h > 0 ? h + ":" : "") + mm + ":" + (r < 10 ? "0" : "") + r;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function metric(cls, unit) {
    const m = el("div", "metric " + cls);
    const v = el("span", "v", "–");
    m.append(v, el("span", "u", unit));
    return [m, v];
  }

  function chartOpts(width, title, invert) {
    return {
      width: width, height: 130, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false }, y: invert ? { dir: -1 } : {} },
      axes: [{ stroke: "#8b98a5", grid: { stroke: "#2a323b" } }, { stroke: "#8b98a5", grid: { stroke: "#2a323b" }, size: 62,
        values: invert ? (u, v) => v.map(pace) : undefined }],
      series: [{}, { stroke: invert ? "#4fc3f7" : "#ffb74d", width: 2, fill: invert ? undefined : "rgba(255,183,77,.15)" }],
      title: undefined,
    };
  }

  function tile(d) {
    let t = tiles.get(d.session_id);
    if (t) return t;
    const root = el("section", "tile");
    root.dataset.session = d.session_id;
    root.dataset.serial = d.serial;
    const h = el("h2");
    const station = el("span", "station", d.station ? "Station " + d.station : "Monitor " + d.serial);
    const machine = el("span", "machine", d.machine || "");
    h.append(station, machine);
    const who = el("div", "who", (d.athlete || "no athlete") + " · " + d.serial);
    const big = el("div", "big");
    const [pm, pv] = metric("pace", "/500 m");
    const [em, ev] = metric("elapsed", "time");
    const [rm, rv] = metric("rate", "spm");
    const [wm, wv] = metric("power", "watts");
    const [hm, hv] = metric("hr", "bpm");
    const [dm, dv] = metric("distance", "metres");
    big.append(pm, em, rm, wm, hm, dm);
    const charts = el("div", "charts");
    const curveBox = el("div", "chart curve");
    const traceBox = el("div", "chart trace");
    curveBox.append(el("div", "u", "last stroke's force curve"));
    traceBox.append(el("div", "u", "pace, last minute"));
    charts.append(curveBox, traceBox);
    root.append(h, who, big, charts);
    tilesEl.append(root);
    emptyEl.hidden = true;
    const width = Math.max(160, Math.floor((root.clientWidth - 40) / 2));
    t = {
      root, machine, who, station,
      v: { pace: pv, elapsed: ev, rate: rv, power: wv, hr: hv, distance: dv },
      seq: { pace: 0, elapsed: 0, rate: 0, power: 0, hr: 0, distance: 0, curve: 0 },
      startMs: d.ts && d.t === "SESSION_START" ? Date.parse(d.ts) : null,
      trace: [], // [seconds since start, pace s/500m]
      curve: uPlot ? new uPlot(chartOpts(width, "force", false), [[], []], curveBox) : null,
      paceChart: uPlot ? new uPlot(chartOpts(width, "pace", true), [[], []], traceBox) : null,
    };
    tiles.set(d.session_id, t);
    return t;
  }

  function drop(id) {
    const t = tiles.get(id);
    if (!t) return;
    if (t.curve) t.curve.destroy();
    if (t.paceChart) t.paceChart.destroy();
    t.root.remove();
    tiles.delete(id);
    emptyEl.hidden = tiles.size > 0;
  }

  // Sets a tile's figure unless a later dispatch already did.
  function set(t, key, seq, text) {
    if (seq < t.seq[key]) return;
    t.seq[key] = seq;
    t.v[key].textContent = text;
  }

  function elapsedOf(t, d) {
    if (d.elapsed_s !== undefined) return d.elapsed_s;
    if (t.startMs !== null) return (Date.parse(d.ts) - t.startMs) / 1000;
    return null;
  }

  function tracePoint(t, secs, p) {
    if (secs === null || !(p > 0) || !isFinite(p)) return;
    t.trace.push([secs, p]);
    t.trace.sort((a, b) => a[0] - b[0]);
    const last = t.trace[t.trace.length - 1][0];
    t.trace = t.trace.filter((x) => x[0] >= last - 60);
    if (t.paceChart) t.paceChart.setData([t.trace.map((x) => x[0]), t.trace.map((x) => x[1])]);
    t.root.dataset.tracePoints = t.trace.length;
  }

  function apply(m) {
    const d = m.d, seq = m.seq;
    if (m.t === "SESSION_END") {
      ended.add(d.session_id);
      drop(d.session_id);
      return;
    }
    if (ended.has(d.session_id)) return; // a replayed dispatch of a session gone
    const t = tile(Object.assign({ t: m.t }, d));
    switch (m.t) {
      case "SESSION_START":
        t.startMs = Date.parse(d.ts);
        t.machine.textContent = d.machine || "";
        t.who.textContent = (d.athlete || "no athlete") + " · " + d.serial;
        break;
      case "STROKE":
        set(t, "pace", seq, pace(d.d[0]));
        set(t, "rate", seq, String(d.d[1]));
        set(t, "power", seq, String(Math.round(d.val)));
        set(t, "distance", seq, String(Math.floor(d.d[2])));
        break;
      case "POWER":
        set(t, "power", seq, String(Math.round(d.val)));
        break;
      case "CADENCE":
        set(t, "rate", seq, String(Math.round(d.val)));
        break;
      case "HEART_RATE":
        set(t, "hr", seq, String(Math.round(d.val)));
        break;
      case "DISTANCE": {
        set(t, "distance", seq, String(Math.floor(d.val)));
        const secs = elapsedOf(t, d);
        if (secs !== null) set(t, "elapsed", seq, clock(secs));
        break;
      }
      case "SPEED": {
        const p = d.val > 0 ? 500 / d.val : 0;
        tracePoint(t, elapsedOf(t, d), p);
        break;
      }
      case "FORCE_CURVE":
        if (seq > t.seq.curve && d.d.length > 0) {
          t.seq.curve = seq;
          if (t.curve) t.curve.setData([d.d.map((_, i) => i), d.d]);
          t.root.dataset.curvePoints = d.d.length;
          t.root.dataset.curveStroke = d.stroke;
        }
        break;
      default:
        break;
    }
  }

  async function start() {
    try {
      const r = await fetch("/live/now", { credentials: "same-origin" });
      const now = await r.json();
      for (const s of now.sessions) tile(Object.assign({ t: "SESSION_START" }, s));
      lastSeq = now.seq;
    } catch (e) {
      // The socket brings the sessions too.
    }
    connect();
  }

  async function token() {
    const r = await fetch("/auth/developer", { method: "POST", credentials: "same-origin" });
    if (!r.ok) throw new Error("token: " + r.status);
    return (await r.json()).token;
  }

  function connect() {
    window.erglinkLive.connects += 1;
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/connect");
    window.erglinkLive.socket = ws;
    let beat = null;
    ws.onmessage = async (ev) => {
      const m = JSON.parse(ev.data);
      if (m.op === 2) {
        const interval = m.d.heartbeat_interval;
        beat = setInterval(() => ws.readyState === 1 && ws.send('{"op":0}'), Math.max(100, interval / 2));
        try {
          ws.send(JSON.stringify({ op: 3, d: { type: 1, token: await token() } }));
        } catch (e) {
          ws.close();
        }
      } else if (m.op === 4) {
        status("live", "live");
        backoff = 500;
      } else if (m.op === 5) {
        if (m.seq > lastSeq + 1 && lastSeq > 0) {
          // Missed some (a reconnect, or dropped for a slow page): ask for them.
          ws.send(JSON.stringify({ op: 7, d: { after: lastSeq, before: m.seq } }));
          window.erglinkLive.replays += 1;
        }
        if (m.seq > lastSeq) lastSeq = m.seq;
        apply(m);
      }
    };
    ws.onclose = () => {
      if (beat) clearInterval(beat);
      status("reconnecting", "reconnecting…");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  start();
})();
