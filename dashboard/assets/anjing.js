// Sign-in and sign-out go through the REST API (same lock-out and audit as any client); the page
// then reloads with the session cookie. The language switch only flips a stored preference.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  anjing: {
    login: async function (clicks, submits, user, password) {
      if (!clicks && !submits) {
        return window.dash_clientside.no_update;
      }
      const answer = await fetch("/api/v1/auth/login", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        credentials: "same-origin",
        body: JSON.stringify({username: user || "", password: password || ""}),
      });
      if (answer.ok) {
        window.location.reload();
        return "";
      }
      try {
        return (await answer.json()).detail || String(answer.status);
      } catch (e) {
        return String(answer.status);
      }
    },
    logout: async function (clicks) {
      if (!clicks) {
        return window.dash_clientside.no_update;
      }
      const me = await (await fetch("/api/v1/auth/me", {credentials: "same-origin"})).json();
      await fetch("/api/v1/auth/logout", {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-CSRF-Token": me.csrf_token || ""},
      });
      window.location.assign("/");
      return "";
    },
    toggleLang: function (clicks, lang) {
      if (!clicks) {
        return window.dash_clientside.no_update;
      }
      return lang === "en" ? "zh" : "en";
    },
  },
});
