/* INK Events widget: <script src="…/embed.js" data-organisation="slug" …></script> inserts an <iframe>
   of /embed right after itself, with the script's data-* attributes as its parameters (comma-separated
   values for alternatives), and sizes the frame to the height the framed page reports. Only messages
   from our own origin and from this very frame are believed. */
(function () {
  "use strict";
  var ORIGIN = {{ origin|tojson }};
  var EMBED_URL = {{ embed_url|tojson }};
  var PARAMETERS = {{ parameters|tojson }};
  var script = document.currentScript;
  if (!script || !script.parentNode) { return; }
  var query = new URLSearchParams();
  PARAMETERS.forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (!value) { return; }
    value.split(",").forEach(function (part) {
      part = part.trim();
      if (part) { query.append(name, part); }
    });
  });
  var frame = document.createElement("iframe");
  var search = query.toString();
  frame.src = EMBED_URL + (search ? "?" + search : "");
  frame.title = script.getAttribute("data-title") || {{ title|tojson }};
  frame.className = "ink-embed";
  frame.style.width = "100%";
  frame.style.height = "320px";  /* until the page says how tall it is */
  frame.style.border = "0";
  frame.style.display = "block";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== ORIGIN || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (!data || data.type !== "ink-embed-height") { return; }
    var height = Math.ceil(Number(data.height));
    if (isFinite(height) && height > 0 && height <= 20000) { frame.style.height = height + "px"; }
  });
}());
