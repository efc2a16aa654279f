/* Suggestions as you type: turns the search box into a WAI-ARIA combobox with a listbox popup
   (APG "combobox with list autocomplete"). Progressive enhancement: without this script the
   box is a plain search field and the form works as before. Asks GET /suggest?q=PREFIX. */
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) { return; }
  var form = input.form;
  var field = input.parentNode;
  var list = document.createElement("ul");
  var status = document.createElement("p");
  var kinds = { topic: "topic", locality: "place", resource: "resource" };
  var items = [];
  var active = -1;
  var timer = null;
  var asked = 0;

  list.id = input.id + "-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  field.classList.add("combobox");
  field.appendChild(list);
  field.appendChild(status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function mark(n) {
    var options = list.querySelectorAll("[role=option]");
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === n ? "true" : "false");
    }
    active = n;
    if (n >= 0 && options[n]) {
      input.setAttribute("aria-activedescendant", options[n].id);
      options[n].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(n) {
    var item = items[n];
    if (!item) { return; }
    input.value = item.label;
    close();
    if (item.kind === "resource" && item.path) {
      window.location.href = item.path;
    } else if (form) {
      form.submit();
    }
  }

  function show(found) {
    items = found;
    list.textContent = "";
    found.forEach(function (item, n) {
      var li = document.createElement("li");
      li.id = list.id + "-" + n;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = item.label;
      var kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = " " + (kinds[item.kind] || item.kind) + (item.detail ? ", " + item.detail : "");
      li.appendChild(kind);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });
      li.addEventListener("click", function () { choose(n); });
      list.appendChild(li);
    });
    if (found.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = found.length + (found.length === 1 ? " suggestion" : " suggestions") +
        ": use the up and down arrows to hear them";
    } else {
      close();
      status.textContent = "";
    }
    mark(-1);
  }

  function ask() {
    var text = input.value;
    var mine = ++asked;
    if (!text.trim()) { show([]); return; }
    fetch("/suggest?q=" + encodeURIComponent(text.slice(0, 200)), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (body) { if (mine === asked) { show(body.suggestions || []); } })
      .catch(function () { if (mine === asked) { show([]); } });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && items.length;
    if (event.key === "ArrowDown") {
      if (!open) { ask(); } else { mark(active + 1 < items.length ? active + 1 : 0); }
      event.preventDefault();
    } else if (event.key === "ArrowUp") {
      if (open) { mark(active > 0 ? active - 1 : items.length - 1); event.preventDefault(); }
    } else if (event.key === "Enter") {
      if (open && active >= 0) { event.preventDefault(); choose(active); }
    } else if (event.key === "Escape") {
      if (open) { close(); event.preventDefault(); } else { input.value = ""; }
    } else if (event.key === "Tab") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
