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
  const api = window.hbgConsoleApi("/agent/login");

  function say(text) { consoleStatus.textContent = text; }

  const SENDERS = { resident: "Invånare", bot: "Chattrobot", agent: "Kommunvägledare", system: "System" };
  const URGENT_BADGE = "Möjlig fara – 112 har visats";

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

  const alerts = window.hbgConsoleAlerts({ soundButton: el("sound-toggle"), notifyButton: el("notify-button"), say });
  // Queue ids already seen on this page: a chat put back in the queue is not announced as new again.
  const announced = new Set();
  let queueLoaded = false;

  function urgentAlert(frame) {
    alerts.urgent(URGENT_BADGE + " i ärende " + (frame.reference || frame.case_id) + ".", "urgent-" + frame.case_id);
  }

  function announceNewChats(data) {
    const fresh = data.queue.filter((item) => !announced.has(item.id));
    for (const item of data.queue) announced.add(item.id);
    // The first load lists who already waits; only chats arriving later alert, and only an available agent.
    if (!queueLoaded) { queueLoaded = true; return; }
    if (!el("online-toggle").checked) return;
    for (const item of fresh) {
      if (item.urgent) continue; // the urgent alert speaks for it
      alerts.newChat("Ny chatt i kön: " + describe(item) + ".", "chat-" + item.id);
    }
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

  const REASONS = { requested: "bad om en person", fallback: "chattroboten förstod inte", topic: "ämne" };

  function describe(summary) {
    const parts = [summary.reference];
    if (summary.topic_text) parts.push("ämne: " + summary.topic_text);
    else if (summary.reason) parts.push(REASONS[summary.reason] || "bad om en person");
    return parts.join(" – ");
  }

  // Waiting time: the router's minutes when the queue was sent, plus what has passed here since (the
  // router's clock, not this computer's, decides the start). Colour and words change at the thresholds
  // from handoff.yml (queue_wait_colours), so the colour is never the only sign.
  let waitColours = { amber_after_minutes: 3, red_after_minutes: 8 };
  let queueReceivedAt = Date.now();

  function showWait(info, item) {
    const minutes = item.waited_minutes + Math.floor((Date.now() - queueReceivedAt) / 60000);
    const level = minutes >= waitColours.red_after_minutes ? "red" : minutes >= waitColours.amber_after_minutes ? "amber" : "ok";
    info.className = "wait wait-" + level;
    info.textContent = "Har väntat " + minutes + " min" + (level === "red" ? " – länge" : level === "amber" ? " – snart länge" : "");
  }

  function lastMessage(item) {
    const p = document.createElement("p");
    p.className = "last-message";
    if (item.last_message) {
      const label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = "Senaste meddelande: ";
      const quote = document.createElement("q");
      quote.textContent = item.last_message;
      p.append(label, quote);
    } else {
      p.classList.add("muted");
      p.textContent = "Inget meddelande ännu.";
    }
    return p;
  }

  let lastQueue = null;

  function renderQueue(data) {
    lastQueue = data;
    queueReceivedAt = Date.now();
    if (data.wait_colours) waitColours = data.wait_colours;
    announceNewChats(data);
    const queueList = el("queue-list");
    queueList.replaceChildren();
    for (const item of data.queue) {
      const li = document.createElement("li");
      const title = document.createElement("div");
      title.className = "case-title";
      title.textContent = item.position + ". " + describe(item);
      title.id = "queue-case-" + item.id;
      const info = document.createElement("div");
      info.dataset.caseId = item.id;
      showWait(info, item);
      const row = document.createElement("div");
      row.className = "row";
      row.append(
        button("Ta chatten", async () => {
          await api("POST", "/api/agent/cases/" + item.id + "/claim");
          say("Du har tagit chatten " + item.reference + "."); // not the last action's line, e.g. "tillbaka i kön"
          await openCase(item.id);
        }),
        button("Visa", () => openCase(item.id), "secondary"),
      );
      describeButtons(row, title.id);
      li.append(title, lastMessage(item), info, row);
      if (item.urgent) {
        li.classList.add("urgent");
        li.prepend(urgentBadge(item, title.id));
      }
      queueList.append(li);
    }
    el("queue-empty").hidden = data.queue.length > 0;
    el("queue-heading").textContent = data.queue.length ? "Kö (" + data.queue.length + " väntar)" : "Kö";

    const activeList = el("active-list");
    activeList.replaceChildren();
    for (const item of data.active) {
      const li = document.createElement("li");
      if (me && item.agent.id === me.id) li.classList.add("mine");
      if (selected && selected.case.id === item.id) li.classList.add("selected");
      const title = document.createElement("div");
      title.className = "case-title";
      title.textContent = describe(item) + " (" + item.agent.name + ")";
      title.id = "active-case-" + item.id;
      const row = document.createElement("div");
      row.className = "row";
      row.append(button("Öppna", () => openCase(item.id), "secondary"));
      describeButtons(row, title.id);
      li.append(title, lastMessage(item), row);
      if (item.urgent) {
        li.classList.add("urgent");
        li.prepend(urgentBadge(item, title.id));
      }
      activeList.append(li);
    }
    alerts.queue(data.queue.length, data.queue.concat(data.active).some((item) => item.urgent));
    if (data.agents_online !== undefined) showOnline(data.agents_online);
  }

  // The waiting times move on between queue updates.
  setInterval(() => {
    if (!lastQueue) return;
    for (const item of lastQueue.queue) {
      const info = document.querySelector('#queue-list .wait[data-case-id="' + item.id + '"]');
      if (info) showWait(info, item);
    }
  }, 30000);

  function showOnline(count) {
    el("agents-online").textContent = count + " kommunvägledare " + (count === 1 ? "tillgänglig" : "tillgängliga");
  }

  async function loadQueue() { renderQueue(await api("GET", "/api/agent/queue")); }

  let queueRefresh = null;
  function refreshQueueSoon() {
    clearTimeout(queueRefresh);
    queueRefresh = setTimeout(() => attempt(loadQueue), 300);
  }

  const EMAIL_IN_TEXT = /[^@\s<>,;:()]+@[^@\s<>,;:()]+\.[^@\s<>,;:().]{2,}/;

  // The answer form of an open left message: by e-mail when the router can send mail, otherwise a note
  // of the phone call. Either way the answer is kept in the case record.
  function answerForm(item) {
    const form = document.createElement("form");
    form.className = "answer-form";
    const byMail = me && me.answers_by_email;
    const textId = "answer-text-" + item.id;
    const parts = [];
    let email = null;
    if (byMail) {
      const emailId = "answer-email-" + item.id;
      const emailLabel = document.createElement("label");
      emailLabel.htmlFor = emailId;
      emailLabel.textContent = "Invånarens e-postadress";
      email = document.createElement("input");
      email.id = emailId;
      email.type = "email";
      email.required = true;
      email.maxLength = 200;
      email.autocomplete = "off";
      const found = (item.contact || "").match(EMAIL_IN_TEXT) || (item.text || "").match(EMAIL_IN_TEXT);
      if (found) email.value = found[0];
      parts.push(emailLabel, email);
    }
    const label = document.createElement("label");
    label.htmlFor = textId;
    label.textContent = byMail ? "Svar (skickas med e-post)" : "Vad sa du när du ringde? (sparas i ärendet)";
    const text = document.createElement("textarea");
    text.id = textId;
    text.rows = 3;
    text.maxLength = 5000;
    text.required = true;
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = byMail ? "Skicka svaret" : "Markera som besvarat per telefon";
    form.append(...parts, label, text, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      attempt(async () => {
        submit.disabled = true;
        try {
          await api("POST", "/api/agent/follow-ups/" + item.id + "/answer",
            byMail ? { text: text.value, email: email.value.trim() } : { text: text.value });
        } finally { submit.disabled = false; }
        say(byMail ? "Svaret är skickat till " + email.value.trim() + "." : "Meddelandet är markerat som besvarat per telefon.");
        await loadFollowUps();
      });
    });
    return form;
  }

  function answerShown(answer) {
    const p = document.createElement("p");
    p.className = "answer";
    p.textContent = (answer.channel === "email" ? "Besvarat med e-post till " + answer.email : "Besvarat per telefon") +
      " " + new Date(answer.at).toLocaleString("sv-SE") + ": " + answer.text;
    return p;
  }

  async function loadFollowUps() {
    const filter = el("followup-filter").value;
    const data = await api("GET", "/api/agent/follow-ups" + (filter ? "?status=" + filter : ""));
    const list = el("followup-list");
    list.replaceChildren();
    for (const item of data.follow_ups) {
      const li = document.createElement("li");
      const title = document.createElement("div");
      title.className = "case-title";
      title.id = "followup-" + item.id;
      title.textContent = item.reference + " – " + new Date(item.created_at).toLocaleString("sv-SE");
      const text = document.createElement("p");
      text.textContent = item.text;
      const contact = document.createElement("div");
      contact.className = "muted";
      contact.textContent = item.contact ? "Kontakt: " + item.contact : "Ingen kontaktuppgift";
      li.append(title, text, contact);
      if (item.answer) li.append(answerShown(item.answer));
      else if (item.status === "open") li.append(answerForm(item));
      const row = document.createElement("div");
      row.className = "row";
      const next = item.status === "open" ? "done" : "open";
      if (!item.answer) {
        row.append(button(next === "done" ? "Markera som klar utan svar" : "Öppna igen", async () => {
          await api("POST", "/api/agent/follow-ups/" + item.id, { status: next });
          await loadFollowUps();
        }, "secondary"));
      }
      describeButtons(row, title.id);
      li.append(row);
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

  const STATUS_TEXTS = { queued: "väntar i kön", claimed: "pågår", closed: "avslutad", cancelled: "invånaren lämnade kön", open: "att hantera", done: "klar" };

  // The header names the case open below, always the one the buttons act on.
  function showWorkingOn() {
    const line = el("working-on");
    if (!selected) { line.textContent = "Inget ärende öppet."; return; }
    const c = selected.case;
    const who = c.status === "claimed" && me && c.agent_id === me.id ? "Du arbetar med " : "Öppet ärende: ";
    line.textContent = who + c.reference + " (" + (STATUS_TEXTS[c.status] || c.status) + ")";
  }

  // Other cases of the same conversation (an earlier chat, a left message): one click opens them.
  function showRelated() {
    const box = el("related-cases");
    const list = el("related-list");
    list.replaceChildren();
    for (const other of selected.related || []) {
      const li = document.createElement("li");
      const label = other.reference + " – " + (other.kind === "message" ? "lämnat meddelande" : "chatt") + ", " +
        (STATUS_TEXTS[other.status] || other.status);
      li.append(button(label, () => openCase(other.id), "link-button"));
      list.append(li);
    }
    box.hidden = !list.children.length;
  }

  async function loadColleagues() {
    const data = await api("GET", "/api/agent/colleagues");
    const select = el("transfer-agent");
    select.replaceChildren();
    for (const colleague of data.colleagues) {
      const option = document.createElement("option");
      option.value = String(colleague.id);
      option.textContent = colleague.name;
      select.append(option);
    }
    const none = !data.colleagues.length;
    el("transfer-none").hidden = !none;
    select.disabled = el("transfer-submit").disabled = none;
  }

  function renderCase() {
    const section = el("case");
    section.hidden = false;
    const c = selected.case;
    el("case-heading").textContent = "Ärende " + c.reference;
    const statusText = STATUS_TEXTS[c.status] || c.status;
    el("case-meta").textContent = "Status: " + statusText + (c.category ? " – kategori: " + c.category : "");
    showWorkingOn();
    showRelated();
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
    if (holds) attempt(loadColleagues);
  }

  // Each openCase and each refresh after a queue frame asks for one case; an answer for a case that is no
  // longer the one asked for last is dropped (an older, slower answer used to replace the case just claimed).
  let wantedCase = null;

  async function openCase(id) {
    wantedCase = id;
    const detail = await api("GET", "/api/agent/cases/" + id);
    if (wantedCase !== id) return;
    selected = detail;
    renderCase();
    // The focus moves as the case appears: moved after the requests below, it left a field the agent had begun
    // to type in meanwhile (a transfer note went on in the reply to the resident).
    if (holdsSelected()) el("reply-input").focus();
    else el("case-heading").focus();
    await loadQueue();
    await loadSignal();
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "queue":
        renderQueue(frame);
        if (selected) attempt(async () => {
          const id = selected.case.id;
          const fresh = await api("GET", "/api/agent/cases/" + id);
          if (!selected || selected.case.id !== id || wantedCase !== id) return;
          const changed = fresh.case.status !== selected.case.status || fresh.case.agent_id !== selected.case.agent_id ||
            (fresh.related || []).length !== (selected.related || []).length;
          selected = fresh;
          if (changed) renderCase();
        });
        break;
      case "transferred":
        if (me && frame.to_agent_id === me.id) {
          alerts.handedToMe(frame.from + " har lämnat över ärende " + frame.reference + " till dig" +
            (frame.note ? ": " + frame.note : "."), "transfer-" + frame.case_id);
          attempt(() => openCase(frame.case_id));
        }
        break;
      case "message":
        if (frame.message.from === "resident" && lastQueue &&
            lastQueue.queue.concat(lastQueue.active).some((item) => item.conversation_id === frame.conversation_id)) {
          refreshQueueSoon(); // the row's last message (masked by the router)
        }
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
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; /* ignore a frame we cannot read */ }
      onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      // 4401: the login session ended (logout elsewhere, expiry, deactivation): log in again.
      if (event.code === 4401) { if (!loggingOut) location.href = "/agent/login"; return; }
      say("Anslutningen bröts. Försöker ansluta igen …");
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    });
  }

  async function setOnline(online) {
    const result = await api("POST", "/api/agent/presence", { online });
    el("online-toggle").checked = result.online;
    el("availability-prompt").hidden = true;
    showOnline(result.agents_online);
    say(result.online ? "Du är tillgänglig för chatt." : "Du är inte tillgänglig för chatt.");
  }

  el("online-toggle").addEventListener("change", (event) => attempt(() => setOnline(event.target.checked)));
  el("become-available").addEventListener("click", () => attempt(() => setOnline(true)));
  el("stay-unavailable").addEventListener("click", () => {
    el("availability-prompt").hidden = true;
    say("Du är inte tillgänglig för chatt. Slå på det i sidhuvudet när du vill ta chattar.");
    el("online-toggle").focus();
  });

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

  el("transfer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const to = el("transfer-agent");
    if (!to.value) return;
    const name = to.options[to.selectedIndex].textContent;
    attempt(async () => {
      await api("POST", "/api/agent/cases/" + selected.case.id + "/transfer",
        { agent_id: Number(to.value), note: el("transfer-note").value.trim() });
      el("transfer-note").value = "";
      await openCase(selected.case.id);
      say("Chatten är överlämnad till " + name + ".");
    });
  });

  el("handback-button").addEventListener("click", () => attempt(async () => {
    await api("POST", "/api/agent/cases/" + selected.case.id + "/hand-back");
    await openCase(selected.case.id);
    say("Chatten är tillbaka hos chattroboten.");
  }));

  // Trygghetssignaler (issue 16): the conversation's signal, shown and corrected, or added, when closing.
  let signalOptionsLoaded = false;

  async function loadSignal() {
    const data = await api("GET", "/api/agent/conversations/" + selected.case.conversation_id + "/signal");
    if (!signalOptionsLoaded) {
      for (const [select, values] of [["signal-district", data.districts], ["signal-category", data.categories]]) {
        for (const value of values) {
          const option = document.createElement("option");
          option.value = option.textContent = value;
          el(select).append(option);
        }
      }
      signalOptionsLoaded = true;
    }
    el("signal-district").value = data.signal ? data.signal.district : "";
    el("signal-category").value = data.signal ? data.signal.category : "";
    // A signal set by a kommunvägledare (an earlier case of the conversation) is not the chatbot's count.
    const counted = data.signal && data.signal.source === "agent" ? "En kommunvägledare registrerade: " : "Chattroboten räknade: ";
    el("signal-current").textContent = data.signal
      ? counted + data.signal.district + ", " + data.signal.category + ". Ändra om det blev fel."
      : "Ingen signal räknad i chatten. Välj stadsdel och typ om invånaren berättade om en otrygg plats.";
  }

  async function saveSignal() {
    const district = el("signal-district").value, category = el("signal-category").value;
    if (!district) return;
    if (!category) throw new Error("Välj typ av problem för trygghetssignalen, eller Ingen signal.");
    await api("PUT", "/api/agent/conversations/" + selected.case.conversation_id + "/signal", { district, category });
  }

  el("close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      if (!el("close-category").value) {
        el("close-category").focus();
        throw new Error("Välj en kategori för chatten innan du avslutar den. Inget ändrades.");
      }
      await saveSignal();
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
    // No category is chosen for the agent: one click must not close a chat under the wrong category.
    const choose = document.createElement("option");
    choose.value = "";
    choose.textContent = "Välj kategori …";
    el("close-category").append(choose);
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
    showWorkingOn();
    connect();
    // Right after login an agent who is not available is asked, instead of missing the switch.
    if (!me.online && !el("online-toggle").checked) {
      el("availability-prompt").hidden = false;
      el("become-available").focus();
    }
  }

  // Every listener above is attached now. The controls only this script can carry out come disabled from the
  // server (data-needs-script): the availability switch ticked earlier looked on while the server never heard
  // of it, and a search sent earlier reloaded the page.
  for (const control of document.querySelectorAll("[data-needs-script]")) control.disabled = false;

  attempt(init);
})();
