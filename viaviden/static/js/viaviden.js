// Progressive enhancement only; every page works without JavaScript.
(function () {
  // A table wider than its column scrolls inside its own region, which a keyboard user can focus and a
  // screen reader announces by the table's caption or the nearest heading.
  function scrollRegions(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll") && !box.classList.contains("table--responsive-scroll")) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      if (box.hasAttribute("tabindex")) { return; }
      box.setAttribute("tabindex", "0");
      var caption = table.querySelector("caption");
      var labelledby = table.getAttribute("aria-labelledby");
      // A labelled group rather than a landmark region: the table's name is usually its section's, and two
      // landmarks with one name confuse screen-reader users (axe: landmark-unique).
      box.setAttribute("role", "group");
      if (labelledby) {
        box.setAttribute("aria-labelledby", labelledby);
      } else if (caption && caption.textContent.trim()) {
        box.setAttribute("aria-label", caption.textContent.trim());
      } else if (table.getAttribute("aria-label")) {
        box.setAttribute("aria-label", table.getAttribute("aria-label"));
      } else {
        var heading = null, el = box;
        while (el && !heading) {
          var prev = el.previousElementSibling;
          while (prev && !/^H[1-6]$/.test(prev.tagName)) { prev = prev.previousElementSibling; }
          heading = prev; el = el.parentElement;
        }
        box.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
      }
    });
  }

  // A list's filters fill several phone screens before the list: fold them there unless one is in use. On a
  // wider screen (where the summary line is hidden by the style sheet) they are always open.
  function foldFilters() {
    var wide = window.matchMedia("(min-width: 768px)");
    var folds = document.querySelectorAll("details.filter-fold");
    function apply() {
      folds.forEach(function (fold) {
        fold.open = wide.matches || fold.hasAttribute("data-active") || fold.contains(document.activeElement);
      });
    }
    apply();
    wide.addEventListener("change", apply);
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollRegions(document);
    foldFilters();
    if (window.DKFDS && typeof window.DKFDS.init === "function") {
      window.DKFDS.init();
    }
    // DKFDS adds a "Mere" (more) entry when the menu is too wide; give it the page's language.
    var nav = document.querySelector("nav[data-more-label]");
    var more = document.querySelector(".navigation-menu .more-button span");
    if (nav && more) { more.textContent = nav.getAttribute("data-more-label"); }
  });
  document.addEventListener("htmx:afterSwap", function (event) { scrollRegions(event.target); });
})();
