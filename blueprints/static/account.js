// The account page: sign in and out (cookie mode, CSRF), shortlists with exports, API keys
// (shown once, revocable), and saved searches with live alerts when the server offers them.
"use strict";

function say(text, isError = true) {
  $("message").className = isError ? "message" : "hint";
  $("message").textContent = text;
}

function when(iso) { return iso ? iso.replace("T", " ").slice(0, 16) + " UTC" : "never"; }

async function signIn(event) {
  event.preventDefault();
  try {
    await api("/api/v2/auth/login", {method: "POST", json: {username: $("username").value, password: $("password").value, cookie: true}});
    location.reload();
  } catch (error) {
    say(error.message);
    $("password").value = "";
    $("password").focus();
  }
}

// Sign-in providers (OpenID Connect) appear when the server lists them.
async function showProviders() {
  try {
    const {body} = await api("/api/v2/auth/providers");
    for (const provider of body.providers || []) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.className = "button secondary";
      link.href = provider.login_url;
      link.textContent = `Sign in with ${provider.name}`;
      item.append(link);
      $("provider-list").append(item);
    }
    $("providers").hidden = !(body.providers || []).length;
  } catch (error) { /* no providers configured */ }
}

// ---- shortlists ----
const EXPORTS = [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["samples", "sample sheet"]];

async function loadShortlists() {
  const {body} = await api("/api/v2/shortlists");
  const list = $("shortlists");
  list.innerHTML = "";
  if (!body.shortlists.length) list.innerHTML = `<li>No shortlists yet. Create one here, then add series from the search results or a series' page.</li>`;
  for (const shortlist of body.shortlists) list.append(await shortlistCard(shortlist.id));
}

async function shortlistCard(id) {
  const {body} = await api(`/api/v2/shortlists/${encodeURIComponent(id)}`);
  const card = document.createElement("li");
  card.className = "shortlist";
  card.dataset.id = id;
  const base = `/api/v2/shortlists/${encodeURIComponent(id)}/export?format=`;
  const exports = EXPORTS.map(([format, label]) => `<a href="${base}${format}" download>${label}<span class="visually-hidden"> of ${escapeHtml(body.name)}</span></a>`).join(" · ");
  const items = body.series.map((s) => `<li data-accession="${escapeHtml(s.accession)}"><a href="/datasets/${encodeURIComponent(s.accession)}">${escapeHtml(s.accession)}</a> ${escapeHtml(s.title || "(not in this corpus)")}
    <button type="button" class="link remove-item" aria-label="Remove ${escapeHtml(s.accession)} from ${escapeHtml(body.name)}">remove</button></li>`).join("");
  card.innerHTML = `<h3>${escapeHtml(body.name)} <span class="hint">(${body.count} series)</span></h3>
    <p>Export: ${exports}</p>
    <ul class="plain">${items}</ul>
    <p><button type="button" class="secondary delete-shortlist">Delete this shortlist</button></p>`;
  for (const button of card.querySelectorAll(".remove-item")) {
    button.addEventListener("click", async () => {
      const accession = button.parentElement.dataset.accession;
      try { await api(`/api/v2/shortlists/${encodeURIComponent(id)}/items/${encodeURIComponent(accession)}`, {method: "DELETE"}); await loadShortlists(); }
      catch (error) { say(error.message); }
    });
  }
  card.querySelector(".delete-shortlist").addEventListener("click", async () => {
    if (!confirm(`Delete the shortlist “${body.name}”?`)) return;
    try { await api(`/api/v2/shortlists/${encodeURIComponent(id)}`, {method: "DELETE"}); await loadShortlists(); }
    catch (error) { say(error.message); }
  });
  return card;
}

async function createShortlist(event) {
  event.preventDefault();
  try {
    await api("/api/v2/shortlists", {method: "POST", json: {name: $("shortlist-name").value}});
    $("shortlist-name").value = "";
    await loadShortlists();
    say("Shortlist created.", false);  // once the list shows it
  } catch (error) { say(error.message); }
}

// ---- API keys ----
function renderScopes(me) {
  const box = $("key-scopes");
  for (const permission of (me.permissions || []).filter((p) => p !== "keys:manage")) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.value = permission;
    input.checked = permission === "search" || permission === "datasets:read";
    label.append(input, permission);
    box.append(label);
  }
}

