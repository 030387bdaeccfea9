// Door counter: big +1/−1 buttons; each tap gets a client id and is retried with the same id
// until the server answers, so a retried tap counts once. Polls the shared total every 2.5 s.
// A −1 the server refuses (the count is already 0) is said in the polite status region.
(function () {
  "use strict";
  var body = document.body;
  var tapUrl = body.dataset.tapUrl;
  var stateUrl = body.dataset.stateUrl;
  var totalEl = document.getElementById("door-total");
  var statusEl = document.getElementById("door-status");
  var queue = [];
  var sending = false;
  var closed = false;
  var lastTotal = totalEl ? totalEl.textContent : "";

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function show(state) {
    if (!state || typeof state.total !== "number") { return; }
    var total = String(state.total);
    if (total !== lastTotal) {  // only changes are announced by the aria-live region
      totalEl.textContent = total;
      lastTotal = total;
    }
    var cats = state.categories || {};
    document.querySelectorAll(".door-category-count").forEach(function (el) {
      var n = cats[el.dataset.category];
      if (n !== undefined && el.textContent !== String(n)) { el.textContent = String(n); }
    });
  }

  function setStatus(text) { if (statusEl.textContent !== text) { statusEl.textContent = text; } }

  // Say it again even when the same words are already shown: clear, then set on the next frame.
  function announce(text) {
    statusEl.textContent = "";
    window.requestAnimationFrame(function () { statusEl.textContent = text; });
  }

  function closeCounter() {
    closed = true;
    setStatus(body.dataset.msgClosed);
    document.querySelectorAll(".door-buttons button").forEach(function (b) { b.disabled = true; });
  }

  function send() {
    if (sending || closed || queue.length === 0) { return; }
    sending = true;
    var tap = queue[0];
    fetch(tapUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(tap.body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      return response.json().then(function (data) { return {status: response.status, data: data}; });
    }).then(function (result) {
      sending = false;
      if (result.status === 200) {
        queue.shift();
        if (result.data.applied === false && tap.zeroMessage) {
          announce(tap.zeroMessage);
        } else {
          setStatus("");
        }
        show(result.data);
      } else if (result.status === 410 || result.status === 404 || result.status === 409) {
        queue = [];
        closeCounter();
        setStatus(result.data.error || body.dataset.msgClosed);
        return;
      } else if (result.status >= 400 && result.status < 500) {
        queue.shift();  // a malformed tap will never succeed; drop it
        setStatus(result.data.error || "");
      } else {
        throw new Error("server " + result.status);
      }
      send();
    }).catch(function () {
      // Network failure or server error: keep the tap (same tap_id) and retry.
      sending = false;
      setStatus(body.dataset.msgOffline);
      window.setTimeout(send, 1500);
    });
  }

  document.querySelectorAll(".door-buttons button").forEach(function (button) {
    button.addEventListener("click", function () {
      if (closed) { return; }
      var payload = {delta: Number(button.dataset.delta), tap_id: newId()};
      if (button.dataset.category) { payload.category = Number(button.dataset.category); }
      queue.push({body: payload, zeroMessage: button.dataset.msgZero || ""});
      if (navigator.vibrate) { navigator.vibrate(30); }
      send();
    });
  });

  function poll() {
    if (closed) { return; }
    if (queue.length === 0 && !sending) {
      fetch(stateUrl, {headers: {"Accept": "application/json"}, credentials: "omit", cache: "no-store"})
        .then(function (response) {
          if (response.status === 410 || response.status === 404) { closeCounter(); return null; }
          return response.ok ? response.json() : null;
        })
        .then(show)
        .catch(function () { /* the next poll will try again */ });
    }
    window.setTimeout(poll, 2500);
  }
  window.setTimeout(poll, 2500);
})();
