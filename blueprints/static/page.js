// The search page. Its whole state lives in the address (q, organism, type, min, max, sort,
// like, page): every search is a history entry, Back and Forward re-run it, a shared link
// reproduces it. Searches go to the v2 API; progress follows the WebSocket, with polling as
// the backstop.
"use strict";

const POLL_MS = 700;
const PAGE_SIZE = 20;
const FACET_ENTRIES = 10;
let current = null; // the search on screen: {id, links, cursors: [null, ...], done, state}
const selected = new Set();

// ---- state <-> address ----------------------------------------------------------------------
function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const number = (name) => (params.get(name) !== null && params.get(name) !== "" ? parseInt(params.get(name), 10) : null);
  return {
    q: params.get("q") || "",
    organisms: params.getAll("organism"),
    types: params.getAll("type"),
    min: number("min"),
    max: number("max"),
    sort: params.get("sort") === "sample_count" ? "sample_count" : "relevance",
    like: params.getAll("like").map((a) => a.toUpperCase()),
    page: Math.max(1, number("page") || 1),
  };
}

function stateUrl(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const organism of state.organisms) params.append("organism", organism);
  for (const type of state.types) params.append("type", type);
  if (state.min !== null && !Number.isNaN(state.min)) params.set("min", state.min);
  if (state.max !== null && !Number.isNaN(state.max)) params.set("max", state.max);
  if (state.sort !== "relevance") params.set("sort", state.sort);
  for (const accession of state.like) params.append("like", accession);
  if (state.page > 1) params.set("page", state.page);
  const text = params.toString();
  return text ? `/?${text}` : "/";
}

function hasSearch(state) { return Boolean(state.q.trim() || state.like.length); }
function withChange(state, change) { return Object.assign({}, state, {page: 1}, change); }

function requestBody(state) {
  const filters = {};
  if (state.organisms.length) filters.organisms = state.organisms;
  if (state.types.length) filters.series_types = state.types;
  if (state.min !== null && !Number.isNaN(state.min)) filters.min_samples = state.min;
  if (state.max !== null && !Number.isNaN(state.max)) filters.max_samples = state.max;
  const body = {query: state.q.trim(), filters, sort: state.sort, page_size: PAGE_SIZE};
  if (state.like.length) body.similar_to = state.like;
  return body;
}

// The form shows the state; submitting it makes a new state (examples are kept).
function fillForm(state) {
  $("query").value = state.q;
  setSelect($("organism"), state.organisms[0] || "");
  setSelect($("series-type"), state.types[0] || "");
  $("min-samples").value = state.min ?? "";
  $("max-samples").value = state.max ?? "";
  $("sort").value = state.sort;
}

function setSelect(select, value) {
  if (value && ![...select.options].some((option) => option.value === value)) select.add(new Option(value, value));
  select.value = value;
}

function formState() {
  const previous = readState();
  const number = (id) => ($(id).value === "" ? null : parseInt($(id).value, 10));
  return withChange(previous, {
    q: $("query").value.trim(),
    organisms: $("organism").value ? [$("organism").value] : [],
    types: $("series-type").value ? [$("series-type").value] : [],
    min: number("min-samples"),
    max: number("max-samples"),
    sort: $("sort").value,
  });
}

// A new state: a history entry, then the search.
function go(state, push = true) {
  if (push) history.pushState(null, "", stateUrl(state));
  run(readState());
}

// ---- running a search -----------------------------------------------------------------------
function setProgress(percent, label) {
  $("progress").hidden = false;
  const value = Math.max(0, Math.min(100, percent));
  $("progress-fill").style.width = `${value}%`;
  $("progress").querySelector(".bar").setAttribute("aria-valuenow", String(value));
  $("progress-label").textContent = label;
}

function stageWords(stage, progress) {
  const words = {queued: "Waiting for a worker", parse: "Reading your query", retrieve: "Finding matching series",
    rank: "Ranking", facets: "Counting facets", finish: "Preparing results"};
  return `${words[stage] || "Searching"} (${progress}%)`;
}

function clearResults() {
  $("message").textContent = "";
  $("results").innerHTML = "";
  $("facets").innerHTML = "";
  $("summary").textContent = "";
  $("pager").hidden = true;
  $("notes").hidden = true;
}

