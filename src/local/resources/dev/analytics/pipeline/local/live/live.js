// The live results page: polls /api/results (what the job's output topics hold) every second and
// draws it with uPlot. Everything it loads comes from the local run's own server.
"use strict";

const PALETTE = ["#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d",
  "#9333ea", "#ea580c", "#0f766e", "#4f46e5", "#be123c", "#a16207", "#15803d", "#1d4ed8"];
const QUANTILE_COLORS = { p50: "#059669", p95: "#d97706", p99: "#d1242f" };
const INCIDENTS = new Set(["spike", "drop", "anomaly", "trend"]);

// The charts by name (rates, anomaly, percentiles:<type>) and the latest data: read by the tests.
window.live = { charts: {}, data: null, updates: 0 };

function utc(ts) {
  return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");
}

function fmt(v, digits) {
  if (v === null || v === undefined) return "-";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-2)) return v.toExponential(2);
  return v.toFixed(digits === undefined ? 2 : digits);
}

function time(ts) {
  return new Date(ts * 1e3).toISOString().replace("T", " ").substring(0, 19);
}

function alertSeries() {
  return {
    label: "alerts",
    stroke: "#d1242f",
    width: 0,
    paths: () => null,
    points: { show: true, size: 11, width: 2, stroke: "#d1242f", fill: "#ffffffcc" },
    value: (u, v) => (v === null ? "-" : "alert"),
  };
}

function lineSeries(label, color) {
  return { label: label, stroke: color, width: 1.5, spanGaps: false, value: (u, v) => fmt(v) };
}

/** Creates or updates the chart `name` in `el`: rebuilt when its series change, else setData. */
function draw(name, el, opts, data) {
  const labels = opts.series.map((s) => s.label || "").join("|");
  const width = Math.max(300, el.clientWidth - 4);
  let chart = window.live.charts[name];
  if (chart && chart._labels === labels) {
    if (Math.abs(chart.width - width) > 8) chart.setSize({ width: width, height: chart.height });
    chart.setData(data);
    return chart;
  }
  if (chart) chart.destroy();
  el.innerHTML = "";
  opts.width = width;
  opts.tzDate = utc;
  // Times of day in UTC, 24-hour, as the console prints the windows.
  opts.axes[0] = { values: (u, splits) => splits.map((t) => time(t).substring(11, 16)) };
  chart = new uPlot(opts, data, el);
  chart._labels = labels;
  window.live.charts[name] = chart;
  return chart;
}

/** The alert marks of one chart: at each incident's window, y from `yAt` (null: no mark). */
function marks(times, alerts, yAt) {
  const index = new Map(times.map((t, i) => [t, i]));
  const out = times.map(() => null);
  for (const a of alerts) {
    if (!INCIDENTS.has(a.pattern)) continue;
    const i = index.get(a.window_start);
    if (i === undefined) continue;
    const y = yAt(a, i);
    if (y !== null && y !== undefined && out[i] === null) out[i] = y;
  }
  return out;
}

function drawRates(d) {
  const types = Object.keys(d.rates);
  const series = [{}].concat(types.map((t, i) => lineSeries(t, PALETTE[i % PALETTE.length])));
  series.push(alertSeries());
  const data = [d.times].concat(types.map((t) => d.rates[t]));
  data.push(marks(d.times, d.alerts, (a, i) => (a.metric === "count" && d.rates[a.event_type]
    ? d.rates[a.event_type][i] : null)));
  draw("rates", document.getElementById("rates"), {
    height: 300, series: series,
    scales: { y: { distr: 3 } },
    axes: [{}, { label: "events/s", size: 60 }],
  }, data);
}

function drawPercentiles(d) {
  const host = document.getElementById("percentiles");
  const id = (type) => "pct-" + type.replace(/[^A-Za-z0-9_-]/g, "_");
  // Every box first, so that each chart is sized for the final grid.
  for (const type of Object.keys(d.percentiles)) {
    let box = document.getElementById(id(type));
    if (!box) {
      box = document.createElement("div");
      box.id = id(type);
      const h = document.createElement("h3");
      h.textContent = type;
      const el = document.createElement("div");
      el.className = "chart";
      box.appendChild(h);
      box.appendChild(el);
      host.appendChild(box);
    }
  }
  for (const type of Object.keys(d.percentiles)) {
    const box = document.getElementById(id(type));
    const q = d.percentiles[type];
    const names = ["p50", "p95", "p99"];
    const series = [{}].concat(names.map((n) => lineSeries(n, QUANTILE_COLORS[n])));
    series.push(alertSeries());
    const data = [d.times].concat(names.map((n) => q[n]));
    data.push(marks(d.times, d.alerts, (a, i) => (a.event_type === type && a.metric !== "count"
      ? a.value : null)));
    draw("percentiles:" + type, box.lastChild, {
      height: 200, series: series, axes: [{}, { size: 60 }],
    }, data);
  }
}

