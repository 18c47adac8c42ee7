// The JSON API helper shared by the agent console (agent.js) and the administration (admin.js):
// every request carries the session's CSRF token in X-CSRF-Token; a lost session goes to the login page.
"use strict";

window.hbgConsoleApi = function (loginPath) {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  return async function api(method, path, body) {
    const headers = { "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) { location.href = loginPath; throw new Error("Du behöver logga in."); }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || "Något gick fel.");
    return data;
  };
};