async function loadKeys() {
  const {body} = await api("/api/v2/api-keys");
  const rows = $("keys-table").querySelector("tbody");
  rows.innerHTML = "";
  const live = body.api_keys.filter((key) => !key.revoked_at);
  if (!live.length) rows.innerHTML = `<tr><td colspan="6">No API keys.</td></tr>`;
  for (const key of live) {
    const row = document.createElement("tr");
    row.dataset.id = key.id;
    row.innerHTML = `<td>${escapeHtml(key.name)}</td><td><code>${escapeHtml(key.prefix)}…</code></td><td>${escapeHtml((key.scopes || []).join(", "))}</td>
      <td>${escapeHtml(when(key.expires_at))}</td><td>${escapeHtml(when(key.last_used_at))}</td>
      <td><button type="button" class="secondary revoke">Revoke<span class="visually-hidden"> ${escapeHtml(key.name)}</span></button></td>`;
    row.querySelector(".revoke").addEventListener("click", async () => {
      // The row goes before the message shows, so the table never lists a key the page calls revoked.
      try { await api(`/api/v2/api-keys/${encodeURIComponent(key.id)}`, {method: "DELETE"}); row.remove(); say(`Key “${key.name}” revoked: it no longer works.`, false); await loadKeys(); }
      catch (error) { say(error.message); }
    });
    rows.append(row);
  }
}

async function createKey(event) {
  event.preventDefault();
  const scopes = [...$("key-scopes").querySelectorAll("input:checked")].map((input) => input.value);
  try {
    const {body} = await api("/api/v2/api-keys", {method: "POST", json: {name: $("key-name").value, scopes, expires_in_days: parseInt($("key-days").value, 10)}});
    $("new-key-value").textContent = body.key;
    $("new-key").hidden = false;
    $("key-name").value = "";
    await loadKeys();
  } catch (error) { say(error.message); }
}

// ---- saved searches and alerts (hidden when the server has no such endpoint) ----
async function loadSaved() {
  let saved;
  try {
    ({body: saved} = await api("/api/v2/saved-searches"));
  } catch (error) {
    if (error.status !== 404) say(error.message);
    return;
  }
  $("saved-panel").hidden = false;
  const list = $("saved-searches");
  list.innerHTML = "";
  const searches = saved.saved_searches;
  savedNames.clear();
  if (!searches.length) list.innerHTML = "<li>No saved searches yet.</li>";
  for (const search of searches) {
    savedNames.set(search.id, search.name);
    const item = document.createElement("li");
    const params = new URLSearchParams();
    if (search.query) params.set("q", search.query);
    for (const accession of search.similar_to || []) params.append("like", accession);
    item.innerHTML = `<h3>${escapeHtml(search.name)}</h3><p><a href="/?${params}">Run it now</a> · <button type="button" class="link delete">Delete<span class="visually-hidden"> ${escapeHtml(search.name)}</span></button></p>`;
    item.querySelector(".delete").addEventListener("click", async () => {
      try { await api(`/api/v2/saved-searches/${encodeURIComponent(search.id)}`, {method: "DELETE"}); await loadSaved(); }
      catch (error) { say(error.message); }
    });
    list.append(item);
  }
  if (!alertsShown) {  // once: a reload of the list after a delete must not open a second socket
    alertsShown = true;
    await loadAlerts();
  }
}

const savedNames = new Map(); // saved search id -> its name, for the alerts
let alertsShown = false;

// An alert shows once: the socket replays the channel from its start, which repeats the listed ones.
function showAlert(alert, first = false) {
  if ($("alerts").querySelector(`li[data-id="${CSS.escape(String(alert.id))}"]`)) return;
  const item = document.createElement("li");
  item.dataset.id = alert.id;
  item.innerHTML = `<a href="/datasets/${encodeURIComponent(alert.accession)}">${escapeHtml(alert.accession)}</a>: ${escapeHtml(alert.title || "")} <span class="hint">(${escapeHtml(matched(alert))}${escapeHtml(when(alert.created_at))})</span>`;
  if (first) $("alerts").prepend(item); else $("alerts").append(item);
}

function matched(alert) {
  const name = savedNames.get(alert.saved_search_id);
  return name ? `matches “${name}”, ` : "";
}

async function loadAlerts() {
  try {
    const {body} = await api("/api/v2/alerts");
    for (const alert of body.alerts) showAlert(alert);
  } catch (error) { return; }
  liveAlerts(0);
}

// The user's channel: alerts arrive live; reconnect with the last seq so none is lost.
function liveAlerts(after) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  let last = after;
  const socket = new WebSocket(`${scheme}//${location.host}/api/v2/events${last ? `?after=${last}` : ""}`);
  socket.onopen = () => { $("alerts-live").textContent = "New matches appear here as they arrive."; };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    last = event.seq || last;
    if (event.type === "alert") showAlert(event, true);
  };
  socket.onclose = (event) => { if (event.code !== 1000) setTimeout(() => liveAlerts(last), 3000); };
}

async function start() {
  const me = await whoAmI();
  if (!me.subject) {
    $("signin").hidden = false;
    showProviders();
    return;
  }
  $("signed-in").hidden = false;
  $("who").textContent = `Signed in as ${me.subject} (${me.role}).`;
  renderScopes(me);
  const jobs = [loadKeys(), loadSaved()];
  if ((me.permissions || []).includes("workspace")) jobs.push(loadShortlists());
  for (const job of jobs) job.catch((error) => say(error.message));
}

$("login-form").addEventListener("submit", signIn);
$("shortlist-form").addEventListener("submit", createShortlist);
$("key-form").addEventListener("submit", createKey);
start();
