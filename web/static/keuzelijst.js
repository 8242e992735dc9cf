/* Progressive enhancement of the curation pages' checkbox lists (regions, organisations):
   a search field that filters the options and a live summary of what is chosen. Without
   JavaScript the lists work as plain checkboxes. Loaded as an external file (CSP: script-src 'self'). */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(box) {
    var search = box.querySelector("[data-zoek]");
    var input = search && search.querySelector("input");
    var counter = box.querySelector("[data-teller]");
    var chosen = box.querySelector("[data-gekozen]");
    var options = Array.prototype.slice.call(box.querySelectorAll(".keuzelijst__opties .keuze"));
    if (!search || !input) {
      return;
    }
    search.hidden = false;

    function filter() {
      var q = fold(input.value.trim());
      var shown = 0;
      options.forEach(function (option) {
        var checkbox = option.querySelector("input");
        var visible = !q || checkbox.checked || fold(option.textContent).indexOf(q) !== -1;
        option.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      counter.textContent = q ? shown + " van " + options.length + " getoond (gekozen blijven zichtbaar)." : "";
    }

    function summarise() {
      var names = options.filter(function (option) {
        return option.querySelector("input").checked;
      }).map(function (option) {
        return option.querySelector("label").textContent.trim();
      });
      chosen.textContent = "Gekozen: " + (names.length ? names.join(", ") : "geen") + ".";
    }

    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {          /* searching must not submit the whole form */
        event.preventDefault();
      }
    });
    box.addEventListener("change", function (event) {
      if (event.target && event.target.type === "checkbox") {
        summarise();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-keuzelijst]"), enhance);
})();
