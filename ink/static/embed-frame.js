/* The widget's page (/embed) tells the page that frames it how tall its content is, whenever that
   changes, so that embed.js can size the <iframe> without a scrollbar. The height is no secret: any
   parent may read it; embed.js believes only messages from our origin. */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var content = document.getElementById("embed");
  if (!content) { return; }
  var last = 0;
  function report() {
    var height = Math.ceil(content.getBoundingClientRect().height);
    if (height === last) { return; }
    last = height;
    window.parent.postMessage({ type: "ink-embed-height", height: height }, "*");
  }
  if (window.ResizeObserver) {
    new ResizeObserver(report).observe(content);
  } else {
    window.addEventListener("resize", report);
  }
  window.addEventListener("load", report);
  report();
}());
