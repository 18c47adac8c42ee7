// The agent console: queue, chats in progress, left messages, and the selected chat.
// Requests go through console-api.js (CSRF token, login on a lost session). Live updates come over /ws/agent.
"use strict";

(function () {
  const el = (id) => document.getElementById(id);
  const consoleStatus = el("console-status");
  const transcript = el("transcript");
  let me = null;
  let selected = null; // the open case's detail
  let socket = null;
  let reconnectDelay = 1000;
  let lastTypingSent = 0;
  let residentTypingTimer = null;
  const seen = new Set();

  const SENDERS = { resident: "Invånare", bot: "Chattrobot", agent: "Kommunvägledare", system: "System" };
  const URGENT_BADGE = "Möjlig fara – 112 har visats";
  const URGENT_TITLE = "⚠ Möjlig fara – ";
  const baseTitle = document.title;

  // Phone numbers as people write them become tel: links that never break across lines: numbers with an
  // area code (042-10 50 00, 020-50 50 50, +46 42 10 50 00) and the national short numbers (112, 114 14,
  // 113 13, 116 006, 116 111, 1177, 90101). The same pattern is in widget.js.
  const PHONE_LINK_RE = /(^|[^\w+\-\/.:,])((?:\+46[ \u00a0]?\d{1,3}|0\d{1,3})-?[ \u00a0]?\d{2,3}(?:[ \u00a0]\d{2,3}){1,3}|0\d{1,3}-\d{5,8}|112|114[ \u00a0]?14|113[ \u00a0]?13|116[ \u00a0]?\d{3}|1177|90101)(?![\w\-]|[.,:]\w)/g;

  // Appends `text` to `parent` with every phone number in it as a tel: link (class tel, no line break).
  function appendPhoneLinks(parent, text) {
    let last = 0;
    let m;
    PHONE_LINK_RE.lastIndex = 0;
    while ((m = PHONE_LINK_RE.exec(text))) {
      const start = m.index + m[1].length;
      if (start > last) parent.append(text.slice(last, start));
      const a = document.createElement("a");
      a.className = "tel";
      a.href = "tel:" + m[2].replace(/[^\d+]/g, "");
      a.textContent = m[2];
      parent.append(a);
      last = start + m[2].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  // The urgent alert when the safety net fires in a chat with a person: a short beep (WebAudio), the
  // tab title, a notification when the agent allowed them, and a line for screen readers.
  let audio = null;
  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
    for (const start of [0, 0.3, 0.6]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.2;
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + start);
      tone.stop(audio.currentTime + start + 0.18);
    }
  }

  function urgentAlert(frame) {
    const text = URGENT_BADGE + " i ärende " + (frame.reference || frame.case_id) + ".";
    say(text);
    try { beep(); } catch (e) { /* no sound available: the title and the status line still say it */ }
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("Möjlig fara", { body: text, tag: "urgent-" + frame.case_id, requireInteraction: true });
    }
  }

  function showUrgentTitle(data) {
    const urgent = data.queue.concat(data.active).some((item) => item.urgent);
    document.title = (urgent ? URGENT_TITLE : "") + baseTitle;
  }

  // The badge and the one-click "seen" button on an urgent case.
  function urgentBadge(item, titleId) {
    const box = document.createElement("div");
    box.className = "urgent-box";
    const badge = document.createElement("strong");
    badge.className = "badge-urgent";
    badge.textContent = URGENT_BADGE;
    const clear = button("Markera som hanterad", async () => {
      await api("POST", "/api/agent/cases/" + item.id + "/clear-urgent");
      say("Markeringen är borttagen.");
      await loadQueue();
      if (selected && selected.case.id === item.id) await openCase(item.id);
    }, "secondary");
    if (titleId) clear.setAttribute("aria-describedby", titleId);
    box.append(badge, clear);
    return box;
  }

  const api = window.hbgConsoleApi("/agent/login");

  function say(text) { consoleStatus.textContent = text; }

  async function attempt(action) {
    try { await action(); } catch (error) { say(error.message); }
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString("sv-SE", { hour: "2-digit", minute: "2-digit" }) : "";
  }

  function button(label, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (className) b.className = className;
    b.addEventListener("click", () => attempt(onClick));
    return b;
  }

  // "Ta chatten", "Visa", "Öppna" repeat in every row: screen readers also read which case they act on.
  function describeButtons(row, titleId) {
    for (const b of row.querySelectorAll("button")) b.setAttribute("aria-describedby", titleId);
  }

  function describe(summary) {
    const parts = [summary.reference];
    if (summary.topic) parts.push("ämne: " + summary.topic);
    else if (summary.reason) parts.push({ requested: "bad om en person", fallback: "boten förstod inte", topic: "ämne" }[summary.reason] || summary.reason);
    return parts.join(" – ");
  }

  function renderQueue(data) {
    const queueList = el("queue-list");
    queueList.replaceChildren();
    for (const item of data.queue) {
      const li = document.createElement("li");
      const title = document.createElement("div");
      title.textContent = item.position + ". " + describe(item);
      title.id = "queue-case-" + item.id;
      const info = document.createElement("div");
      info.className = "muted";
      info.textContent = "Har väntat " + item.waited_minutes + " min";
      const row = document.createElement("div");
      row.className = "row";
      row.append(
        button("Ta chatten", async () => {
          await api("POST", "/api/agent/cases/" + item.id + "/claim");
          await openCase(item.id);
        }),
        button("Visa", () => openCase(item.id), "secondary"),
      );
      describeButtons(row, title.id);
      li.append(title, info, row);
      if (item.urgent) {
        li.classList.add("urgent");
        li.prepend(urgentBadge(item, title.id));
      }
      queueList.append(li);
    }
    el("queue-empty").hidden = data.queue.length > 0;

    const activeList = el("active-list");
    activeList.replaceChildren();
    for (const item of data.active) {
      const li = document.createElement("li");
      if (me && item.agent.id === me.id) li.classList.add("mine");
      if (selected && selected.case.id === item.id) li.classList.add("selected");
      const title = document.createElement("div");
      title.textContent = describe(item) + " (" + item.agent.name + ")";
      title.id = "active-case-" + item.id;
      const row = document.createElement("div");
      row.className = "row";
      row.append(button("Öppna", () => openCase(item.id), "secondary"));
      describeButtons(row, title.id);
      li.append(title, row);
      if (item.urgent) {
        li.classList.add("urgent");
        li.prepend(urgentBadge(item, title.id));
      }
      activeList.append(li);
    }
    showUrgentTitle(data);
    if (data.agents_online !== undefined) showOnline(data.agents_online);
  }

  function showOnline(count) {
    el("agents-online").textContent = count + " kommunvägledare " + (count === 1 ? "tillgänglig" : "tillgängliga");
  }

  async function loadQueue() { renderQueue(await api("GET", "/api/agent/queue")); }

  async function loadFollowUps() {
    const filter = el("followup-filter").value;
    const data = await api("GET", "/api/agent/follow-ups" + (filter ? "?status=" + filter : ""));
    const list = el("followup-list");
    list.replaceChildren();
    for (const item of data.follow_ups) {
      const li = document.createElement("li");
      const title = document.createElement("div");
      title.textContent = item.reference + " – " + new Date(item.created_at).toLocaleString("sv-SE");
      const text = document.createElement("p");
      text.textContent = item.text;
      const contact = document.createElement("div");
      contact.className = "muted";
      contact.textContent = item.contact ? "Kontakt: " + item.contact : "Ingen kontaktuppgift";
      const row = document.createElement("div");
      row.className = "row";
      const next = item.status === "open" ? "done" : "open";
      row.append(button(next === "done" ? "Markera som klar" : "Öppna igen", async () => {
        await api("POST", "/api/agent/follow-ups/" + item.id, { status: next });
        await loadFollowUps();
      }));
      li.append(title, text, contact, row);
      list.append(li);
    }
    if (!data.follow_ups.length) {
      const li = document.createElement("li");
      li.textContent = "Inga meddelanden.";
      list.append(li);
    }
  }

  function renderMessage(message) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const item = document.createElement("div");
    item.className = "message " + message.from + (message.kind === "alarm" ? " alarm" : "");
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = SENDERS[message.from] + (message.kind === "alarm" ? " – 112-larm till invånaren" : "") + " " + time(message.at);
    const text = document.createElement("span");
    appendPhoneLinks(text, message.text);
    item.append(meta, text);
    if (message.intent) {
      const intent = document.createElement("span");
      intent.className = "intent";
      intent.textContent = " (avsikt: " + message.intent.name + ", " + Math.round(message.intent.confidence * 100) + " %)";
      item.append(intent);
    }
    transcript.append(item);
    transcript.scrollTop = transcript.scrollHeight;
  }

  function holdsSelected() {
    return selected && selected.case.status === "claimed" && me &&
      (selected.case.agent_id === me.id || me.role === "admin");
  }

  function renderCase() {
    const section = el("case");
    section.hidden = false;
    const c = selected.case;
    el("case-heading").textContent = "Ärende " + c.reference;
    const statusText = { queued: "väntar i kön", claimed: "pågår", closed: "avslutad", cancelled: "invånaren lämnade kön" }[c.status] || c.status;
    el("case-meta").textContent = "Status: " + statusText + (c.category ? " – kategori: " + c.category : "");
    el("case-urgent").replaceChildren(...(c.urgent ? [urgentBadge(c, "case-heading")] : []));
    showExports("/api/agent/cases/" + c.id + "/export");
    attempt(loadHold);
    transcript.replaceChildren();
    seen.clear();
    selected.messages.forEach(renderMessage);
    const notes = el("notes-list");
    notes.replaceChildren();
    for (const note of selected.notes) {
      const li = document.createElement("li");
      li.textContent = note.text + " – " + note.agent + " " + time(note.at);
      notes.append(li);
    }
    const holds = holdsSelected();
    el("reply-form").hidden = !holds;
    section.querySelector(".case-actions").hidden = !holds;
  }

  async function openCase(id) {
    selected = await api("GET", "/api/agent/cases/" + id);
    renderCase();
    await loadQueue();
    if (holdsSelected()) el("reply-input").focus();
    else el("case-heading").focus();
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "queue":
        renderQueue(frame);
        if (selected) attempt(async () => {
          const fresh = await api("GET", "/api/agent/cases/" + selected.case.id);
          const changed = fresh.case.status !== selected.case.status || fresh.case.agent_id !== selected.case.agent_id;
          selected = fresh;
          if (changed) renderCase();
        });
        break;
      case "message":
        if (selected && frame.conversation_id === selected.case.conversation_id) {
          renderMessage(frame.message);
          if (frame.message.from === "resident") el("resident-typing").textContent = "";
        }
        break;
      case "typing":
        if (selected && frame.conversation_id === selected.case.conversation_id) {
          el("resident-typing").textContent = "Invånaren skriver …";
          clearTimeout(residentTypingTimer);
          residentTypingTimer = setTimeout(() => { el("resident-typing").textContent = ""; }, 4000);
        }
        break;
      case "presence":
        showOnline(frame.agents_online);
        break;
      case "follow_ups":
        attempt(loadFollowUps);
        break;
      case "urgent":
        urgentAlert(frame);
        break;
    }
  }

  // Logging out in this tab: the logout form's answer decides where the page goes (the login page, or the
  // city's own logout), not the socket that the logout closes on the way.
  let loggingOut = false;
  document.querySelector("form.logout").addEventListener("submit", () => { loggingOut = true; });

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/ws/agent");
    socket.addEventListener("open", () => {
      reconnectDelay = 1000;
      say("");
      attempt(loadQueue);
    });
    socket.addEventListener("message", (event) => {
      try { onFrame(JSON.parse(event.data)); } catch (e) { /* ignore a frame we cannot read */ }
    });
    socket.addEventListener("close", (event) => {
      // 4401: the login session ended (logout elsewhere, expiry, deactivation): log in again.
      if (event.code === 4401) { if (!loggingOut) location.href = "/agent/login"; return; }
      say("Anslutningen bröts. Försöker ansluta igen …");
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    });
  }

  el("online-toggle").addEventListener("change", (event) => attempt(async () => {
    // Asked on the agent's own click, as browsers require: urgent alerts can then show as notifications.
    if (event.target.checked && "Notification" in window && Notification.permission === "default") {
      Notification.requestPermission();
    }
    const result = await api("POST", "/api/agent/presence", { online: event.target.checked });
    showOnline(result.agents_online);
    say(result.online ? "Du är tillgänglig för chatt." : "Du är inte tillgänglig för chatt.");
  }));

  el("followup-filter").addEventListener("change", () => attempt(loadFollowUps));

  el("canned-select").addEventListener("change", (event) => {
    if (event.target.value) {
      el("reply-input").value = event.target.value;
      event.target.value = "";
      el("reply-input").focus();
    }
  });

  el("reply-input").addEventListener("input", () => {
    const now = Date.now();
    if (holdsSelected() && now - lastTypingSent > 3000) {
      lastTypingSent = now;
      attempt(() => api("POST", "/api/agent/cases/" + selected.case.id + "/typing"));
    }
  });

  el("reply-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      el("reply-form").requestSubmit();
    }
  });

  el("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el("reply-input").value.trim();
    if (!text) return;
    attempt(async () => {
      const message = await api("POST", "/api/agent/cases/" + selected.case.id + "/messages", { text });
      el("reply-input").value = "";
      renderMessage(message);
    });
  });

  el("note-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el("note-input").value.trim();
    if (!text || !selected) return;
    attempt(async () => {
      await api("POST", "/api/agent/cases/" + selected.case.id + "/notes", { text });
      el("note-input").value = "";
      await openCase(selected.case.id);
    });
  });

  el("requeue-button").addEventListener("click", () => attempt(async () => {
    await api("POST", "/api/agent/cases/" + selected.case.id + "/requeue");
    await openCase(selected.case.id);
    say("Chatten är tillbaka i kön.");
  }));

  el("handback-button").addEventListener("click", () => attempt(async () => {
    await api("POST", "/api/agent/cases/" + selected.case.id + "/hand-back");
    await openCase(selected.case.id);
    say("Chatten är tillbaka hos chattroboten.");
  }));

  el("close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      await api("POST", "/api/agent/cases/" + selected.case.id + "/close", { category: el("close-category").value });
      await openCase(selected.case.id);
      say("Chatten är avslutad.");
    });
  });

  // Records: exports of the open case, holds against deletion (gallring), and search.
  function showExports(base) {
    el("export-pdf").href = base + ".pdf";
    el("export-html").href = base + ".html";
    el("export-json").href = base + ".json";
  }

  async function loadHold() {
    const data = await api("GET", "/api/agent/cases/" + selected.case.id + "/hold");
    el("hold-status").textContent = data.on_hold
      ? "Spärrad mot gallring: " + data.hold.reason
      : "Ärendet är inte spärrat mot gallring.";
    el("hold-form").hidden = data.on_hold;
    el("release-hold").hidden = !(data.on_hold && me && me.role === "admin");
  }

  el("hold-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      await api("POST", "/api/agent/cases/" + selected.case.id + "/hold", { reason: el("hold-reason").value });
      await loadHold();
      say("Ärendet är spärrat mot gallring.");
    });
  });

  el("release-hold").addEventListener("click", () => attempt(async () => {
    await api("DELETE", "/api/agent/cases/" + selected.case.id + "/hold");
    await loadHold();
    say("Spärren är hävd.");
  }));

  let searchOffset = 0;

  function searchLink(label, href) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    return a;
  }

  async function runSearch(more) {
    searchOffset = more ? searchOffset : 0;
    const params = new URLSearchParams();
    for (const [name, id] of [["q", "search-q"], ["reference", "search-reference"], ["from", "search-from"],
                              ["to", "search-to"], ["kind", "search-kind"], ["category", "search-category"]]) {
      const value = el(id).value.trim();
      if (value) params.set(name, value);
    }
    params.set("offset", String(searchOffset));
    const data = await api("GET", "/api/agent/search?" + params.toString());
    const list = el("search-results");
    if (!more) list.replaceChildren();
    for (const item of data.results) {
      const li = document.createElement("li");
      const title = document.createElement("div");
      title.textContent = (item.reference || "Chatt utan ärende") + " – " + item.kind_text;
      const info = document.createElement("div");
      info.className = "muted";
      info.textContent = new Date(item.created_at).toLocaleString("sv-SE") + " – " + item.status_text +
        (item.category ? " – " + item.category : "") + (item.on_hold ? " – spärrad mot gallring" : "");
      const row = document.createElement("div");
      row.className = "row";
      if (item.case_id) row.append(button("Öppna", () => openCase(item.case_id), "secondary"));
      row.append(searchLink("PDF", item.export + ".pdf"), searchLink("HTML", item.export + ".html"));
      li.append(title, info, row);
      list.append(li);
    }
    searchOffset += data.results.length;
    el("search-summary").textContent = data.total === 0 ? "Inga träffar." : "Visar " + searchOffset + " av " + data.total + " träffar.";
    el("search-more").hidden = searchOffset >= data.total;
  }

  el("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(() => runSearch(false));
  });
  el("search-more").addEventListener("click", () => attempt(() => runSearch(true)));

  async function init() {
    el("case-heading").tabIndex = -1;
    me = await api("GET", "/api/agent/me");
    const [categories, canned] = await Promise.all([
      api("GET", "/api/agent/categories"),
      api("GET", "/api/agent/canned-answers"),
    ]);
    for (const category of categories.categories) {
      const option = document.createElement("option");
      option.value = option.textContent = category;
      el("close-category").append(option);
    }
    for (const category of categories.categories) {
      const option = document.createElement("option");
      option.value = option.textContent = category;
      el("search-category").append(option);
    }
    for (const answer of canned.canned_answers) {
      const option = document.createElement("option");
      option.value = answer.text;
      option.textContent = answer.title;
      el("canned-select").append(option);
    }
    await loadQueue();
    await loadFollowUps();
    connect();
  }

  attempt(init);
})();
