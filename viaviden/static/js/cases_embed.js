// For partners' websites (optional): include after the iframe of the embedded case list,
//   <iframe src="https://…/cases/indlejr/?…" data-vvv-cases …></iframe>
//   <script src="https://…/static/js/cases_embed.js" async></script>
// It sets the iframe's height to its content, so the list has no scrollbar of its own. Messages are
// accepted only from the platform's own origin (where this script was loaded from).
(function () {
  "use strict";
  var script = document.currentScript;
  var platform = script ? new URL(script.src).origin : null;
  window.addEventListener("message", function (event) {
    if (!platform || event.origin !== platform) return;
    var data = event.data || {};
    if (data.type !== "vvv-cases-height" || typeof data.height !== "number") return;
    document.querySelectorAll("iframe[data-vvv-cases]").forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = Math.min(data.height, 20000) + "px";
    });
  });
})();