async function run(state, resubmitted = false) {
  fillForm(state);
  offerSave(state);
  clearResults();
  renderChips(state, null);
  renderExamples(state);
  if (!hasSearch(state)) {
    current = null;
    $("progress").hidden = true;
    return;
  }
  const search = {id: null, links: null, cursors: [null], done: false, state, resubmitted};
  current = search;
  $("submit").disabled = true;
  setProgress(0, "Sending your search");
  try {
    const {status, body} = await api("/api/v2/searches", {method: "POST", json: requestBody(state)});
    search.id = body.id;
    search.links = body.links;
    if (status === 200 && body.status === "completed") return showCompleted(search, body);
    follow(search);
  } catch (error) {
    fail(search, error.message);
  }
}

// A search the service lost with its data (410 search_gone, or its socket closed with 4410) is
// submitted again, once: the reader sees the search finish, not an error.
const SEARCH_GONE_CLOSE = 4410;

function resubmitIfGone(search, error) {
  if (error.code !== "search_gone" || search.resubmitted || search !== current) return false;
  search.done = true;
  run(search.state, true);
  return true;
}

function fail(search, message) {
  if (search !== current) return;
  search.done = true;
  $("message").textContent = message;
  $("submit").disabled = false;
  $("progress").hidden = true;
}

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
    if (search !== current) return socket.close();
    if (event.type === "progress") setProgress(event.progress, stageWords(event.stage, event.progress));
    if (event.type === "completed" || event.type === "failed") finish(search);
  };
  socket.onclose = (event) => {
    if (search.done) return;
    if (event.code === SEARCH_GONE_CLOSE && resubmitIfGone(search, {code: "search_gone"})) return;
    poll(search);
  };
  socket.onerror = () => socket.close();
}