function drawAnomaly(d) {
  const types = Object.keys(d.anomaly);
  const series = [{}].concat(types.map((t, i) =>
    lineSeries(t, PALETTE[Object.keys(d.rates).indexOf(t) % PALETTE.length])));
  series.push(alertSeries());
  const data = [d.times].concat(types.map((t) => d.anomaly[t]));
  data.push(marks(d.times, d.alerts, (a, i) => (d.anomaly[a.event_type]
    ? d.anomaly[a.event_type][i] : null)));
  draw("anomaly", document.getElementById("anomaly"), {
    height: 220, series: series,
    scales: { y: { range: [0, 1.02] } },
    axes: [{}, { label: "score", size: 60 }],
  }, data);
}

function row(cells, className) {
  const tr = document.createElement("tr");
  if (className) tr.className = className;
  for (const c of cells) {
    const td = document.createElement("td");
    if (c.num) td.className = "num";
    if (c.msg) td.className = "msg";
    if (c.node) td.appendChild(c.node); else td.textContent = c.text;
    tr.appendChild(td);
  }
  return tr;
}

function fill(tableId, rows) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren(...rows);
}

function drawTables(d) {
  const totals = Object.entries(d.dead_letters.totals).sort((a, b) => b[1] - a[1]);
  const most = totals.length ? totals[0][1] : 1;
  let sum = 0;
  fill("dead-letters", totals.map(([reason, n]) => {
    sum += n;
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.width = Math.max(2, Math.round(200 * n / most)) + "px";
    return row([{ text: reason }, { text: n.toLocaleString("en"), num: true }, { node: bar }]);
  }));
  document.getElementById("dead-letter-total").textContent = sum.toLocaleString("en") + " in all";

  const top = d.top_keys;
  document.getElementById("top-window").textContent =
    top.window_start === undefined ? "" : time(top.window_start) + " UTC";
  fill("top-keys", (top.keys || []).map((k) => row([
    { text: k.key }, { text: fmt(k.events_per_second), num: true },
    { text: k.kept.toLocaleString("en"), num: true }, { text: fmt(k.p95), num: true },
    { text: fmt(k.anomaly_score, 3), num: true }])));

  fill("alerts", d.alerts.slice().reverse().map((a) => {
    const dims = Object.entries(a.dimensions).map(([k, v]) => k + "=" + v).join(", ");
    return row([
      { text: time(a.window_start) }, { text: a.pattern },
      { text: a.event_type + (dims ? " {" + dims + "}" : "") }, { text: a.metric },
      { text: fmt(a.value), num: true }, { text: fmt(a.baseline), num: true },
      { text: fmt(a.confidence), num: true }, { text: a.message || "", msg: true }], a.pattern);
  }));
}

async function poll() {
  const status = document.getElementById("status");
  try {
    const response = await fetch("/api/results", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const d = await response.json();
    window.live.data = d;
    if (d.times.length > 0) {
      drawRates(d);
      drawPercentiles(d);
      drawAnomaly(d);
    }
    drawTables(d);
    window.live.updates++;
    const last = d.times.length ? time(d.times[d.times.length - 1]) + " UTC" : "none yet";
    status.textContent = d.times.length + " windows of " + d.granularity + " (latest " + last
      + "), " + d.alerts.length + " alerts; read " + d.records.aggregates.toLocaleString("en")
      + " aggregates, " + d.records.alerts.toLocaleString("en") + " alerts, "
      + d.records.dead_letters.toLocaleString("en") + " dead letters (committed); updated "
      + new Date().toLocaleTimeString("en-GB");
  } catch (e) {
    // The run has ended or not started: say so, and keep trying.
    status.textContent = "no answer from the local run (" + e.message + "); retrying ...";
  }
  setTimeout(poll, 1000);
}

poll();
