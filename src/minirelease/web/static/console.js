// minirelease console: small progressive enhancements. Every page works without this file.
"use strict";

// Keyboard users land on the swapped content's heading after htmx replaces a section.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  if (target && target.id === "alerts" && target.textContent.trim()) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});

// A confirmation for buttons that change what users get (data-confirm="…"), without JS
// the form simply submits.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