async function poll(search) {
  while (!search.done && current === search) {
    try {
      const {body} = await api(search.links.self);
      if (body.status === "completed" || body.status === "failed") return showCompleted(search, body);
      setProgress(body.progress, stageWords(body.stage, body.progress));
    } catch (error) {
      if (resubmitIfGone(search, error)) return;
      return fail(search, error.message);
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
    if (resubmitIfGone(search, error)) return;
    fail(search, error.message);
  }
}

async function showCompleted(search, first) {
  if (search.done || search !== current) return;
  if (first.status === "failed") {
    return fail(search, `The search failed: ${first.error ? first.error.message : "unknown error"}. Please try again.`);
  }
  // Walk the cursors to the page the address asks for (pages are stored server-side).
  let body = first;
  try {
    while (search.cursors.length < search.state.page && body.next_cursor) {
      search.cursors.push(body.next_cursor);
      ({body} = await api(`${search.links.self}?cursor=${encodeURIComponent(body.next_cursor)}`));
      if (search !== current) return;
    }
  } catch (error) {
    if (resubmitIfGone(search, error)) return;
    return fail(search, error.message);
  }
  search.done = true;
  $("submit").disabled = false;
  $("progress").hidden = true;
  const page = search.cursors.length;
  renderSummary(search.state, first, page);
  renderChips(search.state, first.parsed || null);
  renderNotes(first.parsed || {});
  renderFacets(search.state, first.facets || {});
  renderResults(body.results || [], (page - 1) * PAGE_SIZE);
  renderPager(search.state, page, Boolean(body.next_cursor), first.total);
  explainMissing(first);
}

// ---- saving the search on screen (signed-in users with a workspace): alerts for new matches ----
async function offerSave(state) {
  const me = await whoAmI();
  const form = $("save-search");
  form.hidden = !(hasSearch(state) && (me.permissions || []).includes("workspace"));
  $("save-search-said").textContent = "";
  $("save-search-name").value = state.q || state.like.join(", ");
}

async function saveSearch(event) {
  event.preventDefault();
  const state = readState();
  try {
    const {body} = await api("/api/v2/saved-searches", {method: "POST", json: {...requestBody(state), name: $("save-search-name").value}});
    $("save-search-said").innerHTML = `Saved as “${escapeHtml(body.name)}”: new series that match it appear on <a href="/account">your account page</a>.`;
  } catch (error) {
    $("save-search-said").textContent = error.message;
  }
}

// ---- what the page says ---------------------------------------------------------------------
function renderSummary(state, body, page) {
  const total = body.total || 0;
  const what = state.q ? ` “${state.q}”` : "";
  const like = state.like.length ? ` like ${state.like.join(", ")}` : "";
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // The page reads the default API version, whose total counts every match; total_partial
  // (when the search had any) says how many of them cover only some of the query's concepts.
  const partial = body.total_partial || 0;
  const full = total - partial;
  const counted = partial
    ? `${formatCount(full)} series match${what}${like}; ${formatCount(partial)} more match some of it`
    : `${formatCount(total)} series match${what}${like}`;
  $("summary").textContent = total
    ? counted + (pages > 1 ? ` · page ${page} of ${pages}` : "")
    : `No series match${what}${like}`;
  document.title = `${state.q || state.like.join(", ")} · OmicsOracle`;
}

const FIELD_NAMES = {organisms: "organism", series_types: "series type", samples: "samples", similar_to: "like"};

function samplesText(min, max) {
  if (min !== null && max !== null) return `${min}–${max} samples`;
  if (min !== null) return `at least ${min} samples`;
  return `at most ${max} samples`;
}

// Chips: each active filter, removable; those read from the query's words say so.
function renderChips(state, parsed) {
  const chips = [];
  for (const organism of state.organisms) chips.push({label: `organism: ${organism}`, next: withChange(state, {organisms: state.organisms.filter((o) => o !== organism)})});
  for (const type of state.types) chips.push({label: `series type: ${type}`, next: withChange(state, {types: state.types.filter((t) => t !== type)})});
  if (state.min !== null || state.max !== null) chips.push({label: samplesText(state.min, state.max), next: withChange(state, {min: null, max: null})});
  if (state.sort !== "relevance") chips.push({label: "sorted by most samples", next: withChange(state, {sort: "relevance"})});
  for (const reading of (parsed && parsed.readings) || []) {
    const value = reading.field === "samples" ? samplesText(reading.value.min, reading.value.max)
      : [].concat(reading.value).join(" or ");
    const overridden = (reading.field === "organisms" && state.organisms.length) || (reading.field === "series_types" && state.types.length)
      || (reading.field === "samples" && (state.min !== null || state.max !== null));
    chips.push({
      label: `“${reading.words}” → ${FIELD_NAMES[reading.field]}: ${value}` + (overridden ? " (your filter above wins)" : ""),
      next: withChange(state, {q: removeWords(state.q, reading.words)}),
      fromWords: true,
    });
  }
  for (const accession of (parsed && parsed.accessions) || []) {
    if (!accession.startsWith("GPL")) continue;
    chips.push({label: `“${accession}” → platform: ${platformName(accession)}`, next: withChange(state, {q: removeWords(state.q, accession)}), fromWords: true});
  }
  const list = $("chips");
  list.innerHTML = "";
  for (const chip of chips) {
    const item = document.createElement("li");
    item.className = chip.fromWords ? "chip from-words" : "chip";
    const link = document.createElement("a");
    link.href = stateUrl(chip.next);
    link.textContent = chip.label;
    const cross = document.createElement("span");
    cross.setAttribute("aria-hidden", "true");
    cross.textContent = " ×";
    link.append(cross);
    link.title = chip.fromWords ? "Read from the words of your query; remove it to search without it" : "Remove this filter";
    link.setAttribute("aria-label", `Remove ${chip.label}`);
    link.addEventListener("click", (event) => { event.preventDefault(); go(chip.next); });
    item.append(link);
    list.append(item);
  }
  $("chips-box").hidden = chips.length === 0;
}

function removeWords(query, words) {
  const index = query.toLowerCase().indexOf(words.toLowerCase());
  if (index < 0) return query;
  return (query.slice(0, index) + " " + query.slice(index + words.length)).replace(/\s+/g, " ").replace(/\s+,/g, ",").trim();
}

// Parser notes that are not chips already (e.g. a sample accession, an unknown example).
function renderNotes(parsed) {
  const read = new Set(((parsed.readings || []).map((r) => r.words.toLowerCase())));
  const notes = (parsed.notes || []).filter((note) => {
    const quoted = /^"([^"]+)" read as/.exec(note);
    return !(quoted && read.has(quoted[1].toLowerCase()));
  });
  if ((parsed.organisms || []).length || readState().organisms.length) {
    notes.push("An organism filter leaves out series whose organism GEO does not record; remove the organism to see them too.");
  }
  const expansions = (parsed.expansions || []).map((e) => e.phrase).filter(Boolean);
  if (expansions.length) notes.push(`Also searched for other names of your terms: ${expansions.slice(0, 6).join(", ")}.`);
  const list = $("notes");
  list.innerHTML = "";
  for (const note of notes) {
    const item = document.createElement("li");
    item.textContent = note.charAt(0).toUpperCase() + note.slice(1);
    list.append(item);
  }
  list.hidden = notes.length === 0;
}

let platformNames = {};
function platformName(gpl) { return platformNames[gpl] ? `${platformNames[gpl]} (${gpl})` : gpl; }

