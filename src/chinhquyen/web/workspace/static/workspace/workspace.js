/*
 * Officials' workspace: keyboard shortcut to the dossier code box, lazy paper viewer,
 * busy state of htmx-refreshed lists, one submission per action form.
 * Loaded with defer from workspace/base.html; no inline scripts (CSP script-src 'self').
 */
(function () {
  "use strict";

  function typingIn(target) {
    if (!target) return false;
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // "/" (outside text fields) or F2 (anywhere) puts the cursor in the code box: a barcode
  // scanner then types the code and Enter, which opens the dossier.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("ma-ho-so");
    if (!box || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "F2" || (event.key === "/" && !typingIn(event.target))) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  // Papers load only when their viewer is opened (a dossier may have many large PDFs).
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.classList || !details.classList.contains("ws-viewer") || !details.open) return;
    var img = details.querySelector("img[data-src]");
    if (img) {
      img.src = img.getAttribute("data-src");
      img.removeAttribute("data-src");
    }
    var obj = details.querySelector("object[data-src]");
    if (obj) {
      var fresh = obj.cloneNode(true);
      fresh.setAttribute("data", obj.getAttribute("data-src"));
      fresh.removeAttribute("data-src");
      obj.parentNode.replaceChild(fresh, obj);
    }
  }, true);

  // A link to an action (e.g. the apology prompt) opens that action's form and moves focus to it.
  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(id);
    if (target && target.tagName.toLowerCase() === "details") {
      target.open = true;
      var field = target.querySelector("input:not([type=hidden]), select, textarea");
      (field || target.querySelector("summary")).focus();
    }
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);

  // htmx lists tell assistive technology when they are being refreshed.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail && event.detail.target;
    if (el && el.id === "danh-sach") el.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var el = event.detail && event.detail.target;
    if (el && el.id === "danh-sach") el.setAttribute("aria-busy", "false");
  });

  // An action form is sent once: the button is disabled after the first submission (the server
  // also refuses a second one, by the dossier's version).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest(".ws-action")) return;
    if (form.getAttribute("data-sent") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
    var button = form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-disabled", "true");
  });
})();
