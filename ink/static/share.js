// The event page's share control (no inline script: the CSP forbids it). Where the browser has the
// Web Share API, a "Share" button opens its own share sheet; the plain links stay as the other ways.
// The readonly link field gets a copy button.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-share-url]").forEach(function (button) {
    var data = {
      title: button.getAttribute("data-share-title"),
      text: button.getAttribute("data-share-text"),
      url: button.getAttribute("data-share-url")
    };
    if (!navigator.share || (navigator.canShare && !navigator.canShare(data))) { return; }
    button.hidden = false;
    var summary = button.parentNode.querySelector("summary[data-with-share-button]");
    if (summary) { summary.textContent = summary.getAttribute("data-with-share-button"); }
    button.addEventListener("click", function () {
      navigator.share(data).catch(function () { /* dismissed or refused: the links are still there */ });
    });
  });

  document.querySelectorAll("input[data-copy-label]").forEach(function (field) {
    var copy = document.createElement("button");
    copy.type = "button";
    copy.textContent = field.getAttribute("data-copy-label");
    field.insertAdjacentElement("afterend", copy);
    field.addEventListener("focus", function () { field.select(); });
    var done = function () {
      copy.textContent = field.getAttribute("data-copied-label") || copy.textContent;
      window.setTimeout(function () { copy.textContent = field.getAttribute("data-copy-label"); }, 2000);
    };
    copy.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* left selected */ }
      }
    });
  });
});
