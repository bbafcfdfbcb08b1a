// The admin dashboard: cache analytics (hit ratio per tier over time, drawn with Chart.js,
// vendored), hottest searches and advice; services and their health; ingestion sagas when the
// server has them; the audit log with filters.
"use strict";

const SAMPLE_MS = 5000;
const TIER_COLOURS = {l1: "#174e8c", l2: "#2e7d32", l3: "#a35200", overall: "#5b2a86"};
let chart = null;

function cell(text) { const td = document.createElement("td"); td.textContent = text ?? ""; return td; }
function row(values) { const tr = document.createElement("tr"); tr.append(...values.map(cell)); return tr; }
function percent(ratio) { return `${(100 * ratio).toFixed(1)} %`; }
function say(text) { $("message").textContent = text; }

function describeRequest(request) {
  const parts = [request.query ? `“${request.query}”` : "", (request.similar_to || []).length ? `like ${request.similar_to.join(", ")}` : ""];
  const filters = request.filters || {};
  for (const [name, value] of Object.entries(filters)) {
    if (value !== null && !(Array.isArray(value) && !value.length)) parts.push(`${name.replace(/_/g, " ")}: ${[].concat(value).join(", ")}`);
  }
  return parts.filter(Boolean).join(" · ") || "(empty)";
}

function setupChart() {
  chart = new Chart($("hit-chart"), {
    type: "line",
    data: {labels: [], datasets: ["overall", "l1", "l2", "l3"].map((tier) => ({
      label: tier === "overall" ? "all searches" : tier.toUpperCase(), data: [], borderColor: TIER_COLOURS[tier],
      backgroundColor: TIER_COLOURS[tier], tension: 0.2, pointRadius: 2,
    }))},
    options: {animation: false, responsive: true, maintainAspectRatio: false,
      scales: {y: {min: 0, max: 100, title: {display: true, text: "hit ratio (%)"}}}},
  });
}

async function loadCache() {
  const {body} = await api("/api/v2/admin/cache/stats?hottest=10");
  const overall = body.overall;
  $("cache-overall").textContent = `${formatCount(overall.requests)} searches looked up: ${formatCount(overall.hits)} served from the cache (${percent(overall.hit_ratio)}), ${formatCount(overall.misses)} computed.`;
  const rows = $("tiers-table").querySelector("tbody");
  rows.innerHTML = "";
  for (const [tier, figures] of Object.entries(body.tiers)) {
    rows.append(row([tier.toUpperCase(), formatCount(figures.hit), formatCount(figures.miss), percent(figures.hit_ratio),
      formatCount(figures.promotion), formatCount(figures.eviction), formatCount(figures.error),
      figures.mean_latency_ms != null ? `${figures.mean_latency_ms} ms` : ""]));
  }
  chart.data.labels.push(new Date().toLocaleTimeString());
  const ratios = {overall: overall.hit_ratio, ...Object.fromEntries(Object.entries(body.tiers).map(([t, f]) => [t, f.hit_ratio]))};
  for (const dataset of chart.data.datasets) {
    const tier = dataset.label === "all searches" ? "overall" : dataset.label.toLowerCase();
    dataset.data.push(Math.round(1000 * (ratios[tier] || 0)) / 10);
  }
  if (chart.data.labels.length > 60) { chart.data.labels.shift(); for (const d of chart.data.datasets) d.data.shift(); }
  chart.update();
  $("hottest").innerHTML = "";
  for (const entry of body.hottest) {
    const item = document.createElement("li");
    item.textContent = `${describeRequest(entry.request)}: ${entry.count === 1 ? "once" : `${formatCount(entry.count)} times`}`;
    $("hottest").append(item);
  }
  if (!body.hottest.length) $("hottest").innerHTML = "<li>No searches yet.</li>";
  $("recommendations").innerHTML = "";
  for (const advice of body.recommendations) {
    const item = document.createElement("li");
    item.textContent = advice;
    $("recommendations").append(item);
  }
  if (!body.recommendations.length) $("recommendations").innerHTML = "<li>Nothing stands out: the cache is doing its job.</li>";
}

async function loadServices() {
  const {body} = await api("/api/v2/admin/services");
  $("services-status").textContent = `Overall: ${body.status}` + (body.database ? ` · database: ${body.database}` : "");
  const rows = $("services-table").querySelector("tbody");
  rows.innerHTML = "";
  for (const [check, state] of Object.entries(body.checks || {})) rows.append(row([check, typeof state === "string" ? state : JSON.stringify(state)]));
  const instances = body.instances || [];
  $("instances-box").hidden = !instances.length;
  const instanceRows = $("instances-table").querySelector("tbody");
  instanceRows.innerHTML = "";
  for (const instance of instances) instanceRows.append(row([instance.role, instance.instance_id || instance.id, instance.health, instance.last_seen]));
}

async function loadSagas() {
  let body;
  try { ({body} = await api("/api/v2/admin/sagas")); } catch (error) { if (error.status !== 404) say(error.message); return; }
  $("sagas-panel").hidden = false;
  const rows = $("sagas-table").querySelector("tbody");
  rows.innerHTML = "";
  for (const saga of body.sagas || body.items || []) rows.append(row([saga.id, saga.status, JSON.stringify(saga.counts || {})]));
}

let auditAfter = 0;
function auditQuery() {
  const params = new URLSearchParams({limit: "50", after: String(auditAfter)});
  for (const name of ["actor", "action", "outcome"]) {
    const value = $(`audit-${name}`).value.trim();
    if (value) params.set(name, value);
  }
  if ($("audit-since").value) params.set("since", `${$("audit-since").value}:00`);
  return params;
}

async function loadAudit(reset) {
  if (reset) { auditAfter = 0; $("audit-table").querySelector("tbody").innerHTML = ""; }
  const {body} = await api(`/api/v2/admin/audit?${auditQuery()}`);
  const rows = $("audit-table").querySelector("tbody");
  for (const entry of body.entries) {
    rows.append(row([entry.seq, entry.at.replace("T", " ").slice(0, 19), `${entry.actor} (${entry.actor_role})`, entry.action, entry.target, entry.outcome, entry.ip]));
  }
  if (!rows.children.length) rows.append(row(["", "No entries match these filters."]));
  auditAfter = body.next_after || auditAfter;
  $("audit-more").hidden = !body.next_after;
}

async function start() {
  const me = await whoAmI();
  if (!(me.permissions || []).includes("admin:cache")) {
    say(me.subject ? "This page is for administrators." : "Please sign in as an administrator (on the Sign in page) to see the dashboard.");
    return;
  }
  $("dashboard").hidden = false;
  setupChart();
  const guard = (job) => job.catch((error) => say(error.message));
  await Promise.all([guard(loadCache()), guard(loadServices()), guard(loadSagas()), guard(loadAudit(true))]);
  document.body.dataset.loaded = "true";
  setInterval(() => guard(loadCache()), SAMPLE_MS);
}

$("audit-form").addEventListener("submit", (event) => { event.preventDefault(); loadAudit(true).catch((error) => say(error.message)); });
$("audit-more").addEventListener("click", () => loadAudit(false).catch((error) => say(error.message)));
start();
