/*
 * Tryggare Helsingborg – resident chat widget.
 *
 * Plain JavaScript, no framework, no build step, no third-party requests. Embed with one tag:
 *   <script src="https://ROUTER/static/widget.js" data-router="https://ROUTER" defer></script>
 * data-router is the router's address; empty means the page's own origin. The stylesheet
 * widget.css is loaded from the same folder as this file. Any element on the host page with the
 * attribute data-hbg-chat-open opens the chat when clicked.
 *
 * Talks to the router's resident API (docs/architecture.md): GET /api/contact (the contact center's details
 * and the public-record notice, from settings/contact.yml, so no number is written here), POST /api/conversations,
 * POST /api/conversations/{id}/messages, GET /api/conversations/{id}, leave-queue, feedback and the
 * WebSocket /ws/conversations/{id}. Message text is only ever inserted with textContent.
 */
(function () {
  "use strict";

  if (window.__tryggareHelsingborgChat) return;
  // Marks the widget as loaded (a second script tag does nothing) and lends its personal-data detector to the
  // parity test with router/privacy/masking.py.
  window.__tryggareHelsingborgChat = { findSensitiveData: findSensitiveData };

  var script = document.currentScript || document.querySelector("script[src*='widget.js']");

  const MAX_CHARS = 2000;
  const IDLE_WARN_MS = 20 * 60 * 1000;
  const IDLE_CLOSE_MS = 2 * 60 * 1000;
  const POLL_MS = 5000;
  const ACK_TIMEOUT_MS = 10000;
  const ALIGN_WINDOW_MS = 10000;
  const TYPING_SEND_MS = 3000;
  const TYPING_SHOW_MS = 6000;
  const BOT_TYPING_MAX_MS = 15000;
  const BACKOFF_BASE_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const WS_FAILURES_BEFORE_FALLBACK = 2;
  const STABLE_CONNECTION_MS = 5000;
  const CONTACT_WAIT_MS = 3000;
  const STATES = ["bot", "queued", "agent", "closed"];
  const SENDERS = ["resident", "bot", "agent", "system"];

  const ROUTER = routerBase();
  const STORAGE_KEY = "hbg-chat:" + ROUTER;

  // ------------------------------------------------------------------ Swedish texts
  const fmt = (n) => Number(n).toLocaleString("sv-SE");
  const T = {
    launcher: "Chatta med oss",
    unread: (n) => (n === 1 ? "1 nytt meddelande" : fmt(n) + " nya meddelanden"),
    title: "Chatta med Helsingborgs stad",
    close: "Stäng chattfönstret",
    states: {
      bot: "Du chattar med en automatisk assistent",
      queued: "Du väntar på en kommunvägledare",
      agent: "Du chattar med en kommunvägledare",
      closed: "Chatten är avslutad",
    },
    content: "Chattens innehåll",
    emergency: "Akut fara? Ring 112.",
    noticeHeading: "Innan du skriver",
    starting: "Chatten startar …",
    startFailed: (c) =>
      "Chatten kan inte startas just nu. Försök igen om en stund" + (c ? " eller ring " + c.name + " på " + c.phone : "") + ".",
    retry: "Försök igen",
    log: "Meddelanden",
    who: { resident: "Du", bot: "Assistenten", agent: "Kommunvägledaren", system: "Information" },
    agentWho: (name) => (name ? name + ", kommunvägledare" : "Kommunvägledaren"),
    choices: "Svarsalternativ",
    newTab: " (öppnas i ny flik)",
    inputLabel: "Skriv ditt meddelande",
    inputHint: "Enter skickar. Skift och Enter ger en ny rad.",
    placeholder: "Skriv din fråga här",
    send: "Skicka",
    counter: (n) => fmt(n) + " / " + fmt(MAX_CHARS) + " tecken",
    tooLong: "Meddelandet är för långt. Det får vara högst " + fmt(MAX_CHARS) + " tecken.",
    sending: "Skickas …",
    failed: "Meddelandet kunde inte skickas.",
    resend: "Skicka igen",
    rateLimited: "Du har skickat många meddelanden på kort tid. Vänta en stund och försök igen.",
    reconnecting: "Anslutningen bröts. Vi försöker ansluta igen …",
    warnHeading: "Vill du skicka meddelandet?",
    warnFound: (list) => "Ditt meddelande verkar innehålla " + list + ".",
    warnContact: "Om du vill att vi ska kunna kontakta dig går det bra att skicka ändå.",
    kinds: {
      personnummer: "ett personnummer",
      samordningsnummer: "ett samordningsnummer",
      phone: "ett telefonnummer",
      email: "en e-postadress",
    },
    and: " och ",
    sendAnyway: "Skicka ändå",
    edit: "Ändra",
    queueHeading: "Du står i kö.",
    queuePosition: (p) => "Du är nummer " + fmt(p) + " i kön.",
    queueWaiting: "Du väntar på att en kommunvägledare ska svara.",
    queueWait: (m) =>
      m < 1
        ? "Beräknad väntetid: mindre än en minut."
        : m === 1
          ? "Beräknad väntetid: cirka 1 minut."
          : "Beräknad väntetid: cirka " + fmt(m) + " minuter.",
    queueMethod: "Uppskattningen bygger på hur snabbt de senaste chattarna besvarades.",
    reference: (r) => "Ärendenummer: " + r,
    leaveQueue: "Lämna kön",
    leftQueue: "Du har lämnat kön.",
    typingAgent: (n) => (n ? "Kommunvägledaren " + n + " skriver …" : "Kommunvägledaren skriver …"),
    typingBot: "Assistenten skriver …",
    closedHeading: "Chatten är avslutad",
    closedIdle: "Chatten stängdes eftersom den inte har använts på en stund.",
    closedResident: "Du har avslutat chatten.",
    closedGone: "Den här chatten finns inte längre.",
    closedExpired:
      "Chatten har gått ut eftersom det var länge sedan något skrevs i den. Starta en ny chatt om du vill fortsätta.",
    feedbackQuestion: "Fick du hjälp?",
    yes: "Ja",
    no: "Nej",
    feedbackThanks: "Tack för ditt svar!",
    feedbackSorry: "Tråkigt att du inte fick hjälp. Du kan få hjälp på något av de här sätten:",
    notHelpedChoices: "Andra sätt att få hjälp",
    askPerson: "Prata med en kommunvägledare",
    leaveMessageText: "Jag vill lämna ett meddelande",
    callUs: (phone) => "Ring " + phone,
    sentAt: "Skickat kl. ",
    noticeShow: "Visa information om chatten",
    noticeHide: "Dölj information om chatten",
    feedbackFailed: "Vi kunde inte spara ditt svar. Försök igen.",
    newChat: "Starta en ny chatt",
    end: "Avsluta chatten",
    endConfirm: "Vill du avsluta chatten? Du kan inte skriva mer i den efter det.",
    endYes: "Avsluta",
    endNo: "Fortsätt chatta",
    idle: "Chatten stängs om 2 minuter. Vill du fortsätta?",
    idleContinue: "Fortsätt",
    save: "Spara chatten",
    print: "Skriv ut",
    privacy: "Så hanterar vi dina uppgifter",
    tools: "Verktyg för chatten",
    transcriptTitle: "Chatt med Helsingborgs stad",
    transcriptSaved: "Sparad: ",
    transcriptNotice: "Information före chatten: ",
    notSent: " (inte skickat)",
  };

  // ------------------------------------------------------------------ sensitive data (before sending)
  // The same rules as router/privacy/masking.py, step for step (read its docstring for what is found and what
  // is deliberately left readable): e-mail addresses first, then personnummer and phone numbers left to right
  // in the text as it reads with the addresses blanked, each judged by its neighbours, a personnummer winning
  // over a phone number it overlaps. tests/e2e/widget/test_masking_parity.py feeds both the Python masking
  // corpus (tests/router/masking_cases.py) and checks they agree. Possessive quantifiers (not in JavaScript)
  // are written as atomic look-ahead groups; digits are the ASCII ones.
  const SPACE = "[ \\u00a0\\u202f]";
  const SEPARATOR = "(?:" + SPACE + "?-" + SPACE + "?|" + SPACE + ")";
  const DIGIT = "(?:" + SEPARATOR + "?[0-9])";
  const SUBSCRIBER = "(?:7" + DIGIT + "{8}|[1-689]" + DIGIT + "{6,8})";
  const INTERNATIONAL_ZERO = "(?:\\(0\\)" + SEPARATOR + "?)?";
  const PHONE_RE = new RegExp(
    "(?:\\+46" + SEPARATOR + "?" + INTERNATIONAL_ZERO + "|(?<![0-9])(?:0046" + SEPARATOR + "?" + INTERNATIONAL_ZERO + "|0))" +
      SUBSCRIBER + "(?![0-9])",
    "g"
  );
  const PERSONNUMMER_RE = /(?<![0-9])(1[89]|20)?([0-9]{6})[-+ ]?([0-9]{4})(?![0-9])/g;
  // Python's \w is [\p{L}\p{N}_]; [^\W\d_] is a letter or a non-decimal number.
  const EMAIL_ADDRESS = "(?=([\\p{L}\\p{N}_.%+-]+))\\1@(?:(?=([\\p{L}\\p{N}_-]+))\\2\\.)+[\\p{L}\\p{Nl}\\p{No}]{2,}";
  const EMAIL_RE = new RegExp("(?<![\\p{L}\\p{N}_.%+-])" + EMAIL_ADDRESS, "gu");
  const EMAIL_HERE_RE = new RegExp(EMAIL_ADDRESS, "uy");
  const NUMBER_JOINERS = "-./,:";
  const SPACES = " \u00a0\u202f";

  const isDigit = (character) => character !== undefined && character >= "0" && character <= "9";

  function searchFrom(re, text, position) {
    re.lastIndex = position;
    return re.exec(text);
  }

  function luhnValid(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
      if (d > 9) d -= 9;
      sum += d;
    }
    return sum % 10 === 0;
  }

  function isDate(year, month, day) {
    if (month < 1 || month > 12 || day < 1) return false;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  }

  // Whether the number at `start` continues the one before it: 2026-11-…, HBG-2026-000123, 12.5… The last
  // digit of a number already found reads as the placeholder's "]" after masking: it does not count.
  function joinedToNumberBefore(text, start, previousEnd) {
    return start >= 2 + previousEnd && NUMBER_JOINERS.includes(text[start - 1]) && isDigit(text[start - 2]);
  }

  // "personnummer", "samordningsnummer" (day + 60) or null.
  function idNumberKind(text, m, previousEnd) {
    if (joinedToNumberBefore(text, m.index, previousEnd)) return null;
    const yymmdd = m[2];
    if (!luhnValid(yymmdd + m[3])) return null;
    const yy = Number(yymmdd.slice(0, 2));
    const month = Number(yymmdd.slice(2, 4));
    const rawDay = Number(yymmdd.slice(4, 6));
    const day = rawDay > 60 ? rawDay - 60 : rawDay;
    // Without a century, 2000 + yy is a leap year exactly when either century's year could be.
    const year = m[1] ? Number(m[1]) * 100 + yy : 2000 + yy;
    if (!isDate(year, month, day)) return null;
    return rawDay > 60 ? "samordningsnummer" : "personnummer";
  }

  const isClock = (hhmm) => Number(hhmm.slice(0, 2)) <= 23 && Number(hhmm.slice(2)) <= 59;

  function isDayMonthYear(first, second, year) {
    const y = Number(year);
    return y >= 1900 && y <= 2099 && (isDate(y, Number(second), Number(first)) || isDate(y, Number(first), Number(second)));
  }

  function isPhoneNumber(text, m, previousEnd) {
    const start = m.index;
    const groups = m[0].match(/[0-9]+/g);
    const sizes = groups.map((g) => g.length);
    const startsWith = (...expected) => expected.every((size, i) => sizes[i] === size);
    if (sizes.length === 2 && startsWith(6, 4)) return false; // written like a personnummer: 010229-1234
    if (startsWith(2, 2, 4) && isDayMonthYear(groups[0], groups[1], groups[2])) return false; // 05-11-2026
    if (startsWith(4, 4) && isClock(groups[0]) && isClock(groups[1])) return false; // 0800-1700
    if (text[start] === "+") return true;
    if (joinedToNumberBefore(text, start, previousEnd)) return false;
    const afterNumberAndSpace = start >= 2 + previousEnd && SPACES.includes(text[start - 1]) && isDigit(text[start - 2]);
    // Thousands of an amount (1 050 000 000) or the end of a postal code (100 05).
    return !(afterNumberAndSpace && (sizes.every((size) => size === 3) || sizes[0] === 2));
  }

  function numberFindings(text) {
    const found = [];
    let previousEnd = 0;
    let idNumber = searchFrom(PERSONNUMMER_RE, text, 0);
    let phone = searchFrom(PHONE_RE, text, 0);
    while (idNumber || phone) {
      if (idNumber && (!phone || idNumber.index < phone.index + phone[0].length)) {
        const kind = idNumberKind(text, idNumber, previousEnd);
        if (kind) {
          previousEnd = idNumber.index + idNumber[0].length;
          found.push({ kind: kind, start: idNumber.index, end: previousEnd });
        } else {
          idNumber = searchFrom(PERSONNUMMER_RE, text, idNumber.index + 1);
        }
      } else if (isPhoneNumber(text, phone, previousEnd)) {
        previousEnd = phone.index + phone[0].length;
        found.push({ kind: "phone", start: phone.index, end: previousEnd });
      } else {
        phone = searchFrom(PHONE_RE, text, phone.index + 1);
      }
      // Candidates that start inside an accepted number are gone: look further on.
      if (idNumber && idNumber.index < previousEnd) idNumber = searchFrom(PERSONNUMMER_RE, text, previousEnd);
      if (phone && phone.index < previousEnd) phone = searchFrom(PHONE_RE, text, previousEnd);
    }
    return found;
  }

  // Returns [{kind, start, end}] for personnummer, samordningsnummer, Swedish phone numbers and e-mail.
  function findSensitiveData(text) {
    const emails = [];
    let position = 0;
    let m;
    while ((m = searchFrom(EMAIL_RE, text, position))) {
      let end = m.index + m[0].length;
      emails.push({ kind: "email", start: m.index, end: end });
      // An address right after another one ("a@b.se1@c.se") follows a placeholder once masked: take it too.
      let following;
      while ((following = searchFrom(EMAIL_HERE_RE, text, end))) {
        emails.push({ kind: "email", start: end, end: end + following[0].length });
        end += following[0].length;
      }
      position = end;
    }
    let blanked = "";
    position = 0;
    for (const f of emails) {
      blanked += text.slice(position, f.start) + "[" + "#".repeat(f.end - f.start - 2) + "]";
      position = f.end;
    }
    blanked += text.slice(position);
    return emails.concat(numberFindings(blanked)).sort((a, b) => a.start - b.start);
  }

  // ------------------------------------------------------------------ small helpers
  function routerBase() {
    const attr = script ? (script.getAttribute("data-router") || "").trim() : "";
    if (!attr) return window.location.origin;
    return new URL(attr, window.location.href).href.replace(/\/+$/, "");
  }

  function stylesheetUrl() {
    if (script && script.src) return new URL("widget.css", script.src).href;
    return ROUTER + "/static/widget.css";
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const name of Object.keys(attrs)) {
        const value = attrs[name];
        if (value === null || value === undefined || value === false) continue;
        if (name === "text") node.textContent = value;
        else if (name === "class") node.className = value;
        else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function icon(pathData) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "hbgc-icon");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }
  const ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const ICON_PHONE =
    "M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z";
  const ICON_CLOSE = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z";

  function newMessageId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const charCount = (text) => Array.from(text).length;

  function joinList(items) {
    if (items.length < 2) return items.join("");
    return items.slice(0, -1).join(", ") + T.and + items[items.length - 1];
  }

  // A path ("/integritet") is one of the router's own pages: the widget runs on the city's site, so it is
  // resolved against the router's origin, not the page's.
  function safeHttpUrl(raw) {
    let url;
    try {
      url = raw.startsWith("/") && !raw.startsWith("//") ? new URL(raw, ROUTER + "/") : new URL(raw);
    } catch (_) {
      return null;
    }
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  }

  function externalLink(href, label) {
    const bare = label === href || label + "/" === href;
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", class: bare ? "hbgc-link hbgc-link--bare" : "hbgc-link" }, [
      document.createTextNode(label),
      el("span", { class: "hbgc-sr", text: T.newTab }),
    ]);
  }

  // Phone numbers as people write them become tel: links that never break across lines: numbers with an
  // area code (042-10 50 00, 020-50 50 50, 08-123 456 78, +46 42 10 50 00) and the national short numbers
  // (112, 114 14, 113 13, 116 006, 116 111, 1177, 90101). Digits inside other words, references
  // (HBG-2026-000112), times and web addresses (1177.se) stay text. The same pattern is in agent.js.
  const PHONE_LINK_RE = /(^|[^\w+\-\/.:,])((?:\+46[ \u00a0]?\d{1,3}|0\d{1,3})-?[ \u00a0]?\d{2,3}(?:[ \u00a0]\d{2,3}){1,3}|0\d{1,3}-\d{5,8}|112|114[ \u00a0]?14|113[ \u00a0]?13|116[ \u00a0]?\d{3}|1177|90101)(?![\w\-]|[.,:]\w)/g;

  function telHref(number) {
    return "tel:" + number.replace(/[^\d+]/g, "");
  }

  // Appends `text` to `parent` with every phone number in it as a tel: link (class hbgc-tel, no line break).
  function appendPhoneLinks(parent, text) {
    let last = 0;
    let m;
    PHONE_LINK_RE.lastIndex = 0;
    while ((m = PHONE_LINK_RE.exec(text))) {
      const start = m.index + m[1].length;
      if (start > last) appendReferences(parent, text.slice(last, start));
      parent.appendChild(el("a", { href: telHref(m[2]), class: "hbgc-tel", text: m[2] }));
      last = start + m[2].length;
    }
    if (last < text.length) appendReferences(parent, text.slice(last));
  }

  // Case references (HBG-2026-000002) never break at their hyphens.
  const REFERENCE_RE = /HBG-\d{4}-\d{6}/g;
  function appendReferences(parent, text) {
    let last = 0;
    let m;
    REFERENCE_RE.lastIndex = 0;
    while ((m = REFERENCE_RE.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      parent.appendChild(el("span", { class: "hbgc-nobreak", text: m[0] }));
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // Text with [label](url) and bare http(s) addresses turned into links, phone numbers into tel: links;
  // everything else stays text. Only http and https become web links; any other scheme (javascript:,
  // data: …) is shown as plain text.
  const LINK_RE = /\[([^\]\n]{1,300})\]\(([^()\s]{1,2000})\)|\bhttps?:\/\/[^\s<>"']+/gi;
  function appendRichText(parent, text) {
    let last = 0;
    let m;
    LINK_RE.lastIndex = 0;
    while ((m = LINK_RE.exec(text))) {
      if (m.index > last) appendPhoneLinks(parent, text.slice(last, m.index));
      if (m[1] !== undefined) {
        const href = safeHttpUrl(m[2]);
        parent.appendChild(href ? externalLink(href, m[1]) : document.createTextNode(m[1] + " (" + m[2] + ")"));
        last = m.index + m[0].length;
      } else {
        const raw = m[0].replace(/[.,;:!?)\]]+$/, "");
        const href = safeHttpUrl(raw);
        parent.appendChild(href ? externalLink(href, raw) : document.createTextNode(raw));
        last = m.index + raw.length;
        LINK_RE.lastIndex = last;
      }
    }
    if (last < text.length) appendPhoneLinks(parent, text.slice(last));
  }

  // Times are the city's local time (Europe/Stockholm) whatever the visitor's own time zone, as in the
  // records and the console.
  const STOCKHOLM = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Europe/Stockholm", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  function stockholmParts(date) {
    const parts = {};
    for (const part of STOCKHOLM.formatToParts(date)) parts[part.type] = part.value;
    return parts;
  }

  function timestamp(date) {
    const p = stockholmParts(date);
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
  }

  function clockTime(date) {
    const p = stockholmParts(date);
    return p.hour + "." + p.minute;
  }

  // ------------------------------------------------------------------ session storage
  function loadSession() {
    try {
      const raw = window.sessionStorage.getItem(STORAGE_KEY);
      const data = raw ? JSON.parse(raw) : null;
      if (!data || typeof data.id !== "string" || typeof data.token !== "string") return null;
      data.lastId = Number(data.lastId) || 0;
      data.pending = Array.isArray(data.pending)
        ? data.pending.filter((p) => p && typeof p.cmid === "string" && typeof p.text === "string")
        : [];
      return data;
    } catch (_) {
      return null;
    }
  }

  function saveSession() {
    try {
      if (!conv) {
        window.sessionStorage.removeItem(STORAGE_KEY);
        return;
      }
      window.sessionStorage.setItem(
        STORAGE_KEY,
        JSON.stringify({
          id: conv.id,
          token: conv.token,
          notice: conv.notice,
          lastId: conv.lastId,
          ended: conv.ended || null,
          feedbackGiven: !!conv.feedbackGiven,
          open: !panel.hidden,
          pending: pending.map((p) => ({ cmid: p.cmid, text: p.text, display: p.display, title: p.title || null })),
        })
      );
    } catch (_) {
      /* storage unavailable (private mode): the chat still works, it just does not survive a reload */
    }
  }

  // ------------------------------------------------------------------ HTTP API
  const convPath = (suffix) => "/api/conversations/" + encodeURIComponent(conv.id) + (suffix || "");

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (conv) headers.Authorization = "Bearer " + conv.token;
    const res = await fetch(ROUTER + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
    let data = null;
    try {
      data = await res.json();
    } catch (_) {
      data = null;
    }
    return { status: res.status, ok: res.ok, data: data };
  }

  // The router's Swedish text for an error: {"error": code, "message": text}, or {"error": text}.
  function readableError(data, fallback) {
    if (data && typeof data.message === "string" && data.message.trim()) return data.message;
    if (data && typeof data.error === "string" && /\s/.test(data.error.trim())) return data.error;
    return fallback;
  }
  const errorText = (r, fallback) => readableError(r.data, fallback);

  // ------------------------------------------------------------------ contact details
  // Fetched when a chat starts or is restored, not on every page view of the host site.
  let contact = null; // {name, phone, public_record_notice, …} from GET /api/contact
  let contactLoading = null;

  function loadContact() {
    if (contact) return Promise.resolve(contact);
    if (!contactLoading) {
      contactLoading = fetch(ROUTER + "/api/contact", { headers: { Accept: "application/json" }, credentials: "omit" })
        .then((res) => (res.ok ? res.json() : null))
        .then((d) => {
          const fields = ["name", "phone", "public_record_notice"];
          if (d && fields.every((f) => typeof d[f] === "string" && d[f].trim())) contact = d;
          return contact;
        })
        .catch(() => null)
        .finally(() => {
          contactLoading = null;
        });
    }
    return contactLoading;
  }

  // ------------------------------------------------------------------ state
  let conv = null; // {id, token, notice, lastId, ended, feedbackGiven}
  let chatState = null; // bot | queued | agent | closed
  let reference = null;
  let agentName = null;
  let entries = []; // shown messages, in order: {from, kind, text, display, name, at, localTime, keyed, alignUntil, el, buttons}
  let keyIndex = new Map(); // dedupe key -> entry
  let pending = []; // unacknowledged resident messages: {cmid, text, display, via, sentAt, failed, entry, ackTimer}
  let ws = null;
  let wsOpen = false;
  let wsAttempts = 0;
  let wsOpenedAt = 0;
  let wsTimer = 0;
  let fallback = false;
  let pollTimer = 0;
  let httpChain = Promise.resolve();
  let starting = false;
  let unread = 0;
  let lastTypingSent = 0;
  let agentTypingTimer = 0;
  let botTypingTimer = 0;
  let idleTimer = 0;
  let idleCloseTimer = 0;
  let leaveRequested = false;
  let prompt = null; // {kind, onEscape}

  // ------------------------------------------------------------------ DOM
  const link = el("link", { rel: "stylesheet", href: stylesheetUrl() });
  document.head.appendChild(link);

  const launcherText = el("span", { class: "hbgc-launcher-text", text: T.launcher });
  const launcherBadge = el("span", { class: "hbgc-badge", hidden: true });
  const launcher = el(
    "button",
    { type: "button", class: "hbgc-launcher", "aria-expanded": "false", "aria-controls": "hbgc-panel", onclick: togglePanel },
    [icon(ICON_CHAT), launcherText, launcherBadge]
  );

  const subtitle = el("p", { class: "hbgc-subtitle", id: "hbgc-subtitle", text: T.states.bot });
  const heading = el("h2", { class: "hbgc-title", id: "hbgc-title", tabindex: "-1", text: T.title });
  const closeButton = el(
    "button",
    { type: "button", class: "hbgc-icon-button", "aria-label": T.close, onclick: () => closePanel(true) },
    [icon(ICON_CLOSE)]
  );
  const header = el("div", { class: "hbgc-header" }, [el("div", { class: "hbgc-heading" }, [heading, subtitle]), closeButton]);

  const noticeText = el("div", { class: "hbgc-notice-text", id: "hbgc-notice-text" });
  const startStatus = el("p", { class: "hbgc-start-status", role: "status" });
  const retryStart = el("button", { type: "button", class: "hbgc-button hbgc-button--secondary", hidden: true, text: T.retry, onclick: () => startConversation() });
  // The whole notice until the resident has written; then one line and a button that shows it again
  // (issue 13: on a desktop it filled most of the panel).
  const noticeShort = el("p", { class: "hbgc-notice-short", hidden: true });
  const noticeMore = el("div", { class: "hbgc-notice-more", id: "hbgc-notice-more" }, [
    noticeText,
    el("p", { class: "hbgc-privacy" }, [
      el("a", { class: "hbgc-link", href: ROUTER + "/integritet", target: "_blank", rel: "noopener noreferrer" }, [
        document.createTextNode(T.privacy),
        el("span", { class: "hbgc-sr", text: T.newTab }),
      ]),
    ]),
  ]);
  const noticeToggle = el("button", {
    type: "button", class: "hbgc-tool hbgc-notice-toggle", hidden: true, "aria-expanded": "true",
    "aria-controls": "hbgc-notice-more", text: T.noticeHide, onclick: () => showNoticeDetails(noticeMore.hidden),
  });
  const notice = el("section", { class: "hbgc-notice", "aria-labelledby": "hbgc-notice-heading" }, [
    el("p", { class: "hbgc-emergency", text: T.emergency }),
    el("h3", { class: "hbgc-notice-heading", id: "hbgc-notice-heading", text: T.noticeHeading }),
    noticeShort,
    noticeMore,
    noticeToggle,
    startStatus,
    retryStart,
  ]);

  function showNoticeDetails(shown) {
    noticeMore.hidden = !shown;
    // The short line is part of the whole notice: shown only while the rest is folded away.
    noticeShort.hidden = shown || !contact || !notice.classList.contains("hbgc-notice--compact");
    noticeToggle.setAttribute("aria-expanded", shown ? "true" : "false");
    noticeToggle.textContent = shown ? T.noticeHide : T.noticeShow;
  }

  // The short line is the public-record sentence of settings/contact.yml (GET /api/contact), word for word.
  function compactNotice(compact) {
    notice.classList.toggle("hbgc-notice--compact", compact);
    noticeShort.textContent = contact ? contact.public_record_notice : "";
    noticeToggle.hidden = !compact;
    showNoticeDetails(!compact);
  }

  const log = el("div", { class: "hbgc-log", role: "log", "aria-live": "polite", "aria-label": T.log });
  const typing = el("p", { class: "hbgc-typing", role: "status" });

  const endHeading = el("h3", { class: "hbgc-end-heading", tabindex: "-1", text: T.closedHeading });
  const endReason = el("p", { class: "hbgc-end-reason" });
  const feedbackStatus = el("p", { class: "hbgc-feedback-status", role: "status", tabindex: "-1" });
  const feedbackYes = el("button", { type: "button", class: "hbgc-button", text: T.yes, onclick: () => sendFeedback(true) });
  const feedbackNo = el("button", { type: "button", class: "hbgc-button", text: T.no, onclick: () => sendFeedback(false) });
  const feedback = el("div", { class: "hbgc-feedback", role: "group", "aria-labelledby": "hbgc-feedback-q" }, [
    el("p", { class: "hbgc-feedback-q", id: "hbgc-feedback-q", text: T.feedbackQuestion }),
    el("div", { class: "hbgc-row" }, [feedbackYes, feedbackNo]),
  ]);
  // After "Nej": a person (while the contact center is open), the phone, and leaving a message (issue 13).
  const notHelped = el("div", { class: "hbgc-choices hbgc-not-helped", role: "group", "aria-label": T.notHelpedChoices, hidden: true });
  const endSection = el("section", { class: "hbgc-end", hidden: true, "aria-labelledby": "hbgc-end-heading" }, [
    endHeading,
    endReason,
    feedback,
    feedbackStatus,
    notHelped,
    el("button", { type: "button", class: "hbgc-button hbgc-button--secondary", text: T.newChat, onclick: () => startNewChat() }),
  ]);
  endHeading.id = "hbgc-end-heading";

  const scroller = el("div", { class: "hbgc-scroll", tabindex: "0", role: "region", "aria-label": T.content }, [
    notice,
    log,
    typing,
    endSection,
  ]);

  const queueText = el("span", { class: "hbgc-queue-text" });
  const queueBox = el("section", { class: "hbgc-queue", hidden: true, "aria-labelledby": "hbgc-queue-heading" }, [
    el("div", { class: "hbgc-queue-info", role: "status" }, [
      el("h3", { class: "hbgc-queue-heading", id: "hbgc-queue-heading", text: T.queueHeading }),
      document.createTextNode(" "),
      queueText,
    ]),
    el("button", { type: "button", class: "hbgc-button hbgc-button--secondary hbgc-button--small", text: T.leaveQueue, onclick: leaveQueue }),
  ]);
  const connectionStatus = el("p", { class: "hbgc-connection", role: "status" });

  const promptBox = el("div", { class: "hbgc-prompt", role: "alertdialog", hidden: true, "aria-labelledby": "hbgc-prompt-title", "aria-describedby": "hbgc-prompt-body" });

  const textarea = el("textarea", {
    id: "hbgc-input",
    class: "hbgc-input",
    rows: "2",
    disabled: true,
    placeholder: T.placeholder,
    "aria-describedby": "hbgc-notice-text hbgc-hint hbgc-counter hbgc-error",
  });
  const counter = el("p", { class: "hbgc-counter", id: "hbgc-counter", text: T.counter(0) });
  const composerError = el("p", { class: "hbgc-error", id: "hbgc-error", role: "alert" });
  const sendButton = el("button", { type: "submit", class: "hbgc-button hbgc-send", disabled: true, text: T.send });
  const composer = el("form", { class: "hbgc-composer", novalidate: true }, [
    el("label", { class: "hbgc-label", for: "hbgc-input", text: T.inputLabel }),
    el("p", { class: "hbgc-sr", id: "hbgc-hint", text: T.inputHint }),
    el("div", { class: "hbgc-input-row" }, [textarea, sendButton]),
    el("div", { class: "hbgc-meta" }, [counter, composerError]),
  ]);

  const endButton = el("button", { type: "button", class: "hbgc-tool", text: T.end, onclick: confirmEnd, disabled: true });
  const tools = el("div", { class: "hbgc-tools", role: "group", "aria-label": T.tools }, [
    el("button", { type: "button", class: "hbgc-tool", text: T.save, onclick: downloadTranscript }),
    el("button", { type: "button", class: "hbgc-tool", text: T.print, onclick: printTranscript }),
    endButton,
  ]);

  const panel = el(
    "div",
    { class: "hbgc-panel", id: "hbgc-panel", role: "dialog", "aria-labelledby": "hbgc-title", "aria-describedby": "hbgc-subtitle", hidden: true },
    [header, scroller, queueBox, connectionStatus, promptBox, composer, tools]
  );
  const alertRegion = el("div", { class: "hbgc-sr", role: "alert" });
  const root = el("aside", { class: "hbgc-root", lang: "sv", "aria-label": T.title }, [launcher, panel, alertRegion]);

  // ------------------------------------------------------------------ panel
  function togglePanel() {
    if (panel.hidden) openPanel(true);
    else closePanel(true);
  }

  function openPanel(moveFocus) {
    panel.hidden = false;
    root.classList.add("hbgc-is-open");
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    updateLauncher();
    scrollToEnd();
    if (!conv && !starting) startConversation();
    if (moveFocus) focusComposerOrHeading();
    saveSession();
  }

  function closePanel(returnFocus) {
    if (panel.hidden) return;
    panel.hidden = true;
    root.classList.remove("hbgc-is-open");
    launcher.setAttribute("aria-expanded", "false");
    saveSession();
    if (returnFocus) launcher.focus();
  }

  function focusComposerOrHeading() {
    if (!textarea.disabled) textarea.focus();
    else if (!endSection.hidden) endHeading.focus();
    else heading.focus();
  }

  function updateLauncher() {
    launcherBadge.hidden = unread === 0;
    launcherBadge.textContent = unread ? String(unread) : "";
    launcher.setAttribute("aria-label", unread ? T.launcher + " – " + T.unread(unread) : T.launcher);
  }

  // Keep the newest message in view unless the resident has scrolled up to read.
  let followNewest = true;
  let lastScrollTop = 0;
  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
    // In short windows the whole panel scrolls (see widget.css): bring the composer into view too.
    if (getComputedStyle(panel).overflowY === "auto") panel.scrollTop = panel.scrollHeight;
    followNewest = true;
  }

  function keepNewestInView() {
    if (followNewest) scrollToEnd();
  }

  const focusInsidePanel = () => panel.contains(document.activeElement);

  // ------------------------------------------------------------------ conversation lifecycle
  async function startConversation() {
    if (starting) return;
    starting = true;
    retryStart.hidden = true;
    startStatus.textContent = T.starting;
    const contactReady = loadContact();
    let r;
    try {
      const res = await fetch(ROUTER + "/api/conversations", {
        method: "POST",
        headers: { Accept: "application/json" },
        credentials: "omit",
        cache: "no-store",
      });
      r = { status: res.status, data: await res.json() };
    } catch (_) {
      r = null;
    }
    starting = false;
    const d = r && r.data;
    if (!r || r.status !== 201 || !d || typeof d.id !== "string" || typeof d.token !== "string") {
      // The phone number if the contact details come within a few seconds; a hung router must not keep
      // "Chatten startar …" on screen.
      const late = new Promise((resolve) => setTimeout(() => resolve(contact), CONTACT_WAIT_MS));
      startStatus.textContent = T.startFailed(await Promise.race([contactReady, late]));
      retryStart.hidden = false;
      return;
    }
    startStatus.textContent = "";
    conv = { id: d.id, token: d.token, notice: typeof d.notice === "string" ? d.notice : "", lastId: 0, ended: null };
    showNotice();
    setState("bot");
    saveSession();
    setComposerEnabled(true);
    if (!panel.hidden && (focusInsidePanel() || document.activeElement === document.body)) textarea.focus();
    connect();
    scheduleIdle();
  }

  async function restore(saved) {
    conv = saved;
    loadContact();
    showNotice();
    let r = null;
    try {
      r = await api("GET", convPath());
    } catch (_) {
      r = null;
    }
    if (r && isExpired(r)) {
      // Show why the chat is over, with the button that starts a new one.
      conv.ended = "expired";
      saveSession();
      if (saved.open) openPanel(false);
      showClosed(T.closedExpired);
      return;
    }
    if (r && (r.status === 401 || r.status === 403 || r.status === 404)) {
      conv = null;
      noticeText.textContent = "";
      saveSession();
      if (saved.open) openPanel(false);
      return;
    }
    log.setAttribute("aria-busy", "true");
    const onServer = new Set();
    if (r && r.ok && r.data) {
      reference = typeof r.data.reference === "string" ? r.data.reference : null;
      // No agent_joined frame comes again after a reload: the transcript names the agent chatting now.
      agentName = r.data.state === "agent" ? agentNameOf(r.data.agent_name) : null;
      if (Array.isArray(r.data.messages)) {
        mergeTranscript(r.data.messages);
        for (const m of r.data.messages) if (m && m.client_message_id) onServer.add(m.client_message_id);
      }
    }
    // Messages not acknowledged before the reload go again (same client_message_id: the router keeps one).
    for (const p of saved.pending) {
      if (!onServer.has(p.cmid)) {
        const title = typeof p.title === "string" && p.title ? p.title : null;
        addPending({ cmid: p.cmid, text: p.text, display: p.display || title || p.text, title: title });
      }
    }
    log.removeAttribute("aria-busy");
    unread = 0;
    updateLauncher();
    const state = r && r.ok && r.data && STATES.includes(r.data.state) ? r.data.state : "bot";
    if (saved.open) openPanel(false);
    if (conv.ended) {
      showClosed(endedReason(conv.ended));
      return;
    }
    setState(state);
    if (state === "closed") return;
    setComposerEnabled(true);
    if (!r || !r.ok) setConnectionProblem(true);
    connect();
    scheduleIdle();
  }

  function showNotice() {
    noticeText.textContent = "";
    appendRichText(noticeText, conv.notice || "");
  }

  function setState(state) {
    if (!STATES.includes(state)) return;
    const previous = chatState;
    chatState = state;
    subtitle.textContent = T.states[state];
    if (state !== "queued") queueBox.hidden = true;
    if (state === "queued" && queueBox.hidden) showQueue({});
    if (previous === "queued" && state === "bot" && leaveRequested) announce(T.leftQueue);
    if (state !== "queued") leaveRequested = false;
    if (state === "agent") hideBotTyping();
    if (state === "closed" && previous !== "closed") showClosed("");
  }

  function endedReason(kind) {
    if (kind === "expired") return T.closedExpired;
    return kind === "idle" ? T.closedIdle : kind === "gone" ? T.closedGone : T.closedResident;
  }

  const conversationOver = () => !conv || chatState === "closed" || !!conv.ended;

  function showClosed(reason) {
    chatState = "closed";
    subtitle.textContent = T.states.closed;
    stopConnection();
    clearTimeout(idleTimer);
    clearTimeout(idleCloseTimer);
    hidePrompt();
    hideBotTyping();
    hideAgentTyping();
    queueBox.hidden = true;
    setConnectionProblem(false);
    const hadFocus = focusInsidePanel();
    setComposerEnabled(false);
    composer.hidden = true;
    endButton.hidden = true;
    for (const b of log.querySelectorAll("button")) b.disabled = true;
    endReason.textContent = reason;
    endReason.hidden = !reason;
    feedback.hidden = !conv || !!conv.feedbackGiven || conv.ended === "gone" || conv.ended === "expired";
    if (conv && conv.feedbackGiven) feedbackStatus.textContent = T.feedbackThanks;
    endSection.hidden = false;
    scrollToEnd();
    if (hadFocus) endHeading.focus();
  }

  function endLocally(kind) {
    if (!conv || conv.ended) return;
    if (chatState === "queued") requestLeaveQueue();
    conv.ended = kind;
    saveSession();
    showClosed(endedReason(kind));
  }

  // The router refused the token: the conversation is gone, or its token expired (`r`, the refusal, says which).
  function conversationGone(r) {
    if (!conv) return;
    conv.ended = r && isExpired(r) ? "expired" : "gone";
    saveSession();
    showClosed(endedReason(conv.ended));
  }

  function isExpired(r) {
    return r.status === 401 && !!r.data && r.data.error === "expired";
  }

  // `first`: a message to send as soon as the new chat has started.
  function startNewChat(first) {
    stopConnection();
    for (const p of pending) clearTimeout(p.ackTimer);
    clearTimeout(idleTimer);
    clearTimeout(idleCloseTimer);
    hidePrompt();
    clearTyping();
    conv = null;
    chatState = null;
    reference = null;
    agentName = null;
    leaveRequested = false;
    wsAttempts = 0;
    entries = [];
    keyIndex = new Map();
    pending = [];
    log.textContent = "";
    noticeText.textContent = "";
    endSection.hidden = true;
    endReason.textContent = "";
    composer.hidden = false;
    endButton.hidden = false;
    feedback.hidden = false;
    feedbackStatus.textContent = "";
    feedbackYes.disabled = false;
    feedbackNo.disabled = false;
    notHelped.hidden = true;
    notHelped.textContent = "";
    compactNotice(false);
    composerError.textContent = "";
    saveSession();
    heading.focus();
    const started = startConversation();
    if (first) started.then(() => sendText(first));
  }

  function setComposerEnabled(enabled) {
    textarea.disabled = !enabled;
    sendButton.disabled = !enabled;
    endButton.disabled = !enabled;
  }

  // ------------------------------------------------------------------ rendering messages
  function senderLabel(from, name) {
    return from === "agent" ? T.agentWho(name) : T.who[from];
  }

  function renderEntry(entry, buttons) {
    // Only the bot's latest turn can be answered with a button (the router keeps a title only from it).
    if (entry.from === "resident") for (const b of log.querySelectorAll(".hbgc-choice")) b.disabled = true;
    const previous = log.lastElementChild;
    const label = senderLabel(entry.from, entry.name);
    const alarm = entry.kind === "alarm";
    const node = el("div", { class: "hbgc-msg hbgc-msg--" + entry.from + (alarm ? " hbgc-msg--alarm" : "") });
    const showWho = entry.from !== "system" && (!previous || previous.getAttribute("data-who") !== label);
    node.setAttribute("data-who", label);
    if (showWho) node.appendChild(el("p", { class: "hbgc-who", "aria-hidden": "true", text: label }));
    // The safety net's 112 message: announced at once (role alert), with a phone icon and its own colours.
    const bubble = el("div", { class: "hbgc-bubble", role: alarm ? "alert" : null }, [alarm ? icon(ICON_PHONE) : null]);
    const content = alarm ? bubble.appendChild(el("span", { class: "hbgc-alarm-text" })) : bubble;
    content.appendChild(el("span", { class: "hbgc-sr", text: label + ": " }));
    appendRichText(content, entry.display);
    node.appendChild(bubble);
    node.appendChild(renderTime(entry));
    if (buttons && buttons.length) node.appendChild(renderButtons(buttons));
    entry.el = node;
    log.appendChild(node);
    if (followNewest || entry.from === "resident") scrollToEnd();
  }

  // "10.02" under the bubble, as <time datetime> so that screen readers and tools get the exact moment.
  function renderTime(entry) {
    const when = entry.at || entry.localTime;
    const time = el("time", { datetime: when.toISOString(), text: clockTime(when) });
    entry.timeEl = time;
    return el("p", { class: "hbgc-time" }, [el("span", { class: "hbgc-sr", text: T.sentAt }), time]);
  }

  function renderButtons(buttons) {
    const group = el("div", { class: "hbgc-choices", role: "group", "aria-label": T.choices });
    for (const b of buttons) {
      if (typeof b.url === "string") {
        group.appendChild(el("a", { class: "hbgc-choice hbgc-choice--call", href: b.url }, [icon(ICON_PHONE), document.createTextNode(b.title)]));
        continue;
      }
      group.appendChild(
        el("button", {
          type: "button",
          class: "hbgc-choice",
          text: b.title,
          onclick: () => {
            if (conversationOver()) return;
            for (const other of group.querySelectorAll("button")) other.disabled = true;
            sendText(b.payload, b.title, b.title);
            textarea.focus();
          },
        })
      );
    }
    return group;
  }

  function validButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    // A choice sends its payload; a call choice is a tel: link (no other address is followed).
    return buttons.filter(
      (b) =>
        b && typeof b.title === "string" && b.title.trim() &&
        (typeof b.payload === "string" || (typeof b.url === "string" && /^tel:\+?\d{3,15}$/.test(b.url)))
    );
  }

  function addEntry(m, keys) {
    const entry = {
      from: m.from,
      kind: m.kind === "alarm" || m.kind === "asks_contact" ? m.kind : null,
      text: m.text,
      display: m.text,
      name: m.from === "agent" ? agentNameOf(m.name) || agentName : null,
      at: m.at && !Number.isNaN(Date.parse(m.at)) ? new Date(m.at) : null,
      localTime: new Date(),
      keyed: false,
      alignUntil: 0,
      el: null,
    };
    remember(entry, keys);
    entries.push(entry);
    if (m.from === "resident") compactNotice(true);
    renderEntry(entry, validButtons(m.buttons));
    if (m.from === "bot") hideBotTyping();
    if (m.from === "agent") hideAgentTyping();
    if (m.from !== "resident" && panel.hidden) {
      unread += 1;
      updateLauncher();
    }
    return entry;
  }

  function addPending(p) {
    compactNotice(true);
    const entry = {
      from: "resident",
      text: p.text,
      display: p.display,
      name: null,
      at: null,
      localTime: new Date(),
      keyed: false,
      alignUntil: 0,
      pending: true,
      el: null,
    };
    entries.push(entry);
    renderEntry(entry, []);
    const status = el("p", { class: "hbgc-msg-status", text: T.sending });
    entry.el.appendChild(status);
    entry.status = status;
    p.entry = entry;
    p.via = null;
    p.failed = false;
    pending.push(p);
    return p;
  }

  // ------------------------------------------------------------------ dedupe and acknowledgement
  function messageKeys(m) {
    const keys = [];
    if (m.id !== undefined && m.id !== null && m.id !== "") keys.push("id:" + m.id);
    const t = m.at ? Date.parse(m.at) : NaN;
    if (!Number.isNaN(t)) keys.push("c:" + m.from + "|" + t + "|" + m.text);
    return keys;
  }

  function remember(entry, keys) {
    for (const k of keys) keyIndex.set(k, entry);
    if (keys.length) entry.keyed = true;
  }

  function knownEntry(keys) {
    for (const k of keys) if (keyIndex.has(k)) return keyIndex.get(k);
    return null;
  }

  function noteId(m) {
    const n = Number(m.id);
    if (conv && Number.isFinite(n) && n > conv.lastId) conv.lastId = n;
  }

  function validMessage(m) {
    return m && SENDERS.includes(m.from) && typeof m.text === "string";
  }

  // An agent's display name as the router sends it (agent_joined, the transcript), or null.
  function agentNameOf(value) {
    return typeof value === "string" && value.trim() ? value.trim() : null;
  }

  function pendingFor(m, matchText) {
    if (m.client_message_id) {
      const byId = pending.find((p) => p.cmid === m.client_message_id);
      if (byId) return byId;
    }
    return matchText ? pending.find((p) => p.via && (p.text === m.text || p.display === m.text)) || null : null;
  }

  // `m`, when given, is the stored message: its time replaces the moment the widget sent it.
  function acknowledge(p, keys, m) {
    clearTimeout(p.ackTimer);
    pending = pending.filter((x) => x !== p);
    const entry = p.entry;
    const at = m && m.at ? new Date(m.at) : null;
    if (at && !Number.isNaN(at.getTime()) && entry.timeEl) {
      entry.at = at;
      entry.timeEl.setAttribute("datetime", at.toISOString());
      entry.timeEl.textContent = clockTime(at);
    }
    entry.pending = false;
    entry.el.classList.remove("hbgc-msg--failed");
    if (entry.status) entry.status.remove();
    entry.status = null;
    remember(entry, keys);
    if (!keys.length) entry.alignUntil = Date.now() + ALIGN_WINDOW_MS;
    saveSession();
  }

  function markFailed(p, reason, canResend) {
    clearTimeout(p.ackTimer);
    p.failed = true;
    p.via = null;
    const entry = p.entry;
    entry.el.classList.add("hbgc-msg--failed");
    if (entry.status) entry.status.remove();
    const status = el("div", { class: "hbgc-msg-status" }, [el("span", { text: T.failed + (reason ? " " + reason : "") })]);
    if (canResend) {
      status.appendChild(
        el("button", {
          type: "button",
          class: "hbgc-button hbgc-button--small",
          text: T.resend,
          onclick: (ev) => {
            if (conversationOver()) return;
            ev.currentTarget.disabled = true;
            p.failed = false;
            status.replaceWith((entry.status = el("p", { class: "hbgc-msg-status", text: T.sending })));
            entry.el.classList.remove("hbgc-msg--failed");
            flushOutbox();
            textarea.focus();
          },
        })
      );
    }
    entry.status = status;
    entry.el.appendChild(status);
    keepNewestInView();
  }

  function dropPending(p) {
    clearTimeout(p.ackTimer);
    pending = pending.filter((x) => x !== p);
    entries = entries.filter((e) => e !== p.entry);
    p.entry.el.remove();
    saveSession();
  }

  // The router sends a tapped button's title as the text; the widget's own entry holds the payload too.
  const shows = (entry, m) => entry.text === m.text || entry.display === m.text;

  // A message the server pushed over the WebSocket (has id and at).
  function acceptPushed(m) {
    noteId(m);
    const keys = messageKeys(m);
    if (knownEntry(keys)) return saveSession();
    if (m.from === "resident") {
      const p = pendingFor(m, true);
      if (p) return acknowledge(p, keys, m);
    }
    const now = Date.now();
    const shown = entries.find(
      (e) => !e.keyed && !e.pending && e.alignUntil > now && e.from === m.from && shows(e, m)
    );
    if (shown) remember(shown, keys);
    else addEntry(m, keys);
    saveSession();
  }

  // The full transcript from GET /api/conversations/{id}: append what is not shown yet, in order.
  function mergeTranscript(list) {
    let cursor = 0;
    for (const m of list) {
      if (!validMessage(m)) continue;
      noteId(m);
      const keys = messageKeys(m);
      const known = knownEntry(keys);
      if (known) {
        cursor = Math.max(cursor, entries.indexOf(known) + 1);
        continue;
      }
      const byId = m.from === "resident" && m.client_message_id ? pendingFor(m, false) : null;
      if (byId) {
        acknowledge(byId, keys, m);
        continue;
      }
      const j = entries.findIndex((e, i) => i >= cursor && !e.keyed && !e.pending && e.from === m.from && shows(e, m));
      if (j >= 0) {
        remember(entries[j], keys);
        cursor = j + 1;
        continue;
      }
      // A message on its way (its POST or socket send not answered yet) that the router already has.
      const inFlight = m.from === "resident" ? pendingFor(m, true) : null;
      if (inFlight) {
        acknowledge(inFlight, keys, m);
        continue;
      }
      addEntry(m, keys);
      cursor = entries.length;
    }
    saveSession();
  }

  // ------------------------------------------------------------------ sending
  // A tapped button sends its payload (for the assistant) and its title (what everyone reads, issue 13).
  function sendText(text, display, title) {
    if (conversationOver()) return;
    markActivity();
    addPending({ cmid: newMessageId(), text: text, display: display || text, title: title || null });
    saveSession();
    if (chatState === "bot") showBotTyping();
    flushOutbox();
  }

  function flushOutbox() {
    for (const p of pending) {
      if (p.via || p.failed) continue;
      if (wsOpen) sendOverSocket(p);
      else if (fallback) sendOverHttp(p);
    }
  }

  function messageBody(p, body) {
    body.text = p.text;
    body.client_message_id = p.cmid;
    if (p.title) body.title = p.title;
    return body;
  }

  function sendOverSocket(p) {
    p.via = "ws";
    p.sentAt = Date.now();
    ws.send(JSON.stringify(messageBody(p, { type: "message" })));
    clearTimeout(p.ackTimer);
    // Safety net: a message the server has not acknowledged in time goes again over HTTP with the
    // same client_message_id, which the router treats as the same message.
    p.ackTimer = setTimeout(() => {
      if (pending.includes(p) && p.via === "ws") sendOverHttp(p);
    }, ACK_TIMEOUT_MS);
  }

  function sendOverHttp(p) {
    p.via = "http";
    p.sentAt = p.sentAt || Date.now();
    httpChain = httpChain.then(() => postMessage(p));
  }

  async function postMessage(p) {
    if (!pending.includes(p) || conversationOver()) return;
    const owner = conv;
    let r;
    try {
      r = await api("POST", convPath("/messages"), messageBody(p, {}));
    } catch (_) {
      p.via = null; // network trouble: stays pending, goes again on the next poll or reconnect
      if (conv === owner) setConnectionProblem(true);
      return;
    }
    if (conv !== owner) return; // a new chat was started meanwhile
    const stillPending = pending.includes(p);
    if (r.status === 200 && r.data) {
      const since = p.sentAt;
      if (stillPending) acknowledge(p, []);
      for (const reply of Array.isArray(r.data.replies) ? r.data.replies : []) {
        if (!reply || typeof reply.text !== "string") continue;
        // The same reply may already have arrived over the WebSocket.
        const seen = entries.some((e) => e.from === "bot" && e.text === reply.text && e.localTime.getTime() >= since);
        if (!seen) addEntry({ from: "bot", kind: reply.kind, text: reply.text, buttons: reply.buttons }, []).alignUntil = Date.now() + ALIGN_WINDOW_MS;
      }
      hideBotTyping();
      if (r.data.state) setState(r.data.state);
      return;
    }
    if (!stillPending) return;
    hideBotTyping();
    if (r.status === 413) return refuseTooLong(p, errorText(r, T.tooLong));
    if (r.status === 400) return dropPending(p);
    if (r.status === 429) return markFailed(p, errorText(r, T.rateLimited), true);
    if (r.status === 401 || r.status === 403 || r.status === 404) return conversationGone(r);
    p.via = null; // server trouble: try again later
  }

  function refuseTooLong(p, message) {
    dropPending(p);
    if (!textarea.value.trim()) textarea.value = p.text;
    updateCounter();
    composerError.textContent = message;
  }

  function submitComposer(ev) {
    if (ev) ev.preventDefault();
    if (textarea.disabled || conversationOver()) return;
    const text = textarea.value.trim();
    if (!text) return;
    if (charCount(text) > MAX_CHARS) {
      composerError.textContent = T.tooLong;
      textarea.focus();
      return;
    }
    const findings = findSensitiveData(text).filter((f) => !(botAskedForContact() && CONTACT_KINDS.includes(f.kind)));
    if (findings.length) {
      showSensitiveWarning(text, findings);
      return;
    }
    commitComposer(text);
  }

  // The bot's latest message asked for a phone number or e-mail (router kind "asks_contact"): giving one
  // is the answer, not a slip, so only personnummer still get the warning.
  const CONTACT_KINDS = ["phone", "email"];
  function botAskedForContact() {
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i].from === "resident") return false;
      if (entries[i].from === "bot") return entries[i].kind === "asks_contact";
    }
    return false;
  }

  function commitComposer(text) {
    textarea.value = "";
    updateCounter();
    composerError.textContent = "";
    sendText(text);
  }

  function updateCounter() {
    const n = charCount(textarea.value.trim());
    counter.textContent = T.counter(n);
    const over = n > MAX_CHARS;
    counter.classList.toggle("hbgc-counter--over", over);
    textarea.setAttribute("aria-invalid", over ? "true" : "false");
    if (over && !composerError.textContent) composerError.textContent = T.tooLong;
    if (!over && composerError.textContent === T.tooLong) composerError.textContent = "";
  }

  function onComposerInput() {
    updateCounter();
    markActivity();
    if (wsOpen && (chatState === "queued" || chatState === "agent") && Date.now() - lastTypingSent > TYPING_SEND_MS) {
      lastTypingSent = Date.now();
      ws.send(JSON.stringify({ type: "typing" }));
    }
  }

  function onComposerKeydown(ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submitComposer();
    }
  }

  // ------------------------------------------------------------------ prompts (sensitive data, idle, end)
  function showPrompt(kind, title, paragraphs, buttons, onEscape) {
    promptBox.textContent = "";
    promptBox.className = "hbgc-prompt hbgc-prompt--" + kind;
    promptBox.appendChild(el("h3", { class: "hbgc-prompt-title", id: "hbgc-prompt-title", text: title }));
    promptBox.appendChild(el("div", { id: "hbgc-prompt-body" }, paragraphs.map((p) => el("p", { text: p }))));
    const row = el("div", { class: "hbgc-row" });
    const made = buttons.map((b) =>
      el("button", {
        type: "button",
        class: "hbgc-button" + (b.secondary ? " hbgc-button--secondary" : ""),
        text: b.label,
        onclick: () => {
          hidePrompt();
          b.action();
        },
      })
    );
    made.forEach((b) => row.appendChild(b));
    promptBox.appendChild(row);
    promptBox.hidden = false;
    prompt = { kind: kind, onEscape: onEscape };
    return made;
  }

  function hidePrompt() {
    promptBox.hidden = true;
    promptBox.textContent = "";
    prompt = null;
  }

  function showSensitiveWarning(text, findings) {
    const kinds = [];
    for (const f of findings) if (!kinds.includes(f.kind)) kinds.push(f.kind);
    // The public-record notice; should the contact details be missing, the chat's opening notice says the same.
    const paragraphs = [T.warnFound(joinList(kinds.map((k) => T.kinds[k]))), contact ? contact.public_record_notice : conv.notice];
    if (kinds.includes("phone") || kinds.includes("email")) paragraphs.push(T.warnContact);
    const edit = () => {
      const lead = Math.max(0, textarea.value.indexOf(text));
      textarea.focus();
      textarea.setSelectionRange(lead + findings[0].start, lead + findings[0].end);
    };
    const [editButton] = showPrompt(
      "warning",
      T.warnHeading,
      paragraphs,
      [
        { label: T.edit, action: edit },
        {
          label: T.sendAnyway,
          secondary: true,
          action: () => {
            textarea.focus();
            if (textarea.value.trim() === text) commitComposer(text);
            else submitComposer();
          },
        },
      ],
      () => {
        hidePrompt();
        edit();
      }
    );
    editButton.focus();
  }

  function confirmEnd() {
    if (conversationOver()) return;
    const [yes] = showPrompt(
      "confirm",
      T.end,
      [T.endConfirm],
      [
        { label: T.endYes, action: () => endLocally("resident") },
        { label: T.endNo, secondary: true, action: () => textarea.focus() },
      ],
      () => {
        hidePrompt();
        textarea.focus();
      }
    );
    yes.focus();
  }

  // ------------------------------------------------------------------ inactivity
  function markActivity() {
    if (prompt && prompt.kind === "idle") {
      hidePrompt();
      keepAlive();
    }
    scheduleIdle();
  }

  function scheduleIdle() {
    clearTimeout(idleTimer);
    clearTimeout(idleCloseTimer);
    if (conversationOver()) return;
    idleTimer = setTimeout(showIdleWarning, IDLE_WARN_MS);
  }

  function showIdleWarning() {
    if (conversationOver()) return;
    const focusWasHere = focusInsidePanel() || document.activeElement === document.body || document.activeElement === launcher;
    if (panel.hidden) openPanel(false);
    const [cont] = showPrompt(
      "idle",
      T.idle,
      [],
      [{ label: T.idleContinue, action: () => { keepAlive(); scheduleIdle(); textarea.focus(); } }],
      () => {
        hidePrompt();
        keepAlive();
        scheduleIdle();
        textarea.focus();
      }
    );
    announce(T.idle);
    if (focusWasHere) cont.focus();
    idleCloseTimer = setTimeout(() => endLocally("idle"), IDLE_CLOSE_MS);
  }

  // Tell the router the resident is still here.
  function keepAlive() {
    if (wsOpen) ws.send(JSON.stringify({ type: "sync", after_id: conv.lastId }));
    else if (conv && !conversationOver()) poll();
  }

  function announce(text) {
    alertRegion.textContent = "";
    setTimeout(() => {
      alertRegion.textContent = text;
    }, 50);
  }

  // ------------------------------------------------------------------ typing indicators and queue
  function showBotTyping() {
    typing.textContent = T.typingBot;
    typing.classList.add("hbgc-typing--on");
    keepNewestInView();
    clearTimeout(botTypingTimer);
    botTypingTimer = setTimeout(hideBotTyping, BOT_TYPING_MAX_MS);
  }

  function hideBotTyping() {
    clearTimeout(botTypingTimer);
    if (typing.textContent === T.typingBot) clearTyping();
  }

  function showAgentTyping() {
    typing.textContent = T.typingAgent(agentName);
    typing.classList.add("hbgc-typing--on");
    keepNewestInView();
    clearTimeout(agentTypingTimer);
    agentTypingTimer = setTimeout(hideAgentTyping, TYPING_SHOW_MS);
  }

  function hideAgentTyping() {
    clearTimeout(agentTypingTimer);
    if (typing.textContent && typing.textContent !== T.typingBot) clearTyping();
  }

  function clearTyping() {
    typing.textContent = "";
    typing.classList.remove("hbgc-typing--on");
  }

  function showQueue(q) {
    if (typeof q.reference === "string" && q.reference) reference = q.reference;
    queueText.textContent = "";
    const lines = [];
    lines.push(Number.isFinite(q.position) && q.position > 0 ? T.queuePosition(q.position) : T.queueWaiting);
    if (Number.isFinite(q.wait_minutes) && q.wait_minutes >= 0) lines.push(T.queueWait(q.wait_minutes), T.queueMethod);
    if (reference) lines.push(T.reference(reference));
    appendRichText(queueText, lines.join(" "));
    queueBox.hidden = false;
  }

  function leaveQueue() {
    requestLeaveQueue();
    textarea.focus();
  }

  function requestLeaveQueue() {
    leaveRequested = true;
    if (wsOpen) {
      ws.send(JSON.stringify({ type: "leave_queue" }));
      return;
    }
    const owner = conv;
    api("POST", convPath("/leave-queue"))
      .then((r) => {
        if (conv === owner && !conversationOver() && r.ok && r.data && r.data.state) setState(r.data.state);
      })
      .catch(() => conv === owner && setConnectionProblem(true));
  }

  // ------------------------------------------------------------------ WebSocket, reconnect, HTTP fallback
  // The token never goes in the URL (URLs end up in access logs): it is the socket's first frame.
  function wsUrl() {
    const url = new URL(ROUTER + "/ws/conversations/" + encodeURIComponent(conv.id));
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  function connect() {
    if (conversationOver() || ws) return;
    clearTimeout(wsTimer);
    if (!("WebSocket" in window)) {
      startFallback();
      return;
    }
    let sock;
    try {
      sock = new WebSocket(wsUrl());
    } catch (_) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      if (ws !== sock) return;
      wsOpen = true;
      wsOpenedAt = Date.now();
      stopFallback();
      setConnectionProblem(false);
      // Messages shown from HTTP replies may come again in the sync: let them be recognised.
      const until = Date.now() + ALIGN_WINDOW_MS;
      for (const e of entries) if (!e.keyed && !e.pending && e.from !== "system") e.alignUntil = until;
      sock.send(JSON.stringify({ type: "auth", token: conv.token }));
      sock.send(JSON.stringify({ type: "sync", after_id: conv.lastId }));
      for (const p of pending) if (p.via === "ws") p.via = null;
      flushOutbox();
    };
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch (_) {
        return;
      }
      if (data && typeof data.type === "string") handleEvent(data);
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      const wasOpen = wsOpen;
      ws = null;
      wsOpen = false;
      if (conversationOver()) return;
      if (wasOpen && Date.now() - wsOpenedAt > STABLE_CONNECTION_MS) wsAttempts = 0;
      if (ev.code === 1008 || (ev.code >= 4400 && ev.code < 4500)) verifyConversation();
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    wsAttempts += 1;
    setConnectionProblem(true);
    if (wsAttempts >= WS_FAILURES_BEFORE_FALLBACK) startFallback();
    // Exponential backoff with jitter: half the step fixed, half random.
    const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (wsAttempts - 1));
    clearTimeout(wsTimer);
    wsTimer = setTimeout(connect, step / 2 + Math.random() * (step / 2));
  }

  function stopConnection() {
    clearTimeout(wsTimer);
    stopFallback();
    if (ws) {
      const sock = ws;
      ws = null;
      wsOpen = false;
      sock.close(1000);
    }
  }

  async function verifyConversation() {
    const owner = conv;
    try {
      const r = await api("GET", convPath());
      if (conv === owner && [401, 403, 404].includes(r.status)) conversationGone(r);
    } catch (_) {
      /* unreachable router: the reconnect loop keeps trying */
    }
  }

  function startFallback() {
    if (fallback || conversationOver()) return;
    fallback = true;
    flushOutbox();
    schedulePoll(0);
  }

  function stopFallback() {
    fallback = false;
    clearTimeout(pollTimer);
  }

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(async () => {
      await poll();
      if (fallback) schedulePoll(POLL_MS);
    }, delay);
  }

  async function poll() {
    if (conversationOver()) return;
    const owner = conv;
    let r;
    try {
      r = await api("GET", convPath());
    } catch (_) {
      if (conv === owner) setConnectionProblem(true);
      return;
    }
    if (conv !== owner || conversationOver()) return;
    if (r.status === 401 || r.status === 403 || r.status === 404) return conversationGone(r);
    if (!r.ok || !r.data) return setConnectionProblem(true);
    if (!wsOpen) setConnectionProblem(false);
    if (typeof r.data.reference === "string") reference = r.data.reference;
    // Without a socket there are no agent_joined/agent_left frames: the transcript says who is chatting.
    if (r.data.agent_name !== undefined) agentName = r.data.state === "agent" ? agentNameOf(r.data.agent_name) : null;
    if (Array.isArray(r.data.messages)) mergeTranscript(r.data.messages);
    if (r.data.state && r.data.state !== chatState) setState(r.data.state);
    if (fallback) flushOutbox();
  }

  function setConnectionProblem(problem) {
    connectionStatus.textContent = problem ? T.reconnecting : "";
    connectionStatus.hidden = !problem;
  }

  function handleEvent(d) {
    switch (d.type) {
      case "message":
        if (validMessage(d)) acceptPushed(d);
        break;
      case "queue":
        showQueue(d);
        break;
      case "typing":
        if (d.from === "agent") showAgentTyping();
        break;
      case "agent_joined":
        // The router's own system message ("Du chattar nu med …") says it in the log, stored so that it is
        // there after a reload too; the widget adds no line of its own, or the resident would see two.
        agentName = agentNameOf(d.name);
        break;
      case "agent_left":
        // Likewise the router stores and sends its own line for the way the agent left ("… lämnat chatten.
        // Nu svarar chattroboten igen.", "… Du står kvar i kön …", "… har avslutat chatten …").
        hideAgentTyping();
        agentName = null;
        break;
      case "state":
        if (d.state === "closed") closedByRouter();
        else setState(d.state);
        break;
      case "closed":
        closedByRouter();
        break;
      case "error": {
        hideBotTyping();
        const message = readableError(d, "");
        const sent = pending.filter((p) => p.via === "ws");
        if (sent.length) markFailed(sent[sent.length - 1], message, true);
        else composerError.textContent = message || T.failed;
        break;
      }
    }
  }

  // The router ended the chat (a kommunvägledare closed it). Its stored closing message comes after the
  // closed state, when the socket is already shut: fetch the transcript once so that the resident sees it
  // now, as after a reload.
  async function closedByRouter() {
    if (!conv || chatState === "closed") return;
    const owner = conv;
    setState("closed");
    let r;
    try {
      r = await api("GET", convPath());
    } catch (_) {
      return;
    }
    if (conv !== owner || !r.ok || !r.data || !Array.isArray(r.data.messages)) return;
    mergeTranscript(r.data.messages);
    for (const b of log.querySelectorAll("button")) b.disabled = true;
  }

  // ------------------------------------------------------------------ feedback and transcript
  async function sendFeedback(helped) {
    if (!conv) return;
    const owner = conv;
    feedbackYes.disabled = true;
    feedbackNo.disabled = true;
    let ok = false;
    try {
      ok = (await api("POST", convPath("/feedback"), { helped: helped })).ok;
    } catch (_) {
      ok = false;
    }
    if (conv !== owner) return;
    if (ok) {
      conv.feedbackGiven = true;
      saveSession();
      feedback.hidden = true;
      feedbackStatus.textContent = helped ? T.feedbackThanks : T.feedbackSorry;
      if (!helped) await showNotHelped();
      feedbackStatus.focus();
    } else {
      feedbackYes.disabled = false;
      feedbackNo.disabled = false;
      feedbackStatus.textContent = T.feedbackFailed;
    }
  }

  async function contactCenterOpen() {
    try {
      const res = await fetch(ROUTER + "/api/hours", { headers: { Accept: "application/json" }, credentials: "omit" });
      const d = res.ok ? await res.json() : null;
      return !!(d && d.open === true);
    } catch (_) {
      return false;
    }
  }

  async function showNotHelped() {
    const [details, open] = await Promise.all([loadContact(), contactCenterOpen()]);
    notHelped.textContent = "";
    // A new chat starts with the resident's own words (the assistant understands them), so the new
    // transcript shows exactly what was asked.
    const choice = (text) => el("button", { type: "button", class: "hbgc-choice", text: text, onclick: () => startNewChat(text) });
    if (open) notHelped.appendChild(choice(T.askPerson));
    if (details) {
      notHelped.appendChild(
        el("a", { class: "hbgc-choice hbgc-choice--call", href: telHref(details.phone) }, [
          icon(ICON_PHONE),
          el("span", { class: "hbgc-nobreak", text: T.callUs(details.phone) }),
        ])
      );
    }
    notHelped.appendChild(choice(T.leaveMessageText));
    notHelped.hidden = false;
  }

  function transcriptText() {
    const lines = [T.transcriptTitle];
    if (reference) lines.push(T.reference(reference));
    lines.push(T.transcriptSaved + timestamp(new Date()), "");
    if (conv && conv.notice) lines.push(T.transcriptNotice + conv.notice, "");
    for (const e of entries) {
      const when = timestamp(e.at || e.localTime);
      const who = senderLabel(e.from, e.name);
      lines.push("[" + when + "] " + who + ": " + e.display + (e.pending ? T.notSent : ""));
    }
    return lines.join("\r\n") + "\r\n";
  }

  function downloadTranscript() {
    const blob = new Blob(["\ufeff" + transcriptText()], { type: "text/plain;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const name = "chatt-helsingborg-" + timestamp(new Date()).slice(0, 10) + (reference ? "-" + reference : "") + ".txt";
    const a = el("a", { href: url, download: name, class: "hbgc-sr" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function printTranscript() {
    const html = document.documentElement;
    html.classList.add("hbgc-printing");
    const done = () => {
      html.classList.remove("hbgc-printing");
      window.removeEventListener("afterprint", done);
    };
    window.addEventListener("afterprint", done);
    window.print();
  }

  // ------------------------------------------------------------------ wiring
  scroller.addEventListener("scroll", () => {
    // Only the resident scrolls the log up. The widget itself only scrolls down, and the browser's own moves
    // end at the end or go down: when the queue box, a prompt or a shorter window shrinks the log, Chrome's
    // scroll anchoring can move it before the ResizeObserver below has run, and its distance from the end
    // at that moment is no sign that the resident is reading.
    const top = scroller.scrollTop;
    if (scroller.scrollHeight - top - scroller.clientHeight < 48) followNewest = true;
    else if (top < lastScrollTop) followNewest = false;
    lastScrollTop = top;
  });
  if ("ResizeObserver" in window) {
    // The queue box or a prompt appearing shrinks the message area: keep the newest message visible.
    new ResizeObserver(keepNewestInView).observe(scroller);
  }
  composer.addEventListener("submit", submitComposer);
  textarea.addEventListener("input", onComposerInput);
  textarea.addEventListener("keydown", onComposerKeydown);
  root.addEventListener("pointerdown", (ev) => {
    // Pressing a disabled button (a used answer choice) must not move focus away from where it is.
    const pressed = ev.target instanceof Element ? ev.target.closest("button") : null;
    if (pressed && pressed.disabled) ev.preventDefault();
    if (conv && !promptBox.contains(ev.target)) markActivity();
  });
  root.addEventListener("keydown", (ev) => {
    if (conv && !promptBox.contains(ev.target)) markActivity();
    if (ev.key !== "Escape" || panel.hidden || !panel.contains(ev.target)) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (prompt && prompt.onEscape) prompt.onEscape();
    else closePanel(true);
  });
  document.addEventListener("click", (ev) => {
    const opener = ev.target instanceof Element ? ev.target.closest("[data-hbg-chat-open]") : null;
    if (!opener) return;
    ev.preventDefault();
    openPanel(true);
  });
  window.addEventListener("online", () => {
    if (conv && !ws && !conversationOver()) {
      wsAttempts = 0;
      connect();
    }
  });

  function mount() {
    document.body.appendChild(root);
    updateLauncher();
    setConnectionProblem(false);
    const saved = loadSession();
    if (saved) restore(saved);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
