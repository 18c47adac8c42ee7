// The console's alerts, one module for both kinds so they stay distinct but behave alike:
// - a new chat in the queue: a soft two-tone chime, a desktop notification, the status line;
// - a case marked by the safety net (urgent): three sharp beeps, a notification that stays until it is
//   dismissed, the status line, and "⚠ Möjlig fara –" in the tab title.
// The tab title also counts the residents waiting: "(2) Chatt – kommunvägledare".
// Sound can be muted (remembered in localStorage); notifications need the browser's permission, which is
// asked only when the agent clicks "Visa aviseringar" (browsers refuse a request that is not a click).
"use strict";

window.hbgConsoleAlerts = function (options) {
  const MUTED_KEY = "hbg-console-sound-muted";
  const URGENT_TITLE = "⚠ Möjlig fara – ";
  const baseTitle = document.title;
  const soundButton = options.soundButton;
  const notifyButton = options.notifyButton;
  const say = options.say;
  let audio = null;
  let waiting = 0;
  let urgent = false;

  function muted() {
    try { return localStorage.getItem(MUTED_KEY) === "1"; } catch (e) { return false; }
  }

  function showSound() {
    // The button says what a click does; the status line confirms the change.
    soundButton.textContent = muted() ? "Slå på ljudet" : "Stäng av ljudet";
  }

  soundButton.addEventListener("click", () => {
    const off = !muted();
    try { localStorage.setItem(MUTED_KEY, off ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
    showSound();
    say(off ? "Ljudet för nya chattar och larm är avstängt." : "Ljudet för nya chattar och larm är på.");
  });

  function notificationsSupported() { return "Notification" in window; }

  function showNotify() {
    if (!notificationsSupported()) { notifyButton.hidden = true; return; }
    const permission = Notification.permission;
    notifyButton.hidden = permission === "granted";
    notifyButton.disabled = permission === "denied";
    notifyButton.textContent = permission === "denied" ? "Aviseringar är blockerade i webbläsaren" : "Visa aviseringar";
  }

  notifyButton.addEventListener("click", async () => {
    const permission = await Notification.requestPermission();
    showNotify();
    say(permission === "granted"
      ? "Aviseringar är på: nya chattar och larm visas även när fliken inte är framme."
      : "Aviseringar är inte tillåtna. Ändra det i webbläsarens inställningar för den här sidan.");
  });

  // Tones: frequency (Hz), start (s), length (s).
  const TONES = {
    chat: [[660, 0, 0.15], [880, 0.2, 0.2]],
    urgent: [[880, 0, 0.18], [880, 0.3, 0.18], [880, 0.6, 0.18]],
  };

  function play(kind) {
    if (muted()) return;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      for (const [frequency, start, length] of TONES[kind]) {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = frequency;
        gain.gain.value = kind === "urgent" ? 0.2 : 0.1;
        tone.connect(gain).connect(audio.destination);
        tone.start(audio.currentTime + start);
        tone.stop(audio.currentTime + start + length);
      }
    } catch (e) { /* no sound available: the title, the notification and the status line still say it */ }
  }

  function notify(title, body, tag, stay) {
    if (!notificationsSupported() || Notification.permission !== "granted") return;
    const shown = new Notification(title, { body, tag, requireInteraction: stay });
    shown.onclick = () => { window.focus(); shown.close(); };
  }

  function showTitle() {
    document.title = (urgent ? URGENT_TITLE : "") + (waiting ? "(" + waiting + ") " : "") + baseTitle;
  }

  showSound();
  showNotify();

  return {
    // The queue changed: how many wait, and whether any chat is marked urgent.
    queue(count, anyUrgent) {
      waiting = count;
      urgent = anyUrgent;
      showTitle();
    },
    newChat(text, tag) {
      say(text);
      play("chat");
      notify("Ny chatt i kön", text, tag, false);
    },
    handedToMe(text, tag) {
      say(text);
      play("chat");
      notify("Chatt överlämnad till dig", text, tag, false);
    },
    urgent(text, tag) {
      say(text);
      play("urgent");
      notify("Möjlig fara", text, tag, true);
    },
  };
};
