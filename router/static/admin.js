// Administration pages: inbox, training data and responses, train/evaluate/deploy, history.
// Requests go through console-api.js (CSRF token, login on a lost session). Text from the server is inserted with
// textContent only. The dashboard and audit pages are rendered on the server (charts are inline SVG).
"use strict";

(function () {
  const el = (id) => document.getElementById(id);
  const section = document.querySelector("main[data-section]").dataset.section;
  const statusLine = el("admin-status");

  function say(text) { statusLine.textContent = text; }

  const api = window.hbgConsoleApi("/agent/login?next=admin");

  // Runs a change: disables the control while it runs and reports the outcome in the status line.
  // Resolves to true when the action succeeded.
  async function attempt(control, waiting, action) {
    if (control) control.disabled = true;
    say(waiting);
    try { const done = await action(); if (done) say(done); return true; }
    catch (error) { say(error.message); return false; }
    finally { if (control) control.disabled = false; }
  }

  // A deploy first starts a stand-in Rasa with the new model, which answers the residents during the swap.
  const SWAPPING = "Startar den nya modellen vid sidan av och byter sedan – chatten svarar hela tiden. Det tar 1–3 minuter …";
  const swapTook = (result) => `klart på ${Math.round(result.total_seconds)} s, varav själva bytet ${Math.round(result.swap_seconds)} s`;

  function node(tag, text, attributes) {
    const element = document.createElement(tag);
    if (text !== undefined && text !== null) element.textContent = String(text);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
    return element;
  }

  function cells(row, values) { for (const value of values) row.appendChild(node("td", value)); }
  function when(iso) { return iso ? new Date(iso).toLocaleString("sv-SE", { dateStyle: "short", timeStyle: "short" }) : "–"; }
  function score(value) { return value === null || value === undefined ? "–" : value.toFixed(3); }
  function percent(value) { return value === null || value === undefined ? "–" : (100 * value).toFixed(1) + " %"; }

  async function intentNames() {
    const data = await api("GET", "/api/admin/intents");
    return data.intents.map((intent) => intent.name);
  }

  // --- inbox ------------------------------------------------------------------------------------
  async function inboxPage() {
    const table = el("inbox-table").querySelector("tbody");
    const names = await intentNames();
    for (const name of names) el("filter-intent").appendChild(node("option", name, { value: name }));
    let reasonTexts = {};

    async function load() {
      const query = new URLSearchParams();
      if (el("filter-intent").value) query.set("intent", el("filter-intent").value);
      if (el("filter-reason").value) query.set("reason", el("filter-reason").value);
      const data = await api("GET", "/api/admin/inbox?" + query);
      if (!Object.keys(reasonTexts).length) {
        for (const reason of data.reasons) {
          reasonTexts[reason.value] = reason.text;
          el("filter-reason").appendChild(node("option", reason.text, { value: reason.value }));
        }
      }
      table.replaceChildren(...data.items.map(row));
      el("inbox-empty").hidden = data.items.length > 0;
    }

    function row(item) {
      const tr = document.createElement("tr");
      cells(tr, [when(item.at), item.text, item.intent || "–",
        item.confidence === null ? "–" : Math.round(100 * item.confidence) + " %",
        item.reasons.map((reason) => reasonTexts[reason] || reason).join(", ")]);
      tr.children[1].id = "inbox-text-" + item.id;
      const td = document.createElement("td");
      const form = node("form", null, { class: "annotate" });
      const selectId = "annotate-" + item.id;
      form.appendChild(node("label", "Rätt intent", { for: selectId }));
      const select = node("select", null, { id: selectId, "aria-describedby": "inbox-text-" + item.id });
      for (const name of names) {
        const option = node("option", name, { value: name });
        if (name === item.intent) option.selected = true;
        select.appendChild(option);
      }
      form.appendChild(select);
      const save = node("button", "Spara som exempel", { type: "submit" });
      const scope = node("button", "Utanför området", { type: "button", class: "secondary" });
      const dismiss = node("button", "Avfärda", { type: "button", class: "secondary" });
      form.append(save, scope, dismiss);
      const send = (control, action, intent) => attempt(control, "Sparar och validerar …", async () => {
        await api("POST", `/api/admin/inbox/${item.id}/annotate`, { action, intent });
        tr.remove();
        return action === "dismiss" ? "Meddelandet avfärdades." : "Meddelandet sparades som träningsexempel.";
      });
      form.addEventListener("submit", (event) => { event.preventDefault(); send(save, "intent", select.value); });
      scope.addEventListener("click", () => send(scope, "out_of_scope"));
      dismiss.addEventListener("click", () => send(dismiss, "dismiss"));
      td.appendChild(form);
      tr.appendChild(td);
      return tr;
    }

    el("inbox-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      attempt(null, "Hämtar …", async () => { await load(); return ""; });
    });
    await load();
  }

  // --- training data and responses ------------------------------------------------------------------
  async function dataPage() {
    let intents = [];
    let responses = [];

    async function loadIntents() {
      intents = (await api("GET", "/api/admin/intents")).intents;
      const select = el("intent-select");
      const chosen = select.value;
      select.replaceChildren(...intents.map((intent) => node("option", `${intent.name} (${intent.examples.length})`, { value: intent.name })));
      if (chosen) select.value = chosen;
      showIntent();
    }

    function showIntent() {
      const intent = intents.find((item) => item.name === el("intent-select").value);
      if (!intent) return;
      el("intent-file").textContent = intent.file ? "Fil: " + intent.file : "Inga exempel ännu.";
      el("example-list").replaceChildren(...intent.examples.map((example) => {
        const li = node("li");
        li.appendChild(node("span", example));
        const remove = node("button", "Ta bort", { type: "button", class: "secondary", "aria-label": "Ta bort exemplet " + example });
        remove.addEventListener("click", () => attempt(remove, "Tar bort och validerar …", async () => {
          await api("POST", `/api/admin/intents/${intent.name}/examples/remove`, { example });
          await loadIntents();
          return "Exemplet togs bort.";
        }));
        li.appendChild(remove);
        return li;
      }));
    }

    async function loadResponses() {
      responses = (await api("GET", "/api/admin/responses")).responses;
      const select = el("response-select");
      const chosen = select.value;
      select.replaceChildren(...responses.map((response) => node("option", response.name, { value: response.name })));
      if (chosen) select.value = chosen;
      showResponse();
    }

    function showResponse() {
      const response = responses.find((item) => item.name === el("response-select").value);
      if (!response) return;
      el("response-variants").replaceChildren(...response.variants.map((variant) => {
        const form = node("form", null, { class: "response-form" });
        const id = `variant-${response.name}-${variant.index}`;
        const label = `Variant ${variant.index + 1}` + (variant.conditional ? " (med villkor)" : "");
        form.appendChild(node("label", label, { for: id }));
        const text = node("textarea", null, { id, rows: "4", maxlength: "2000", required: "" });
        text.value = variant.text;
        const save = node("button", "Spara svarstext", { type: "submit" });
        form.append(text, save);
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          attempt(save, "Sparar och validerar …", async () => {
            await api("POST", `/api/admin/responses/${response.name}/${variant.index}`, { text: text.value });
            await loadResponses();
            return "Svarstexten sparades.";
          });
        });
        return form;
      }));
    }

    el("intent-select").addEventListener("change", showIntent);
    el("response-select").addEventListener("change", showResponse);
    el("add-example-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = el("new-example");
      attempt(event.submitter, "Sparar och validerar …", async () => {
        await api("POST", `/api/admin/intents/${el("intent-select").value}/examples`, { examples: [input.value] });
        input.value = "";
        await loadIntents();
        return "Exemplet lades till.";
      });
    });
    el("import-form").addEventListener("submit", (event) => {
      event.preventDefault();
      attempt(event.submitter, "Importerar och validerar …", async () => {
        const data = await api("POST", "/api/admin/import", { yaml: el("import-yaml").value });
        el("import-yaml").value = "";
        await loadIntents();
        const count = Object.values(data.added).reduce((sum, list) => sum + list.length, 0);
        return `${count} exempel importerades.`;
      });
    });
    await Promise.all([loadIntents(), loadResponses()]);
  }

  // --- train, evaluate, deploy ------------------------------------------------------------------------
  async function modelsPage() {
    let pollTimer = null;
    let lastJobStatus = null;

    function showJob(job) {
      if (!job) return;
      const kinds = { train: "Träning", evaluate: "Utvärdering", cross_validation: "Korsvalidering" };
      const states = { running: "pågår", succeeded: "klar", failed: "misslyckades" };
      let text = `${kinds[job.kind] || job.kind} (startad av ${job.actor}) ${states[job.status]}: ${job.stage_text}`;
      if (job.component) text += ` – ${job.component}`;
      if (job.epoch) text += ` – epok ${job.epoch} av ${job.epochs}`;
      if (job.seconds !== null) text += ` – ${Math.round(job.seconds)} s`;
      if (job.rss_peak_mb) text += ` – minne högst ${Math.round(job.rss_peak_mb)} MB`;
      if (job.error) text += `. Orsak: ${job.error}`;
      if (job.result && job.result.macro_f1 !== undefined && job.kind === "cross_validation") text += ` – makro-F1 ${score(job.result.macro_f1)}`;
      el("job-summary").textContent = text;
      const progress = el("job-progress");
      progress.hidden = !(job.status === "running" && job.epochs);
      if (job.epochs) progress.value = Math.round(100 * job.epoch / job.epochs);
      el("job-output-box").hidden = job.output.length === 0;
      el("job-output").textContent = job.output.join("\n");
      el("train-button").disabled = job.status === "running";
    }

    async function poll() {
      const { job } = await api("GET", "/api/admin/job");
      showJob(job);
      if (job && job.status === "running") {
        pollTimer = setTimeout(() => poll().catch((error) => say(error.message)), 2000);
      } else {
        pollTimer = null;
        if (lastJobStatus === "running" && job) {
          say(job.status === "succeeded" ? "Jobbet är klart." : "Jobbet misslyckades. Inget ändrades.");
          await loadModels();
          if (job.result && job.result.model_id) await showEvaluation(job.result.model_id);
        }
      }
      lastJobStatus = job ? job.status : null;
    }

    function startPolling() { if (!pollTimer) { lastJobStatus = "running"; poll().catch((error) => say(error.message)); } }

    async function loadModels() {
      const { models } = await api("GET", "/api/admin/models");
      el("models-table").querySelector("tbody").replaceChildren(...models.map((model) => {
        const tr = document.createElement("tr");
        cells(tr, [model.name, when(model.created_at), score(model.macro_f1), percent(model.emergency_recall),
          model.serving ? "I drift" : (model.exists ? "" : "Filen saknas")]);
        const td = document.createElement("td");
        const show = node("button", model.evaluated ? "Visa utvärdering" : "Utvärdera", { type: "button", class: "secondary", "aria-label": (model.evaluated ? "Visa utvärdering av " : "Utvärdera ") + model.name });
        show.addEventListener("click", () => attempt(show, "", async () => {
          if (model.evaluated) { await showEvaluation(model.id); return ""; }
          await api("POST", `/api/admin/models/${model.id}/evaluate`);
          startPolling();
          return "Utvärderingen startade.";
        }));
        td.appendChild(show);
        tr.appendChild(td);
        return tr;
      }));
      await loadHistory();
    }

    let shownModel = null; // the model whose evaluation is open

    async function showEvaluation(modelId, focus = true) {
      const data = await api("GET", `/api/admin/models/${modelId}/evaluation`);
      shownModel = modelId;
      const box = el("evaluation");
      box.hidden = false;
      const evaluation = data.evaluation || {};
      const serving = data.serving_evaluation || {};
      const summary = el("evaluation-summary");
      summary.replaceChildren(
        node("p", `Ny modell ${data.model.name}: makro-F1 ${score(data.model.macro_f1)}, akutfall fångade ${percent(data.model.emergency_recall)}.`),
        node("p", data.serving ? `I drift ${data.serving.name}: makro-F1 ${score(data.serving.macro_f1)}, akutfall fångade ${percent(data.serving.emergency_recall)}.` : "Ingen modell i drift kunde läsas av."),
      );
      for (const missed of evaluation.emergency_missed || []) summary.appendChild(node("p", "Missat akutfall: " + missed, { class: "error" }));
      const gate = el("gate");
      gate.replaceChildren();
      if (data.gate_problems.length) {
        gate.appendChild(node("p", "Spärren stoppar driftsättning:", { class: "error" }));
        const list = node("ul");
        for (const problem of data.gate_problems) list.appendChild(node("li", problem));
        gate.appendChild(list);
      } else {
        gate.appendChild(node("p", "Spärren släpper igenom modellen."));
      }
      el("override-box").hidden = data.gate_problems.length === 0;
      el("deploy-model").value = data.model.id;
      el("deploy-button").disabled = !data.model.evaluated || (data.serving && data.serving.id === data.model.id);
      const servingScores = Object.fromEntries((serving.intents || []).map((row) => [row.intent, row.f1]));
      el("intent-table").querySelector("tbody").replaceChildren(...(evaluation.intents || []).map((row) => {
        const tr = document.createElement("tr");
        const before = servingScores[row.intent];
        cells(tr, [row.intent, score(row.precision), score(row.recall), score(row.f1), score(before), row.support]);
        if (before !== undefined && row.f1 < before - 0.01) tr.className = "worse";
        return tr;
      }));
      const image = el("confusion-image");
      image.hidden = !evaluation.confusion_matrix;
      if (evaluation.confusion_matrix) image.src = `/api/admin/models/${modelId}/confusion.png?t=${Date.now()}`;
      if (focus) el("evaluation-heading").focus();
    }

    // After a deploy or rollback: the lists, and the open evaluation's comparison with the model in service.
    async function refreshAfterSwap() {
      await loadModels();
      if (shownModel !== null) await showEvaluation(shownModel, false);
    }

    async function loadHistory() {
      const { history } = await api("GET", "/api/admin/history");
      const kinds = { startup: "Vid start", deploy: "Driftsättning", rollback: "Återställning" };
      const inService = history.find((entry) => entry.serving);
      el("history-table").querySelector("tbody").replaceChildren(...history.map((entry) => {
        const tr = document.createElement("tr");
        cells(tr, [when(entry.from), entry.until ? when(entry.until) : "nu", entry.model.name, score(entry.model.macro_f1),
          (kinds[entry.kind] || entry.kind) + (entry.override_reason ? ` (förbi spärren: ${entry.override_reason})` : ""), entry.actor]);
        const td = document.createElement("td");
        if (entry.model.exists && !(inService && inService.model.id === entry.model.id)) {
          const back = node("button", "Återställ", { type: "button", class: "secondary", "aria-label": "Återställ till " + entry.model.name });
          back.addEventListener("click", async () => {
            const done = await attempt(back, SWAPPING, async () => {
              const result = await api("POST", `/api/admin/models/${entry.model.id}/rollback`);
              return `Återställd till ${result.model.name} (${swapTook(result)}).`;
            });
            if (done) await refreshAfterSwap();
          });
          td.appendChild(back);
        }
        tr.appendChild(td);
        return tr;
      }));
    }

    el("evaluation-heading").tabIndex = -1;
    el("train-button").addEventListener("click", () => attempt(el("train-button"), "Startar träningen …", async () => {
      await api("POST", "/api/admin/train");
      startPolling();
      return "Träningen startade. Den gamla modellen svarar under tiden.";
    }));
    el("cv-form").addEventListener("submit", (event) => {
      event.preventDefault();
      attempt(event.submitter, "Startar korsvalidering …", async () => {
        await api("POST", "/api/admin/cross-validation", { folds: Number(el("cv-folds").value) });
        startPolling();
        return "Korsvalideringen startade.";
      });
    });
    el("deploy-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const reason = el("override-reason").value.trim();
      const done = await attempt(el("deploy-button"), SWAPPING, async () => {
        const result = await api("POST", `/api/admin/models/${el("deploy-model").value}/deploy`, reason ? { override_reason: reason } : {});
        return `${result.model.name} är i drift (${swapTook(result)}).`;
      });
      if (done) await refreshAfterSwap();
    });
    await loadModels();
    const { job } = await api("GET", "/api/admin/job");
    showJob(job);
    if (job && job.status === "running") startPolling();
  }

  const pages = { inbox: inboxPage, data: dataPage, models: modelsPage };
  if (pages[section]) pages[section]().catch((error) => say(error.message));
})();
