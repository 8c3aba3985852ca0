/*
 * chinhquyen: the project's small script. Loaded (not deferred) from <head> in base.html, so the
 * first statement runs before the page is painted.
 *
 * Content-Security-Policy is strict (script-src 'self'): no inline <script>, no on*="" attributes,
 * no eval. Add behaviour here with addEventListener, or with htmx attributes.
 */
(function () {
  "use strict";

  // Pages are usable without JavaScript (menus are open, see .no-js in chinhquyen.css); once this
  // script runs, Bootstrap's collapse and dropdown take over.
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    // The skip link moves focus to <main tabindex="-1">, so screen readers start reading there.
    var skip = document.querySelector(".skip-link");
    if (skip) {
      skip.addEventListener("click", function () {
        var target = document.getElementById((skip.getAttribute("href") || "").slice(1));
        if (target) {
          target.focus();
        }
      });
    }

    // Forms marked data-once refuse a second submit while the first is on its way (double clicks
    // on slow connections), without disabling the button for keyboard users before they submit.
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.submitting === "1") {
          event.preventDefault();
          return;
        }
        form.dataset.submitting = "1";
        form.setAttribute("aria-busy", "true");
      });
    });
  });

  // Coming back with the browser's Back button restores the page from cache: allow submitting again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.submitting;
      form.removeAttribute("aria-busy");
    });
  });
})();
