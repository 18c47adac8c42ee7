// The resident chat page: shows the notice, then chats over a WebSocket (HTTP when it is down).
// Conversation id and token stay in sessionStorage so a reload in the same tab continues the chat.
"use strict";

(function () {
  const STORAGE_KEY = "hbg-chat";
  const el = (id) => document.getElementById(id);
  const messages = el("messages");
  const input = el("message-input");
  const status = el("status");
  const typing = el("typing");
  const leaveQueue = el("leave-queue");
  const feedback = el("feedback");

  let conversation = null; // {id, token}
  let socket = null;
  let reconnectDelay = 1000;
  let lastId = 0;
  let state = "bot";
  let typingTimer = null;
  let lastTypingSent = 0;
  const seen = new Set();
  const buttonTitles = new Map(); // payload → title, to show a pressed button's title

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  function time(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString("sv-SE", { hour: "2-digit", minute: "2-digit" });
  }

  const SENDERS = { resident: "Du", bot: "Chattroboten", agent: "Kommunvägledare", system: "Meddelande" };

  function render(message) {
    if (message.id !== undefined) {
      if (seen.has(message.id)) return;
      seen.add(message.id);
      lastId = Math.max(lastId, message.id);
    }
    const item = document.createElement("div");
    item.className = "message " + message.from;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = SENDERS[message.from] + (message.at ? " " + time(message.at) : "");
    const text = document.createElement("span");
    const shown = message.from === "resident" && buttonTitles.has(message.text) ? buttonTitles.get(message.text) : message.text;
    text.textContent = shown;
    item.append(meta, text);
    const buttons = message.buttons || [];
    if (buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const button of buttons) {
        buttonTitles.set(button.payload, button.title);
        const b = document.createElement("button");
        b.type = "button";
        b.className = "secondary";
        b.textContent = button.title;
        b.addEventListener("click", () => {
          row.querySelectorAll("button").forEach((other) => { other.disabled = true; });
          send(button.payload);
        });
        row.append(b);
      }
      item.append(row);
    }
    messages.append(item);
    messages.scrollTop = messages.scrollHeight;
  }

  function setState(next) {
    state = next;
    leaveQueue.hidden = state !== "queued";
    if (state === "bot") status.textContent = "Du chattar med chattroboten.";
    if (state === "agent") status.textContent = "Du chattar med en kommunvägledare.";
    if (state === "closed") {
      status.textContent = "Chatten är avslutad. Skriv igen om du vill fortsätta med chattroboten.";
      feedback.hidden = false;
    }
    if (state === "queued") status.textContent = "Du står i kö för att chatta med en kommunvägledare.";
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "message":
        render(frame);
        if (frame.from === "agent") typing.textContent = "";
        break;
      case "state":
        setState(frame.state);
        break;
      case "queue":
        status.textContent = (frame.position === 1 ? "Du är först i kön." : "Du är nummer " + frame.position + " i kön.") +
          " Beräknad väntetid cirka " + frame.wait_minutes + (frame.wait_minutes === 1 ? " minut." : " minuter.") +
          " Ärendenummer: " + frame.reference + ".";
        break;
      case "typing":
        typing.textContent = "Kommunvägledaren skriver …";
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => { typing.textContent = ""; }, 4000);
        break;
      case "agent_joined":
        status.textContent = frame.name + " (kommunvägledare) har anslutit.";
        break;
      case "agent_left":
        typing.textContent = "";
        break;
      case "closed":
        setState("closed");
        break;
      case "error":
        status.textContent = frame.message || "Något gick fel.";
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = scheme + "//" + location.host + "/ws/conversations/" + encodeURIComponent(conversation.id) +
      "?token=" + encodeURIComponent(conversation.token);
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      reconnectDelay = 1000;
      socket.send(JSON.stringify({ type: "sync", after_id: lastId }));
    });
    socket.addEventListener("message", (event) => {
      try { onFrame(JSON.parse(event.data)); } catch (e) { /* ignore a frame we cannot read */ }
    });
    socket.addEventListener("close", () => {
      socket = null;
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    });
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + conversation.token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.message || "Något gick fel. Försök igen.");
      error.status = response.status;
      throw error;
    }
    return data;
  }

  async function loadHistory() {
    const data = await api("GET", "/api/conversations/" + encodeURIComponent(conversation.id));
    data.messages.forEach(render);
    setState(data.state);
  }

  async function send(text) {
    const clientMessageId = newId();
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "message", text, client_message_id: clientMessageId }));
      return;
    }
    try {
      const result = await api("POST", "/api/conversations/" + encodeURIComponent(conversation.id) + "/messages",
        { text, client_message_id: clientMessageId });
      await loadHistory();
      setState(result.state);
    } catch (error) {
      status.textContent = error.message;
    }
  }

  el("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { status.textContent = "Meddelandet är tomt. Skriv något innan du skickar."; return; }
    if (text.length > 2000) { status.textContent = "Meddelandet är för långt. Det får vara högst 2 000 tecken."; return; }
    input.value = "";
    send(text);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      el("composer").requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    const now = Date.now();
    if (state === "agent" && socket && socket.readyState === WebSocket.OPEN && now - lastTypingSent > 3000) {
      lastTypingSent = now;
      socket.send(JSON.stringify({ type: "typing" }));
    }
  });

  leaveQueue.addEventListener("click", async () => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "leave_queue" }));
      return;
    }
    try {
      setState((await api("POST", "/api/conversations/" + encodeURIComponent(conversation.id) + "/leave-queue")).state);
      await loadHistory();
    } catch (error) {
      status.textContent = error.message;
    }
  });

  feedback.querySelectorAll("button").forEach((button) => {
    button.addEventListener("click", async () => {
      try {
        await api("POST", "/api/conversations/" + encodeURIComponent(conversation.id) + "/feedback",
          { helped: button.dataset.helped === "true" });
        el("feedback-thanks").textContent = "Tack för ditt svar!";
        feedback.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      } catch (error) {
        el("feedback-thanks").textContent = error.message;
      }
    });
  });

  async function start() {
    try {
      await loadHistory();
    } catch (error) {
      if (error.status === 401 || error.status === 404) {
        // The stored conversation no longer exists: begin a new one, with the notice first.
        sessionStorage.removeItem(STORAGE_KEY);
        init();
        return;
      }
      status.textContent = error.message;
    }
    el("notice-section").hidden = true;
    el("conversation").hidden = false;
    connect();
    input.focus();
  }

  async function init() {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (stored) {
      conversation = JSON.parse(stored);
      start();
      return;
    }
    const response = await fetch("/api/conversations", { method: "POST" });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      el("notice-text").textContent = data.message || "Chatten kunde inte startas. Ring 042-10 50 00.";
      return;
    }
    conversation = { id: data.id, token: data.token };
    el("notice-text").textContent = data.notice;
    const startButton = el("start-button");
    startButton.disabled = false;
    startButton.addEventListener("click", () => {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(conversation));
      start();
    });
  }

  init();
})();
