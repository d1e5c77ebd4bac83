// The kubetune dashboard page. Cluster data arrives as JSON over server-sent events. Text from the
// cluster only ever enters the page as text nodes; the one exception is the charts' HTML, which the
// server draws with report.html's view functions (every value escaped there). The CSP forbids inline
// script besides.
"use strict";

const main = document.getElementById("main");
const problem = document.getElementById("problem");
const title = document.getElementById("title");
const state = { sort: { key: "index", dir: 1 }, filter: "", outcome: "", last: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? "" : String(c)));
  return e;
}

function showProblem(text) {
  problem.textContent = text || "";
  problem.hidden = !text;
}

function listen(url, render) {
  const source = new EventSource(url);
  source.onmessage = (m) => {
    const data = JSON.parse(m.data);
    if (data && data.ok === false) showProblem(data.detail);
    else {
      showProblem("");
      render(data);
    }
  };
  source.onerror = () => showProblem("lost the connection to the dashboard server; retrying…");
}

function renderList(jobs) {
  const head = el("tr", {}, ...["job", "phase", "progress", "best", "best trial", "started", "problem"].map((h) => el("th", {}, h)));
  const rows = jobs.map((j) => {
    const link = el("a", { href: `/jobs/${encodeURIComponent(j.namespace)}/${encodeURIComponent(j.name)}` }, j.name);
    return el("tr", { "data-job": j.name }, el("td", {}, link), el("td", { class: j.phase }, j.phase), el("td", {}, j.progress), el("td", {}, j.best ? `${j.metric} ${j.best}` : "–"), el("td", {}, j.bestTrial), el("td", {}, j.started), el("td", { class: "failed" }, j.problem));
  });
  const table = el("table", { id: "jobs" }, head, ...rows);
  main.replaceChildren(el("h2", {}, `TuningJobs in ${document.body.dataset.namespace}`), jobs.length ? table : el("p", {}, "No TuningJobs in this namespace yet."));
}

function compare(a, b, key) {
  const va = key.startsWith("param:") ? a.params[key.slice(6)] : a[key];
  const vb = key.startsWith("param:") ? b.params[key.slice(6)] : b[key];
  if (va === vb) return a.index - b.index;
  if (va === null || va === undefined || va === "") return 1;
  if (vb === null || vb === undefined || vb === "") return -1;
  return typeof va === "number" && typeof vb === "number" ? va - vb : String(va).localeCompare(String(vb));
}

function trialTable(job) {
  const cols = [["name", "trial"], ["outcome", "outcome"], ["value", job.metric], ["steps", "steps"], ...job.parameters.map((p) => [`param:${p}`, p]), ["reason", "stop / failure reason"]];
  const needle = state.filter.toLowerCase();
  const rows = job.trials
    .filter((t) => !state.outcome || t.outcome === state.outcome)
    .filter((t) => !needle || [t.name, t.reason, ...Object.values(t.params)].some((v) => String(v).toLowerCase().includes(needle)))
    .sort((a, b) => state.sort.dir * compare(a, b, state.sort.key));
  const head = el("tr", {}, ...cols.map(([key, label]) => {
    const th = el("th", { "data-key": key, class: "sortable" }, label + (state.sort.key === key ? (state.sort.dir > 0 ? " ▲" : " ▼") : ""));
    th.onclick = () => {
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      renderTable(job);
    };
    return th;
  }));
  const body = rows.map((t) =>
    el("tr", { class: t.best ? "best" : "", "data-trial": t.name },
      el("td", {}, t.name), el("td", { class: t.outcome }, t.outcome), el("td", {}, t.valueText || "–"), el("td", {}, t.steps),
      ...job.parameters.map((p) => el("td", {}, t.paramsText[p])), el("td", { class: "reason" }, t.reason)));
  return el("table", { id: "trials" }, head, ...body);
}

function renderTable(job) {
  const old = document.getElementById("trials");
  if (old) old.replaceWith(trialTable(job));
}

function controls(job) {
  const filter = el("input", { id: "filter", type: "search", placeholder: "filter by name, parameter or reason" });
  filter.value = state.filter;
  filter.oninput = () => {
    state.filter = filter.value;
    renderTable(job());
  };
  const outcome = el("select", { id: "outcome" }, ...["", "succeeded", "earlyStopped", "failed", "running", "pending"].map((o) => el("option", { value: o }, o || "all outcomes")));
  outcome.value = state.outcome;
  outcome.onchange = () => {
    state.outcome = outcome.value;
    renderTable(job());
  };
  return el("p", { class: "controls" }, filter, " ", outcome);
}

function renderJob(job) {
  state.last = job;
  title.textContent = `· ${job.job}`;
  document.title = `kubetune · ${job.job}`;
  if (!document.getElementById("summary")) {
    main.replaceChildren(el("div", { id: "summary" }), el("div", { id: "sections" }), el("h2", {}, "Trials"), controls(() => state.last), el("table", { id: "trials" }));
  }
  // Server-drawn markup (report.html's view functions, every value escaped there).
  document.getElementById("summary").innerHTML = job.summary;
  const sections = document.getElementById("sections");
  sections.replaceChildren(...job.sections.map((s) => {
    const div = el("div", { id: `section-${s.id}` });
    div.innerHTML = s.html;
    return el("section", {}, el("h2", {}, s.title), div);
  }));
  renderTable(job);
  document.body.dataset.trials = String(job.trials.length);
}

const m = /^\/jobs\/([^/]+)\/([^/]+)$/.exec(location.pathname);
if (m) listen(`/api/jobs/${m[1]}/${m[2]}/events`, renderJob);
else listen("/api/jobs/events", renderList);
