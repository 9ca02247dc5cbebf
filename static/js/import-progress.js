// The page of a program import while the worker has it: every few seconds, fetch the page
// again and show its new state in place (the region is aria-live); once the import is
// finished, show the whole new page content and stop. Without JavaScript the page has a
// Refresh link.
(function () {
  "use strict";
  var region = document.getElementById("import-job");
  if (!region || !region.dataset.refreshSeconds) return;
  var delay = 1000 * Number(region.dataset.refreshSeconds);
  function follow() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("import-job");
        if (!fresh) return;
        region.innerHTML = fresh.innerHTML;
        if (fresh.dataset.refreshSeconds) {
          window.setTimeout(follow, delay);
        } else {
          delete region.dataset.refreshSeconds;
        }
      })
      .catch(function () { window.setTimeout(follow, delay * 5); });
  }
  window.setTimeout(follow, delay);
})();
