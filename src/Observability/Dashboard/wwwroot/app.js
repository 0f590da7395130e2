// EdgeFL's dashboard: renders the service's snapshot (/dashboard/state) and follows its event stream
// (/dashboard/events). No dependencies; everything is drawn as SVG and text (never as HTML from data).
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function pct(x) { return (x * 100).toFixed(0) + "%"; }

function ago(iso, now) {
  const t = Date.parse(iso);
  if (!isFinite(t)) return "-";
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 60 ? s + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
}

// A line (with points) or bar chart of [{x, y}] into an SVG of viewBox 480 x 200.
function chart(svg, points, opts) {
  svg.replaceChildren();
  const W = 480, H = 200, L = 40, R = 10, T = 10, B = 24;
  svg.appendChild(el("svg:line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
  svg.appendChild(el("svg:line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
  if (points.length === 0) {
    svg.appendChild(el("svg:text", { class: "tick", x: W / 2 - 30, y: H / 2 }, "no data yet"));
    return;
  }
  const xs = points.map(p => p.x), ys = points.map(p => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const y0 = opts.yMin !== undefined ? opts.yMin : Math.min(0, ...ys);
  const y1 = opts.yMax !== undefined ? opts.yMax : Math.max(...ys, y0 + 1e-9);
  const sx = x => L + (x1 === x0 ? (W - L - R) / 2 : (x - x0) / (x1 - x0) * (W - L - R));
  const sy = y => H - B - (y - y0) / (y1 - y0 || 1) * (H - T - B);
  for (const v of [y0, (y0 + y1) / 2, y1]) {
    svg.appendChild(el("svg:text", { class: "tick", x: 2, y: sy(v) + 3 }, opts.fmt ? opts.fmt(v) : v.toFixed(1)));
  }
  svg.appendChild(el("svg:text", { class: "tick", x: L, y: H - 6 }, "round " + x0));
  svg.appendChild(el("svg:text", { class: "tick", x: W - R - 60, y: H - 6 }, "round " + x1));
  if (opts.bars) {
    const w = Math.max(2, (W - L - R) / Math.max(points.length, 1) - 2);
    for (const p of points) {
      svg.appendChild(el("svg:rect", { class: "bar", x: sx(p.x) - w / 2, y: sy(p.y), width: w, height: Math.max(0, H - B - sy(p.y)) }));
    }
    return;
  }
  svg.appendChild(el("svg:polyline", { class: "series", points: points.map(p => sx(p.x) + "," + sy(p.y)).join(" ") }));
  for (const p of points) {
    const c = el("svg:circle", { class: "point", cx: sx(p.x), cy: sy(p.y), r: 3.5, "data-round": p.x });
    c.appendChild(el("svg:title", {}, "round " + p.x + ": " + (opts.fmt ? opts.fmt(p.y) : p.y)));
    svg.appendChild(c);
  }
}

function perRound(gateways, field) {
  const sums = new Map();
  for (const g of gateways) for (const r of g.rounds || []) sums.set(r.round, (sums.get(r.round) || 0) + (r[field] || 0));
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([x, y]) => ({ x, y }));
}

function renderGateway(g, now) {
  const box = el("div", { class: "gateway", "data-gateway": g.id });
  box.appendChild(el("h2", {}, "Gateway " + g.id));
  const cloud = g.cloud || {};
  const devices = g.devices || [];
  const online = devices.filter(d => d.online).length;
  box.appendChild(el("div", { class: "meta", "data-testid": "gateway-meta" },
    "round " + g.round + (g.roundOpen ? " (open)" : " (closed)") +
    " · " + online + " of " + devices.length + " devices online" +
    (cloud.enabled ? " · cloud " + (cloud.connected ? "connected" : "disconnected") +
      " · outbox " + cloud.outboxDepth + " (" + cloud.outboxBytes + " bytes), " + cloud.delivered + " delivered, " + cloud.deadLettered + " dead-lettered" : "") +
    (g.receivedAt ? " · reported " + ago(g.receivedAt, now) : "")));
  const table = el("table", { class: "devices" });
  const head = el("tr");
  for (const h of ["device", "status", "battery", "last seen", "selected", "last update"]) head.appendChild(el("th", {}, h));
  table.appendChild(el("thead")).appendChild(head);
  const body = table.appendChild(el("tbody"));
  for (const d of devices) {
    const tr = el("tr", { "data-device": d.id });
    tr.appendChild(el("td", {}, d.id));
    tr.appendChild(el("td", { class: "status " + (d.online ? "online" : "offline") }, d.online ? "online" : "offline"));
    const bat = el("td", { class: "battery-cell" });
    const bar = el("span", { class: "battery" + (d.battery <= 0.2 ? " low" : "") });
    bar.appendChild(el("span")).style.width = pct(Math.max(0, Math.min(1, d.battery)));
    bat.appendChild(bar);
    bat.appendChild(document.createTextNode(pct(d.battery) + (d.charging ? " charging" : "")));
    tr.appendChild(bat);
    tr.appendChild(el("td", {}, ago(d.lastSeen, now)));
    tr.appendChild(el("td", { class: "selected" }, d.selected ? "yes" : "no"));
    tr.appendChild(el("td", { class: "last-update" }, d.lastUpdate === undefined ? "-" :
      d.lastUpdate === "accepted" ? "accepted (round " + d.lastUpdateRound + ")" : "refused: " + d.lastUpdate));
    body.appendChild(tr);
  }
  box.appendChild(table);
  return box;
}

function render(s) {
  const now = Date.now();
  const gateways = s.gateways || [];
  document.getElementById("title").textContent = s.title || "EdgeFL fleet";
  document.title = s.title || "EdgeFL fleet";
  const cloud = s.cloud;
  document.getElementById("cloud-round").textContent = cloud ? String(cloud.round) : "no cloud view";
  document.getElementById("gateway-count").textContent = String(gateways.length);
  const all = gateways.flatMap(g => g.devices || []);
  document.getElementById("online-count").textContent = all.filter(d => d.online).length + " / " + all.length;
  const acc = cloud ? cloud.accuracy || [] : [];
  document.getElementById("accuracy-count").textContent = String(acc.length);
  document.getElementById("accuracy-latest").textContent = acc.length ? acc[acc.length - 1].accuracy.toFixed(4) + " (round " + acc[acc.length - 1].round + ")" : "-";
  chart(document.getElementById("accuracy-chart"), acc.map(a => ({ x: a.round, y: a.accuracy })), { yMin: 0, yMax: 1, fmt: v => v.toFixed(2) });
  chart(document.getElementById("participation-chart"), perRound(gateways, "accepted"), { bars: true, fmt: v => v.toFixed(0) });
  chart(document.getElementById("energy-chart"), perRound(gateways, "energyMah"), { bars: true, fmt: v => v.toFixed(0) });

  const rej = document.querySelector("#rejections tbody");
  rej.replaceChildren();
  const rows = [];
  for (const g of gateways) for (const [reason, n] of Object.entries(g.rejections || {})) rows.push(["gateway " + g.id, reason, n]);
  if (cloud) for (const [reason, n] of Object.entries(cloud.rejections || {})) rows.push(["cloud", reason, n]);
  if (rows.length === 0) rows.push(["-", "none", 0]);
  for (const r of rows) {
    const tr = el("tr");
    for (const c of r) tr.appendChild(el("td", {}, String(c)));
    rej.appendChild(tr);
  }

  const box = document.getElementById("gateways");
  box.replaceChildren(...gateways.map(g => renderGateway(g, now)));
  document.getElementById("updated").textContent = "updated " + new Date(now).toLocaleTimeString();
  document.body.dataset.snapshots = String((Number(document.body.dataset.snapshots) || 0) + 1);
}

function live(on) {
  const b = document.getElementById("live");
  b.textContent = on ? "live" : "reconnecting";
  b.className = "badge " + (on ? "on" : "off");
}

async function start() {
  try {
    const r = await fetch("state", { credentials: "same-origin", cache: "no-store" });
    if (r.ok) render(await r.json());
  } catch (e) { /* the event stream retries */ }
  const events = new EventSource("events");
  events.addEventListener("snapshot", e => { live(true); render(JSON.parse(e.data)); });
  events.onopen = () => live(true);
  events.onerror = () => live(false);
}

start();
