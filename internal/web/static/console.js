// vpcvpn console: progressive enhancements only. Every page works without
// this script; it refreshes statuses in place (and leaves for the sign-in
// form once the session has ended) and adds copy buttons.
(function () {
  "use strict";
  var body = document.body;

  // ---- status refresh
  var refresh = parseInt(body.getAttribute("data-refresh") || "0", 10);
  var marks = document.querySelectorAll("[data-status]");
  var edges = document.querySelectorAll("[data-edge]");
  var statusURL = body.getAttribute("data-status-src");
  function apply(key, s) {
    marks.forEach(function (el) {
      if (el.getAttribute("data-status") === key && el.textContent !== s.label) {
        el.textContent = s.label;
        el.className = "status " + s["class"];
      }
    });
    edges.forEach(function (el) {
      if (el.getAttribute("data-edge") === key) {
        el.setAttribute("class", "edge " + s["class"]);
      }
    });
  }
  var ended = false;
  function poll() {
    if (ended || document.visibilityState === "hidden") { return; }
    fetch(statusURL, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) {
          // The session ended (signed out elsewhere, key disabled, expired):
          // load the page again, which leads to the sign-in form and takes
          // any revealed key off the screen.
          ended = true;
          window.location.assign(body.getAttribute("data-self") || "/console/");
          return null;
        }
        return r.ok ? r.json() : null;
      })
      .then(function (d) {
        if (!d) { return; }
        d.connections.forEach(function (c) {
          apply(c.id, c);
          (c.tunnels || []).forEach(function (t) { apply(c.id + "/" + t.id, t); });
        });
        body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {});
  }
  if (refresh > 0 && statusURL && (marks.length || edges.length)) {
    setInterval(poll, refresh * 1000);
    document.querySelectorAll("[data-live]").forEach(function (el) { el.hidden = false; });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { poll(); } });
  }

  // ---- copy buttons: fetch the configuration and put it on the clipboard
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "vh";
    document.body.appendChild(ta);
    ta.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(ta);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var label = b.textContent;
      fetch(b.getAttribute("data-copy"), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
        .then(copyText)
        .then(function () { b.textContent = "Copied"; b.setAttribute("data-copied", "1"); })
        .catch(function () { b.textContent = "Copy failed: use View"; })
        .then(function () { setTimeout(function () { b.textContent = label; }, 2500); });
    });
  });
})();
