// Partner boxes (inputs with data-partner-search): as one types, ask the server for the
// partners whose name contains the text and offer them in the box's <datalist>, which the
// browser shows and lets one choose with the arrow keys and Enter. Without this script an
// exact name still works; the server checks it either way.
(function () {
  "use strict";
  var MIN_LENGTH = 2, WAIT_MS = 150;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null, asked = 0, shown = null;

    function show(names) {
      list.replaceChildren.apply(list, names.map(function (name) {
        var option = document.createElement("option");
        option.value = name;
        return option;
      }));
    }

    function ask(text) {
      var ticket = ++asked;
      var url = input.dataset.partnerSearch + "?q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (ticket !== asked) return; // an answer to an earlier text
          shown = text;
          show(data.results.map(function (result) { return result.name; }));
        })
        .catch(function () { /* offline: the box still takes an exact name */ });
    }

    input.addEventListener("input", function () {
      var text = input.value.trim();
      clearTimeout(timer);
      if (text.length < MIN_LENGTH) { asked++; shown = null; show([]); return; }
      if (text === shown) return;
      timer = setTimeout(function () { ask(text); }, WAIT_MS);
    });
  }

  document.querySelectorAll("input[data-partner-search]").forEach(attach);
})();
