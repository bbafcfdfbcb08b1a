// A series' page: "more like this" (a v2 search by example) and adding it to a shortlist.
"use strict";

const ACCESSION = document.querySelector(".dataset").dataset.accession;

async function similarSeries() {
  const status = $("like-status");
  try {
    let {body} = await api("/api/v2/searches", {method: "POST", json: {similar_to: [ACCESSION], page_size: 6}});
    for (let tries = 0; body.status !== "completed" && body.status !== "failed" && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      ({body} = await api(body.links.self));
    }
    const others = (body.results || []).filter((result) => result.accession !== ACCESSION).slice(0, 5);
    status.textContent = others.length ? "" : "No similar series found in this corpus.";
    status.hidden = others.length > 0;
    for (const result of others) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/datasets/${encodeURIComponent(result.accession)}`;
      link.textContent = `${result.accession}: ${result.title}`;
      const meta = [(result.organisms || []).join(", "), result.sample_count != null ? `${result.sample_count} samples` : ""].filter(Boolean).join(" · ");
      item.append(link, meta ? ` (${meta})` : "");
      $("like-results").append(item);
    }
  } catch (error) {
    status.textContent = error.message;
  }
}

$("add-to-shortlist").addEventListener("click", async () => {
  try {
    $("message").textContent = await addToShortlist($("shortlist-target"), [ACCESSION]) || "";
    $("message").className = "hint";
  } catch (error) {
    $("message").className = "message";
    $("message").textContent = error.message;
  }
});
fillShortlistPicker($("shortlist-target")).catch(() => {});
similarSeries();
