// Match form: progressive enhancement only (the form works without JavaScript).
// - Name and e-mail are shown only when the consent box is ticked (unless they already hold values).
// - A suggested company from the CVR lookup fills in its CVR number and looks it up.
(function () {
  "use strict";

  function setupConsentToggle(box) {
    var target = document.getElementById(box.getAttribute("data-consent-toggle"));
    if (!target) {
      return;
    }
    var inputs = target.querySelectorAll("input");
    function hasValues() {
      for (var i = 0; i < inputs.length; i++) {
        if (inputs[i].value) {
          return true;
        }
      }
      return false;
    }
    function update() {
      target.hidden = !box.checked && !hasValues();
    }
    box.setAttribute("aria-controls", target.id);
    box.addEventListener("change", update);
    update();
  }

  function onSuggestionClick(event) {
    var button = event.target.closest("[data-cvr-suggestion]");
    if (!button) {
      return;
    }
    var input = document.getElementById("id_cvr");
    if (!input) {
      return;
    }
    input.value = button.getAttribute("data-cvr-suggestion");
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-consent-toggle]");
    for (var i = 0; i < boxes.length; i++) {
      setupConsentToggle(boxes[i]);
    }
    document.addEventListener("click", onSuggestionClick);
  });
})();
