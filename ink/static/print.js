// The printable programme's "Print" button (no inline script: the CSP forbids it). Hidden until
// this runs, so that a browser without scripts shows no button that does nothing.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
