// The case platform's progressive enhancement (every page works without it):
// - "Vis video": the privacy-friendly player is put in only when the visitor asks for it, so no request
//   goes to YouTube or Vimeo before that;
// - the filter panel is open on wide screens (closed on phones unless filters are chosen);
// - an embedded list tells the partner's page its height (cases_embed.js on that page listens).
(function () {
  "use strict";

  function showVideo(container) {
    var src = container.getAttribute("data-src");
    var frameBox = document.createElement("div");
    frameBox.className = "case-video-frame";
    var player;
    if (container.getAttribute("data-kind") === "file") {
      player = document.createElement("video");
      player.controls = true;
      player.src = src;
    } else {
      player = document.createElement("iframe");
      player.src = src;
      player.setAttribute("allow", "fullscreen; picture-in-picture");
      player.setAttribute("allowfullscreen", "");
      player.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    }
    player.setAttribute("title", container.getAttribute("data-title") || "Video");
    player.setAttribute("tabindex", "0");
    frameBox.appendChild(player);
    container.replaceChildren(frameBox);
    player.focus();
  }

  function initVideos() {
    document.querySelectorAll("[data-case-video]").forEach(function (container) {
      var button = container.querySelector("[data-case-video-show]");
      if (!button) return;
      button.hidden = false;
      button.addEventListener("click", function () { showVideo(container); });
    });
  }

  function initFilters() {
    var filters = document.querySelector("[data-case-filters]");
    if (filters && window.matchMedia("(min-width: 992px)").matches) filters.open = true;
  }

  function initEmbedHeight() {
    if (!document.body.hasAttribute("data-case-embed") || window.parent === window) return;
    var last = 0;
    function report() {
      var height = Math.ceil(document.documentElement.scrollHeight);
      if (height !== last) {
        last = height;
        // Only a height is sent; it is not secret, so any parent may read it.
        window.parent.postMessage({ type: "vvv-cases-height", height: height, href: window.location.href }, "*");
      }
    }
    report();
    window.addEventListener("load", report);
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
  }

  function init() {
    initVideos();
    initFilters();
    initEmbedHeight();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
