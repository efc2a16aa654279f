// The API reference's "Try it" forms: leave out the fields left empty, so the request carries
// only the parameters given (without JavaScript the form still works; fill every field then).
(function () {
  "use strict";
  document.querySelectorAll(".try form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (el) {
        if (!el.value) { el.disabled = true; }
      });
      window.setTimeout(function () {
        form.querySelectorAll("input, select").forEach(function (el) { el.disabled = false; });
      }, 0);
    });
  });
})();
