// minirelease console: "Upload version" with a progress bar. Without this file the form
// posts as a plain multipart form; with it, the same form is sent by XMLHttpRequest so
// upload progress events can drive the <progress> bar. The CSRF token goes in the
// X-CSRF-Token header (checked before the body is read); a refusal comes back as an
// alert fragment (with its real status) shown in #alerts, success as an HX-Redirect.
"use strict";

(function () {
  function alerts(html) {
    var region = document.getElementById("alerts");
    if (!region) { return; }
    region.innerHTML = html;
    region.setAttribute("tabindex", "-1");
    region.focus();
  }

  function message(text) {
    var box = document.createElement("div");
    box.className = "error-box";
    box.textContent = text;
    alerts("");
    document.getElementById("alerts").appendChild(box);
  }

  function send(form) {
    var token = form.querySelector("input[name=csrf_token]");
    var panel = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var percent = form.querySelector(".upload-percent");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    if (token) { xhr.setRequestHeader("X-CSRF-Token", token.value); }
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable || !bar) { return; }
      var done = Math.round((event.loaded / event.total) * 100);
      bar.value = done;
      if (percent) { percent.textContent = done + " %"; }
    });
    xhr.addEventListener("load", function () {
      var target = xhr.getResponseHeader("HX-Redirect");
      if (xhr.status < 300 && target) {
        window.location.assign(target);
        return;
      }
      if (button) { button.disabled = false; }
      if (panel) { panel.hidden = true; }
      if (xhr.status >= 400 && xhr.responseText) {
        alerts(xhr.responseText);
      } else {
        message("The upload did not complete (status " + xhr.status + "). Try again.");
      }
    });
    xhr.addEventListener("error", function () {
      if (button) { button.disabled = false; }
      if (panel) { panel.hidden = true; }
      message("The upload failed: the connection was interrupted. Try again.");
    });
    if (bar) { bar.value = 0; }
    if (percent) { percent.textContent = "0 %"; }
    if (panel) { panel.hidden = false; }
    if (button) { button.disabled = true; }
    xhr.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload")) { return; }
    if (!window.FormData || !window.XMLHttpRequest) { return; } // the plain form posts
    event.preventDefault();
    send(form);
  });
})();
