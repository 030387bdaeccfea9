// Copy buttons on the subscribe page (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy-target"));
      if (!field) { return; }
      var done = function () {
        var original = button.textContent;
        button.textContent = button.getAttribute("data-copied-label") || original;
        window.setTimeout(function () { button.textContent = original; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* left selected */ }
      }
    });
  });
});
