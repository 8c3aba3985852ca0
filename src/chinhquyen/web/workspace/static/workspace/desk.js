/* One-stop desk (Bộ phận Một cửa): keyboard use of the intake screen.
 * - procedure search: a combobox over the htmx suggestions (ArrowDown/ArrowUp, Enter, Escape);
 * - intake form: Enter in a one-line field moves on instead of submitting; Ctrl+Enter receives;
 *   choosing a scan ticks its paper; the buttons are disabled after the first submit;
 * - Alt+Shift+K goes back to a new intake; the result page focuses the print button.
 * No inline script (strict CSP): loaded with defer from the desk templates. */
(function () {
  "use strict";

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("a[role=option]"));
  }

  function setActive(input, list, index) {
    var items = options(list);
    items.forEach(function (item, i) {
      var on = i === index;
      item.classList.toggle("active", on);
      item.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
    list.dataset.active = String(index);
  }

  function initSearch() {
    var input = document.getElementById("o-tim-thu-tuc");
    var list = document.getElementById("goi-y-thu-tuc");
    if (!input || !list) return;
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== list) return;
      var count = options(list).length;
      input.setAttribute("aria-expanded", count ? "true" : "false");
      setActive(input, list, count ? 0 : -1);
    });
    input.addEventListener("keydown", function (event) {
      var items = options(list);
      var active = parseInt(list.dataset.active || "-1", 10);
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        setActive(input, list, Math.min(items.length - 1, active + 1));
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        setActive(input, list, Math.max(0, active - 1));
      } else if (event.key === "Enter" && active >= 0 && items[active]) {
        event.preventDefault();
        window.location.assign(items[active].href);
      } else if (event.key === "Escape") {
        setActive(input, list, -1);
        input.setAttribute("aria-expanded", "false");
      }
    });
    if (options(list).length) setActive(input, list, 0);
  }

  function initForm() {
    var form = document.getElementById("phieu-tiep-nhan");
    if (!form) return;
    var error = document.getElementById("loi-chung");
    if (error) error.focus();
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || target.tagName !== "INPUT") return;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        document.getElementById("nut-tiep-nhan").click();
        return;
      }
      if (target.type === "checkbox" || target.type === "file") return;
      // Enter in a one-line field would submit «Tiếp nhận»: move to the next field instead.
      event.preventDefault();
      var fields = Array.prototype.slice.call(
        form.querySelectorAll("input:not([type=hidden]), select, textarea, button")
      ).filter(function (el) { return !el.disabled; });
      var next = fields[fields.indexOf(target) + 1];
      if (next) next.focus();
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName !== "INPUT") {
        event.preventDefault();
        document.getElementById("nut-tiep-nhan").click();
      }
    });
    form.addEventListener("change", function (event) {
      var tick = event.target.dataset ? event.target.dataset.tick : null;
      if (tick && event.target.files && event.target.files.length) {
        var box = document.getElementById(tick);
        if (box) box.checked = true;
      }
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      // The server also drops a second submit (the form's key); this saves the round trip.
      var clicked = event.submitter;
      if (clicked && clicked.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = clicked.name;
        hidden.value = clicked.value;
        form.appendChild(hidden);
      }
      form.querySelectorAll(".desk-actions button").forEach(function (b) { b.disabled = true; });
    });
  }

  function initDone() {
    var print = document.querySelector("[data-autofocus]");
    if (print) print.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey && event.shiftKey && (event.key === "K" || event.key === "k")) {
      var link = document.getElementById("ho-so-moi");
      var search = document.getElementById("o-tim-thu-tuc");
      if (search) { event.preventDefault(); search.focus(); }
      else if (link) { event.preventDefault(); window.location.assign(link.href); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    initSearch();
    initForm();
    initDone();
  });
})();
