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

  // Controls only this script can carry out come disabled from the server (marked data-needs-script): a form
  // sent before the script listens reloads the page and loses what was typed, a button does nothing. Each is
  // enabled when its listener is attached.
  function listen(id, type, handler) {
    const target = el(id);
    target.addEventListener(type, handler);
    const controls = target.matches("[data-needs-script]") ? [target] : target.querySelectorAll("[data-needs-script]");
    for (const control of controls) control.disabled = false;
  }

  function node(tag, text, attributes) {
    const element = document.createElement(tag);
    if (text !== undefined && text !== null) element.textContent = String(text);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
    return element;
  }

  // 95 → "1 min 35 s"; 3725 → "1 h 2 min".
  function duration(seconds) {
    const total = Math.round(seconds);
    if (total < 60) return `${total} s`;
    if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`;
    return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`;
  }

  function cells(row, values) { for (const value of values) row.appendChild(node("td", value)); }
  // Local time (Europe/Stockholm) and Swedish numbers (decimal comma) everywhere.
  function when(iso) { return iso ? new Date(iso).toLocaleString("sv-SE", { timeZone: "Europe/Stockholm", dateStyle: "short", timeStyle: "short" }) : "–"; }
  function score(value) { return value === null || value === undefined ? "–" : value.toFixed(3).replace(".", ","); }
  function percent(value) { return value === null || value === undefined ? "–" : (100 * value).toFixed(1).replace(".", ",") + "\u00a0%"; }

  async function intentList() {
    return (await api("GET", "/api/admin/intents")).intents;
  }

  // "Öppettider (opening_hours)": the administrator reads the Swedish description, the code stays visible.
  function intentLabel(descriptions, name) {
    if (!name) return "–";
    return descriptions[name] && descriptions[name] !== name ? `${descriptions[name]} (${name})` : name;
  }

  // --- inbox ------------------------------------------------------------------------------------
  async function inboxPage() {
    const list = el("inbox-list");
    const intents = await intentList();
    const descriptions = Object.fromEntries(intents.map((intent) => [intent.name, intent.description]));
    descriptions.nlu_fallback = descriptions.nlu_fallback || "Roboten förstod inte (reservsvar)";
    for (const intent of intents) el("filter-intent").appendChild(node("option", intentLabel(descriptions, intent.name), { value: intent.name }));
    const reasonTexts = {};
    let page = 1;
    const speakers = { resident: "Invånaren", bot: "Roboten", agent: "Kommunvägledaren", system: "Systemet" };

    async function load() {
      const query = new URLSearchParams({ page: String(page) });
      for (const [id, key] of [["filter-intent", "intent"], ["filter-reason", "reason"], ["filter-from", "from"], ["filter-to", "to"]]) {
        if (el(id).value) query.set(key, el(id).value);
      }
      const data = await api("GET", "/api/admin/inbox?" + query);
      if (!Object.keys(reasonTexts).length) {
        for (const reason of data.reasons) {
          reasonTexts[reason.value] = reason.text;
          el("filter-reason").appendChild(node("option", reason.text, { value: reason.value }));
        }
      }
      list.replaceChildren(...data.items.map(row));
      el("inbox-empty").hidden = data.items.length > 0;
      el("inbox-summary").textContent = data.total
        ? `${data.total} rader (${data.messages} meddelanden), nyast först.` : "";
      el("inbox-pages").hidden = data.pages <= 1;
      el("page-text").textContent = `Sida ${data.page} av ${data.pages}`;
      el("page-previous").disabled = data.page <= 1;
      el("page-next").disabled = data.page >= data.pages;
    }

    function turns(title, messages, className) {
      if (!messages.length) return null;
      const box = node("div", null, { class: "turns " + className });
      box.appendChild(node("p", title, { class: "turns-title" }));
      for (const message of messages) {
        const p = node("p", null, { class: "turn turn-" + message.from });
        p.appendChild(node("span", (speakers[message.from] || message.from) + ": ", { class: "speaker" }));
        p.appendChild(node("span", message.text));
        box.appendChild(p);
      }
      return box;
    }

    function row(item) {
      const li = node("li", null, { class: "inbox-item", id: "inbox-item-" + item.id });
      const textId = "inbox-text-" + item.id;
      const head = node("p", null, { class: "inbox-text" });
      head.appendChild(node("span", item.text, { id: textId }));
      if (item.count > 1) head.appendChild(node("span", `${item.count} likadana`, { class: "count" }));
      li.appendChild(head);
      const meta = node("p", null, { class: "inbox-meta" });
      const confidence = item.confidence === null ? "–" : Math.round(100 * item.confidence) + "\u00a0%";
      meta.append(
        node("span", "Senast " + when(item.at)),
        node("span", "Förutsagt: " + intentLabel(descriptions, item.intent) + ", säkerhet " + confidence),
        node("span", "Orsak: " + item.reasons.map((reason) => reasonTexts[reason] || reason).join(", ")),
      );
      li.appendChild(meta);
      const context = node("div", null, { class: "inbox-context" });
      for (const part of [turns("Före", item.context.before, "before"), turns("Robotens svar", item.context.reply, "reply"),
        turns("Därefter", item.context.after, "after")]) if (part) context.appendChild(part);
      if (!item.context.reply.length) context.appendChild(node("p", "Roboten svarade inte.", { class: "muted" }));
      li.appendChild(context);

      const form = node("form", null, { class: "annotate", novalidate: "" });
      const selectId = "annotate-" + item.id;
      const statusId = "annotate-status-" + item.id;
      form.appendChild(node("label", "Rätt intent", { for: selectId }));
      const select = node("select", null, { id: selectId, "aria-describedby": textId + " " + statusId });
      select.appendChild(node("option", "Välj intent …", { value: "" }));
      for (const intent of intents) select.appendChild(node("option", intentLabel(descriptions, intent.name), { value: intent.name }));
      form.appendChild(select);
      const save = node("button", "Spara som exempel", { type: "submit" });
      const scope = node("button", "Utanför området", { type: "button", class: "secondary" });
      const dismiss = node("button", "Avfärda", { type: "button", class: "secondary" });
      form.append(save, scope, dismiss);
      const status = node("p", "", { id: statusId, class: "row-status", role: "status" });
      li.append(form, status);

      // The outcome is shown in the row itself; after a decision the row becomes its confirmation, which takes
      // the focus, so a keyboard or screen reader user stays where they were.
      function done(text) {
        li.replaceChildren(node("p", text, { class: "row-done", tabindex: "-1" }));
        li.classList.add("done");
        li.firstChild.focus();
      }
      async function send(control, action, intent) {
        for (const button of form.querySelectorAll("button, select")) button.disabled = true;
        status.className = "row-status";
        status.textContent = action === "dismiss" ? "Avfärdar …" : "Sparar …";
        try {
          const result = await api("POST", `/api/admin/inbox/${item.id}/annotate`, { action, intent });
          const many = result.messages > 1 ? ` (${result.messages} likadana meddelanden)` : "";
          if (action === "dismiss") done(`Avfärdat: ”${item.text}”${many}.`);
          else if (action === "out_of_scope") done(`Sparat som utanför området: ”${result.example}”${many}.`);
          else done(`Sparat som exempel för ${intentLabel(descriptions, result.intent)}: ”${result.example}”${many}.`);
        } catch (error) {
          for (const button of form.querySelectorAll("button, select")) button.disabled = false;
          status.className = "row-status error";
          status.textContent = error.message;
          control.focus();
        }
      }
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!select.value) {
          status.className = "row-status error";
          status.textContent = "Välj rätt intent i listan innan du sparar. Inget sparades.";
          select.setAttribute("aria-invalid", "true");
          select.focus();
          return;
        }
        select.removeAttribute("aria-invalid");
        send(save, "intent", select.value);
      });
      scope.addEventListener("click", () => send(scope, "out_of_scope"));
      dismiss.addEventListener("click", () => send(dismiss, "dismiss"));
      return li;
    }

    listen("inbox-filter", "submit", (event) => {
      event.preventDefault();
      page = 1;
      attempt(null, "Hämtar …", async () => { await load(); return ""; });
    });
    el("page-previous").addEventListener("click", () => { page -= 1; attempt(null, "Hämtar …", async () => { await load(); el("inbox-summary").focus(); return ""; }); });
    el("page-next").addEventListener("click", () => { page += 1; attempt(null, "Hämtar …", async () => { await load(); el("inbox-summary").focus(); return ""; }); });
    el("inbox-summary").tabIndex = -1;
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
      select.replaceChildren(...intents.map((intent) => node("option",
        `${intentLabel(Object.fromEntries(intents.map((i) => [i.name, i.description])), intent.name)} – ${intent.examples.length} exempel`,
        { value: intent.name })));
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
    listen("add-example-form", "submit", (event) => {
      event.preventDefault();
      const input = el("new-example");
      attempt(event.submitter, "Sparar och validerar …", async () => {
        await api("POST", `/api/admin/intents/${el("intent-select").value}/examples`, { examples: [input.value] });
        input.value = "";
        await loadIntents();
        return "Exemplet lades till.";
      });
    });
    listen("import-form", "submit", (event) => {
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
    const descriptions = Object.fromEntries((await intentList()).map((intent) => [intent.name, intent.description]));
    let pollTimer = null;
    let lastJobStatus = null;

    function showJob(job) {
      if (!job) return;
      const kinds = { train: "Träning", evaluate: "Utvärdering", cross_validation: "Korsvalidering" };
      const states = { running: "pågår", succeeded: "klar", failed: "misslyckades" };
      // "Träning (startad av ada 2026-11-30 10:05) misslyckades efter 3 s. Orsak: …" – the stage only while it runs.
      let text = `${kinds[job.kind] || job.kind} (startad av ${job.actor} ${when(job.started_at)}) ${states[job.status]}`;
      if (job.status === "running") text += `: ${job.stage_text}`;
      if (job.component) text += ` – ${job.component}`;
      if (job.epoch && job.status === "running") text += ` – epok ${job.epoch} av ${job.epochs}`;
      if (job.seconds !== null) text += ` efter ${duration(job.seconds)}`;
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

    function showChanges(changes) {
      const box = el("data-changes");
      if (changes.changed === null) {
        box.replaceChildren(node("p", changes.serving
          ? `Träningsdata ändrad sedan modellen i drift: okänt (${changes.serving} tränades utan uppgift om sina träningsdata).`
          : "Träningsdata ändrad sedan modellen i drift: okänt (ingen modell i drift kunde läsas av)."));
        return;
      }
      const answer = node("p", null, { class: "changed-answer" });
      answer.append(node("span", "Träningsdata ändrad sedan modellen i drift: "), node("strong", changes.changed ? "ja" : "nej"));
      box.replaceChildren(answer);
      if (changes.files.length) {
        box.appendChild(node("p", "Ändrade filer:"));
        const list = node("ul");
        for (const file of changes.files) list.appendChild(node("li", file));
        box.appendChild(list);
      }
      if (changes.intents.length) {
        box.appendChild(node("p", "Intent med ändrade exempel:"));
        const list = node("ul");
        for (const name of changes.intents) list.appendChild(node("li", intentLabel(descriptions, name)));
        box.appendChild(list);
      }
      if (changes.changed) box.appendChild(node("p", "Träna en ny modell för att invånarna ska få nytta av ändringarna.", { class: "help" }));
    }

    async function loadModels() {
      const { models, data_changes: changes } = await api("GET", "/api/admin/models");
      showChanges(changes);
      el("models-table").querySelector("tbody").replaceChildren(...models.map((model) => {
        const tr = document.createElement("tr");
        cells(tr, [model.name, when(model.created_at), when(model.training_started_at),
          model.training_seconds === null ? "–" : duration(model.training_seconds), score(model.macro_f1), percent(model.emergency_recall),
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
        cells(tr, [intentLabel(descriptions, row.intent), score(row.precision), score(row.recall), score(row.f1), score(before), row.support]);
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
    listen("train-button", "click", () => attempt(el("train-button"), "Startar träningen …", async () => {
      await api("POST", "/api/admin/train");
      startPolling();
      return "Träningen startade. Den gamla modellen svarar under tiden.";
    }));
    listen("cv-form", "submit", (event) => {
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