async function renderExamples(state) {
  const box = $("examples");
  if (!state.like.length) { box.hidden = true; return; }
  box.hidden = false;
  box.innerHTML = `<h2 class="examples-title">Series like these examples</h2><ul class="chips" id="example-list"></ul>`;
  for (const accession of state.like) {
    const item = document.createElement("li");
    item.className = "chip example";
    const name = document.createElement("a");
    name.href = `/datasets/${encodeURIComponent(accession)}`;
    name.textContent = accession;
    const remove = document.createElement("a");
    const next = withChange(state, {like: state.like.filter((a) => a !== accession)});
    remove.href = stateUrl(next);
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Stop using ${accession} as an example`);
    remove.addEventListener("click", (event) => { event.preventDefault(); go(next); });
    item.append(name, " ", remove);
    $("example-list").append(item);
    api(`/api/v2/datasets/${encodeURIComponent(accession)}`)
      .then(({body}) => { name.textContent = `${accession}: ${body.title}`; })
      .catch(() => { name.textContent = `${accession} (not in this corpus)`; });
  }
}

// An exact accession that found nothing is explained, with a link to GEO.
async function explainMissing(body) {
  const shown = new Set([...document.querySelectorAll("#results li")].map((li) => li.dataset.accession));
  const accessions = ((body.parsed && body.parsed.accessions) || []).filter((a) => a.startsWith("GSE") && !shown.has(a));
  const summary = await corpus();
  const size = summary ? `${formatCount(summary.series)} series, as of ${summary.as_of}` : "a copy of GEO's series";
  for (const accession of accessions) {
    try {
      await api(`/api/v2/datasets/${encodeURIComponent(accession)}`);
    } catch (error) {
      if (error.status !== 404) continue;
      const note = document.createElement("li");
      note.innerHTML = `${escapeHtml(accession)} is not in this corpus (${escapeHtml(size)}). It may still exist at NCBI: <a href="${GEO}${encodeURIComponent(accession)}">open ${escapeHtml(accession)} on GEO</a>.`;
      $("notes").append(note);
      $("notes").hidden = false;
    }
  }
}

function markup(html) { return String(html).replace(/<(?!\/?mark>)/g, "&lt;"); }

function field(result, name) {
  const highlight = result.highlights && result.highlights[name];
  return highlight ? markup(highlight) : escapeHtml(result[name]);
}

function renderResults(results, offset) {
  const list = $("results");
  list.start = offset + 1;
  for (const result of results) {
    const item = document.createElement("li");
    item.dataset.accession = result.accession;
    const acc = escapeHtml(result.accession);
    const platforms = (result.platforms || []).slice(0, 2).map(platformName);
    const meta = [
      result.accession,
      (result.organisms || []).join(", "),
      (result.series_types || []).join("; "),
      result.sample_count != null ? `${result.sample_count} samples` : "",
      platforms.join(", "),
    ].filter(Boolean).map(escapeHtml).join(" · ");
    const why = (result.reasons || []).map(escapeHtml).join("; ");
    item.innerHTML = `
      <div class="result-head">
        <input type="checkbox" class="pick" id="pick-${acc}" value="${acc}" ${selected.has(result.accession) ? "checked" : ""}>
        <label for="pick-${acc}" class="visually-hidden">Select ${acc}</label>
        <h3><a href="/datasets/${encodeURIComponent(result.accession)}">${field(result, "title") || acc}</a></h3>
      </div>
      <p class="meta">${meta}</p>
      <p class="snippet">${field(result, "summary")}</p>
      ${why ? `<p class="why">Why: ${why}</p>` : ""}
      <p class="result-actions">
        <a href="/?like=${encodeURIComponent(result.accession)}" class="more-like">More like this<span class="visually-hidden"> (${acc})</span></a>
        <a href="${GEO}${encodeURIComponent(result.accession)}">On GEO<span class="visually-hidden"> (${acc})</span></a>
      </p>`;
    item.querySelector(".pick").addEventListener("change", (event) => toggleSelected(result.accession, event.target.checked));
    item.querySelector(".more-like").addEventListener("click", (event) => { event.preventDefault(); go(withChange(readState(), {q: "", like: [result.accession], organisms: [], types: [], min: null, max: null})); });
    list.append(item);
  }
}

function toggleSelected(accession, on) {
  if (on) selected.add(accession); else selected.delete(accession);
  $("selection").hidden = selected.size === 0;
  $("selection-count").textContent = `${selected.size} selected`;
}

function renderPager(state, page, hasNext, total) {
  const prev = $("prev-page");
  const next = $("next-page");
  prev.hidden = page <= 1;
  next.hidden = !hasNext;
  prev.href = stateUrl(Object.assign({}, state, {page: page - 1}));
  next.href = stateUrl(Object.assign({}, state, {page: page + 1}));
  $("page-label").textContent = `Page ${page} of ${Math.max(1, Math.ceil((total || 0) / PAGE_SIZE))}`;
  $("pager").hidden = page <= 1 && !hasNext;
}

// ---- facets: real links to the state they select --------------------------------------------
function bandRange(band) {
  const plus = /^(\d+)\+$/.exec(band);
  if (plus) return {min: parseInt(plus[1], 10), max: null};
  const range = /^(\d+)-(\d+)$/.exec(band);
  return range ? {min: parseInt(range[1], 10), max: parseInt(range[2], 10)} : null;
}

const FACETS = [
  {name: "organism", title: "Organism", link: (state, value) => withChange(state, {organisms: [value]}), active: (state, value) => state.organisms.includes(value)},
  {name: "series_type", title: "Series type", link: (state, value) => withChange(state, {types: [value]}), active: (state, value) => state.types.includes(value)},
  {name: "sample_size", title: "Samples", link: (state, value) => { const range = bandRange(value); return range && withChange(state, range); },
    active: (state, value) => { const range = bandRange(value); return Boolean(range) && state.min === range.min && state.max === range.max; }},
  {name: "platform", title: "Platform", label: platformName,
    link: (state, value) => withChange(state, {q: `${state.q} ${value}`.trim()}), active: (state, value) => state.q.toUpperCase().split(/\s+/).includes(value)},
];

function facetEntries(name, counts) {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  if (name !== "sample_size") return entries.sort((a, b) => b[1] - a[1]).slice(0, FACET_ENTRIES);
  const lower = ([band]) => (band === "unknown" ? Infinity : parseInt(band, 10));
  return entries.sort((a, b) => lower(a) - lower(b));
}

function renderFacets(state, facets) {
  const box = $("facets");
  box.innerHTML = `<h2 class="facets-title">Refine</h2>`;
  for (const facet of FACETS) {
    const entries = facetEntries(facet.name, facets[facet.name] || {});
    if (!entries.length) continue;
    const title = document.createElement("h3");
    title.textContent = facet.title;
    const list = document.createElement("ul");
    for (const [value, count] of entries) {
      const item = document.createElement("li");
      const next = facet.link(state, value);
      const label = facet.label ? facet.label(value) : (facet.name === "sample_size" && value !== "unknown" ? `${value} samples` : value);
      const text = value === "unknown" ? "not recorded" : label;
      let element;
      if (next && !facet.active(state, value)) {
        element = document.createElement("a");
        element.href = stateUrl(next);
        element.addEventListener("click", (event) => { event.preventDefault(); go(next); });
      } else {
        element = document.createElement("span");
        if (next) element.className = "active-facet";
      }
      element.textContent = text;
      const number = document.createElement("span");
      number.className = "count";
      number.textContent = formatCount(count);
      item.append(element, number);
      list.append(item);
    }
    box.append(title, list);
  }
}

// ---- the filter panel's choices come from the corpus itself ---------------------------------
async function fillChoices() {
  const summary = await corpus();
  if (!summary) return;
  platformNames = summary.platform_names || {};
  const state = readState();
  for (const [id, values] of [["organism", summary.organisms], ["series-type", summary.series_types]]) {
    const select = $(id);
    for (const [value, count] of Object.entries(values).sort((a, b) => b[1] - a[1])) select.add(new Option(`${value} (${formatCount(count)})`, value));
  }
  fillForm(state);
}

// ---- wiring ---------------------------------------------------------------------------------
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  go(formState());
});
$("save-search").addEventListener("submit", saveSearch);
$("prev-page").addEventListener("click", (event) => { event.preventDefault(); go(readState($("prev-page").search)); });
$("next-page").addEventListener("click", (event) => { event.preventDefault(); go(readState($("next-page").search)); });
$("search-selected").addEventListener("click", () => {
  const like = [...selected].slice(0, 10);
  selected.clear();
  toggleSelected("", false);
  go(withChange(readState(), {q: "", like, organisms: [], types: [], min: null, max: null}));
});
$("clear-selection").addEventListener("click", () => {
  selected.clear();
  for (const box of document.querySelectorAll(".pick")) box.checked = false;
  toggleSelected("", false);
});
$("add-selected").addEventListener("click", async () => {
  try {
    const said = await addToShortlist($("shortlist-target"), [...selected]);
    if (said) $("selection-count").textContent = said;
  } catch (error) {
    $("message").textContent = error.message;
  }
});
window.addEventListener("popstate", () => run(readState()));
fillShortlistPicker($("shortlist-target")).catch(() => {});
fillChoices().then(() => run(readState()));
