// OmicsOracle search page: submit a v2 search, follow its WebSocket, fall back to polling.
"use strict";

const $ = (id) => document.getElementById(id);
const GEO = "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=";
const POLL_MS = 700;
let current = null; // {id, links, nextCursor, done}

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

// Highlights arrive HTML-escaped with matches in <mark>; any other tag is neutralised anyway.
function markup(html) {
  return String(html).replace(/<(?!\/?mark>)/g, "&lt;");
}

function buildRequest() {
  const filters = {};
  if ($("organism").value) filters.organisms = [$("organism").value];
  if ($("series-type").value) filters.series_types = [$("series-type").value];
  if ($("min-samples").value !== "") filters.min_samples = parseInt($("min-samples").value, 10);
  const similar = $("similar-to").value.split(/[\s,]+/).filter(Boolean);
  const body = {query: $("query").value.trim(), filters, sort: $("sort").value, page_size: 20};
  if (similar.length) body.similar_to = similar;
  return body;
}

function setProgress(percent, label) {
  $("progress").hidden = false;
  $("progress-fill").style.width = `${Math.max(0, Math.min(100, percent))}%`;
  $("progress-label").textContent = label;
}

function describeError(body, status) {
  const error = body && body.error;
  if (!error) return `request failed (${status})`;
  const details = error.details && Object.keys(error.details).length ? ": " + JSON.stringify(error.details) : "";
  return error.message + details;
}

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(describeError(body, response.status));
  return {status: response.status, body};
}

async function submit(event) {
  event.preventDefault();
  $("message").textContent = "";
  $("results").innerHTML = "";
  $("facets").innerHTML = "";
  $("summary").textContent = "";
  $("more").hidden = true;
  $("submit").disabled = true;
  setProgress(0, "queued");
  try {
    const {status, body} = await api("/api/v2/searches", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(buildRequest()),
    });
    const search = {id: body.id, links: body.links, nextCursor: null, done: false};
    current = search;
    if (status === 200 && body.status === "completed") return showCompleted(search, body);
    follow(search);
  } catch (error) {
    fail(error.message);
  }
}

function fail(message) {
  $("message").textContent = message;
  $("submit").disabled = false;
  $("progress").hidden = true;
}

// Progress over the WebSocket; any trouble hands over to polling, which is always correct.
function follow(search) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  let socket;
  try {
    socket = new WebSocket(`${scheme}//${location.host}${search.links.events}`);
  } catch (error) {
    return poll(search);
  }
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "progress") setProgress(event.progress, `${event.stage} (${event.progress}%)`);
    if (event.type === "completed" || event.type === "failed") finish(search);
  };
  socket.onclose = () => { if (!search.done) poll(search); };
  socket.onerror = () => socket.close();
}

async function poll(search) {
  while (!search.done && current === search) {
    try {
      const {body} = await api(search.links.self);
      setProgress(body.progress, `${body.stage} (${body.progress}%)`);
      if (body.status === "completed" || body.status === "failed") return showCompleted(search, body);
    } catch (error) {
      return fail(error.message);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function finish(search) {
  if (search.done) return;
  try {
    const {body} = await api(search.links.self);
    showCompleted(search, body);
  } catch (error) {
    fail(error.message);
  }
}

// Renders a finished search, unless the user has started another one meanwhile.
function showCompleted(search, body) {
  if (search.done || search !== current) return;
  search.done = true;
  $("submit").disabled = false;
  if (body.status === "failed") return fail(`The search failed: ${body.error ? body.error.message : "unknown error"}`);
  setProgress(100, "completed");
  $("summary").textContent = `${body.total} series match` + (body.query ? ` “${body.query}”` : "");
  renderFacets(body.facets || {});
  appendResults(body.results || []);
  search.nextCursor = body.next_cursor;
  $("more").hidden = !body.next_cursor;
}

function field(result, name) {
  const highlight = result.highlights && result.highlights[name];
  return highlight ? markup(highlight) : escapeHtml(result[name]);
}

function appendResults(results) {
  const list = $("results");
  for (const result of results) {
    const item = document.createElement("li");
    const meta = [
      (result.organisms || []).join(", "),
      (result.series_types || []).join(", "),
      result.sample_count != null ? `${result.sample_count} samples` : "",
      (result.platforms || []).slice(0, 3).join(", "),
    ].filter(Boolean).map(escapeHtml).join(" · ");
    const why = (result.reasons || []).map(escapeHtml).join("; ");
    item.innerHTML = `
      <h2><a href="${GEO}${encodeURIComponent(result.accession)}" target="_blank" rel="noopener">${escapeHtml(result.accession)}</a>:
        ${field(result, "title")}</h2>
      <div class="meta">${meta} · score ${Number(result.score).toFixed(2)}</div>
      <p class="snippet">${field(result, "summary")}</p>
      ${why ? `<div class="why">Why: ${why}</div>` : ""}`;
    list.appendChild(item);
  }
}

// Facet values that a click turns into a filter: the select to set (sample sizes set the minimum).
const FILTER_FOR_FACET = {organism: "organism", series_type: "series-type", sample_size: "min-samples"};

// JSON objects arrive with sorted keys: show sample-size bands smallest first ("unknown" last),
// every other facet by count, largest first.
function orderFacet(name, entries) {
  if (name !== "sample_size") return entries.sort((a, b) => b[1] - a[1]);
  const lower = ([band]) => (band === "unknown" ? Infinity : parseInt(band, 10));
  return entries.sort((a, b) => lower(a) - lower(b));
}

function renderFacets(facets) {
  const box = $("facets");
  box.innerHTML = "";
  for (const [name, counts] of Object.entries(facets)) {
    const entries = orderFacet(name, Object.entries(counts)).slice(0, 8);
    if (!entries.length) continue;
    const title = document.createElement("h3");
    title.textContent = name.replace(/_/g, " ");
    const list = document.createElement("ul");
    for (const [value, count] of entries) {
      const item = document.createElement("li");
      const label = document.createElement(FILTER_FOR_FACET[name] ? "a" : "span");
      label.textContent = value;
      if (FILTER_FOR_FACET[name]) label.onclick = () => applyFacet(FILTER_FOR_FACET[name], value);
      const number = document.createElement("span");
      number.textContent = count;
      item.append(label, number);
      list.appendChild(item);
    }
    box.append(title, list);
  }
}

function applyFacet(controlId, value) {
  const control = $(controlId);
  if (controlId === "min-samples") {
    const lower = parseInt(value, 10);
    if (Number.isNaN(lower)) return;
    control.value = lower;
  } else {
    if (![...control.options].some((option) => option.value === value)) control.add(new Option(value, value));
    control.value = value;
  }
  $("search-form").requestSubmit();
}

async function loadMore() {
  const search = current;
  if (!search || !search.nextCursor) return;
  try {
    const {body} = await api(`${search.links.self}?cursor=${encodeURIComponent(search.nextCursor)}`);
    if (search !== current) return;
    appendResults(body.results || []);
    search.nextCursor = body.next_cursor;
    $("more").hidden = !body.next_cursor;
  } catch (error) {
    fail(error.message);
  }
}

// A search is shareable as /?q=...: the address is kept in step and a link runs its search.
function syncAddress() {
  const query = $("query").value.trim();
  history.replaceState(null, "", query ? `?q=${encodeURIComponent(query)}` : location.pathname);
}

$("search-form").addEventListener("submit", syncAddress);
$("search-form").addEventListener("submit", submit);
$("more").addEventListener("click", loadMore);
const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  $("query").value = initial;
  $("search-form").requestSubmit();
}
