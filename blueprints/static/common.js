// Shared by every page: calling the API (cookies + CSRF, one refresh on expiry), errors in plain
// words, who is signed in, the corpus line, copy buttons and the shortlist picker.
"use strict";

const $ = (id) => document.getElementById(id);
const GEO = "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=";

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
}

// Field names of the API, as a researcher would say them.
const FIELD_WORDS = {
  query: "the search text", similar_to: "the example series", "filters.min_samples": "the minimum number of samples",
  "filters.max_samples": "the maximum number of samples", "filters.organisms": "the organism",
  "filters.series_types": "the series type", name: "the name", accessions: "the series", scopes: "the scopes",
  expires_in_days: "the expiry", username: "the user name", password: "the password", sort: "the sort order",
};

function flatten(details, prefix = "") {
  const out = [];
  for (const [key, value] of Object.entries(details || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out.push([path, value.filter((v) => typeof v === "string").join(" ")]);
    else if (value && typeof value === "object") out.push(...flatten(value, path));
    else out.push([path, String(value)]);
  }
  return out;
}

class ApiFailure extends Error {
  constructor(message, status, code) { super(message); this.status = status; this.code = code; }
}

// An error as a sentence saying what went wrong and what to do.
function explain(status, body, headers) {
  const error = (body && body.error) || {};
  if (status === 429) {
    const wait = parseInt(headers.get("Retry-After") || "60", 10);
    return `Too many requests in a short time. Please try again in ${wait} second${wait === 1 ? "" : "s"}.`;
  }
  if (status === 503) return "The service is starting or busy right now. Please try again in a minute.";
  if (status === 401) return error.code === "invalid_credentials" ? "Wrong user name or password." : "Please sign in (again) to do this.";
  if (status === 403) return "Your account is not allowed to do this.";
  if (status === 410) return "This search is no longer stored. Run it again.";
  if (status === 422 || status === 400) {
    const fields = flatten(error.details);
    if (fields.length) {
      return fields.map(([field, words]) => {
        const name = FIELD_WORDS[field] || field.replace(/[._]/g, " ");
        return `Please check ${name}: ${words || "it is not valid"}.`;
      }).join(" ");
    }
  }
  if (error.message) return error.message.charAt(0).toUpperCase() + error.message.slice(1) + ".";
  return `Something went wrong (HTTP ${status}). Please try again.`;
}

let refreshing = null;

async function refreshSession() {
  if (!cookie("csrf_refresh_token")) return false;
  refreshing = refreshing || fetch("/api/v2/auth/refresh", {
    method: "POST", headers: {"X-CSRF-TOKEN": cookie("csrf_refresh_token")},
  }).then((response) => response.ok).finally(() => { refreshing = null; });
  return refreshing;
}

// fetch + JSON, CSRF header on writes, one silent refresh when the access token has expired.
async function api(path, options = {}, retried = false) {
  const method = (options.method || "GET").toUpperCase();
  const headers = Object.assign({}, options.headers || {});
  if (options.json !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && cookie("csrf_access_token")) headers["X-CSRF-TOKEN"] = cookie("csrf_access_token");
  let response;
  try {
    response = await fetch(path, {method, headers, body: options.json !== undefined ? JSON.stringify(options.json) : options.body});
  } catch (error) {
    throw new ApiFailure("OmicsOracle cannot be reached. Check your connection and try again.", 0, "network");
  }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const code = body && body.error ? body.error.code : "";
    if (response.status === 401 && code === "token_expired" && !retried && await refreshSession()) {
      return api(path, options, true);
    }
    throw new ApiFailure(explain(response.status, body, response.headers), response.status, code);
  }
  return {status: response.status, body};
}

let mePromise = null;
function whoAmI() {
  mePromise = mePromise || api("/api/v2/auth/me").then(({body}) => body).catch(() => ({subject: null, permissions: []}));
  return mePromise;
}

async function signOut() {
  try { await api("/api/v2/auth/logout", {method: "POST"}); } catch (error) { /* the cookies are cleared either way */ }
  location.href = "/";
}

async function showIdentity() {
  const me = await whoAmI();
  const signedIn = Boolean(me.subject);
  $("nav-account").textContent = signedIn ? `Account (${me.subject})` : "Sign in";
  $("sign-out").hidden = !signedIn;
  for (const link of document.querySelectorAll("a.sign-in")) link.hidden = signedIn;
  $("nav-admin").hidden = !(me.permissions || []).includes("admin:cache");
}

let corpusPromise = null;
function corpus() {
  corpusPromise = corpusPromise || api("/api/v2/corpus").then(({body}) => body).catch(() => null);
  return corpusPromise;
}

function formatCount(n) { return Number(n).toLocaleString("en-US"); }

async function showCorpusLine() {
  const summary = await corpus();
  if (!summary) return;
  $("corpus-line").textContent = `OmicsOracle searches ${formatCount(summary.series)} NCBI GEO series (this copy of the corpus last changed ${summary.as_of}); GEO itself holds more.`;
  for (const element of document.querySelectorAll(".corpus-size")) {
    element.textContent = `${formatCount(summary.series)} series as of ${summary.as_of}`;
  }
}

function wireCopyButtons(root = document) {
  for (const button of root.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const text = $(button.dataset.copy).textContent;
      try { await navigator.clipboard.writeText(text); button.textContent = "Copied"; }
      catch (error) { getSelection().selectAllChildren($(button.dataset.copy)); button.textContent = "Selected: press Ctrl+C"; }
    });
  }
}

// The "Shortlist: [name]" picker: the signed-in user's shortlists, and a way to start one.
const NEW_SHORTLIST = "__new__";
async function fillShortlistPicker(select) {
  const me = await whoAmI();
  if (!(me.permissions || []).includes("workspace")) return false;
  const {body} = await api("/api/v2/shortlists");
  select.innerHTML = "";
  for (const shortlist of body.shortlists) select.add(new Option(`${shortlist.name} (${shortlist.count})`, shortlist.id));
  select.add(new Option("New shortlist…", NEW_SHORTLIST));
  for (const tools of document.querySelectorAll(".shortlist-tools")) tools.hidden = false;
  return true;
}

async function addToShortlist(select, accessions) {
  let id = select.value;
  if (id === NEW_SHORTLIST) {
    const name = (prompt("Name of the new shortlist") || "").trim();
    if (!name) return null;
    const {body} = await api("/api/v2/shortlists", {method: "POST", json: {name, accessions}});
    await fillShortlistPicker(select);
    select.value = body.id;
    return `${accessions.length} added to “${body.name}”.`;
  }
  const {body} = await api(`/api/v2/shortlists/${encodeURIComponent(id)}/items`, {method: "POST", json: {accessions}});
  const name = select.selectedOptions[0].textContent.replace(/ \(\d+\)$/, "");
  await fillShortlistPicker(select);
  select.value = id;
  return body.added.length ? `${body.added.length} added to “${name}”.` : `Already in “${name}”.`;
}

$("sign-out").addEventListener("click", signOut);
showIdentity();
showCorpusLine();
wireCopyButtons();
