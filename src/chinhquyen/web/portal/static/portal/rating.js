// Rating form ("Đánh giá mức độ hài lòng"): once a level is chosen, list only the reasons the
// province offers for that level (each checkbox carries them in data-levels). Progressive
// enhancement: without this script every reason is listed, with a note on those offered for
// some levels only, and the server refuses a reason that does not fit the level.
(function () {
  "use strict";

  function setup(form) {
    var levels = form.querySelectorAll("input[name=level]");
    var boxes = form.querySelectorAll("input[name=reasons][data-levels]");
    var group = form.querySelector("[data-reasons]");
    if (!levels.length || !boxes.length) {
      return;
    }
    form.querySelectorAll(".reason-note").forEach(function (note) {
      note.hidden = true;
    });

    function update() {
      var chosen = form.querySelector("input[name=level]:checked");
      var level = chosen ? chosen.value : "";
      var shown = 0;
      boxes.forEach(function (box) {
        var offered = !level || box.getAttribute("data-levels").split(" ").indexOf(level) !== -1;
        var row = box.closest(".form-check") || box.parentNode;
        row.hidden = !offered;
        box.disabled = !offered;
        if (!offered) {
          box.checked = false;
        } else {
          shown += 1;
        }
      });
      if (group) {
        group.hidden = shown === 0;
      }
    }

    levels.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  document.querySelectorAll("form[data-rating-form]").forEach(setup);
})();
