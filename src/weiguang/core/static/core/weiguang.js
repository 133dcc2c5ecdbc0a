/* Small behaviours that would otherwise be inline handlers, which the Content-Security-Policy
   forbids (no onclick="...", no hx-on). Loaded by core/base.html. */
(function () {
  "use strict";
  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  // <div data-focus="id_title">: when htmx brings it in, move the focus to that field.
  function focusNamed(root) {
    var found = [];
    if (root.matches && root.matches("[data-focus]")) found.push(root);
    if (root.querySelectorAll) found.push.apply(found, root.querySelectorAll("[data-focus]"));
    found.forEach(function (el) {
      var target = document.getElementById(el.getAttribute("data-focus"));
      if (target) target.focus();
    });
  }
  document.addEventListener("htmx:load", function (event) {
    focusNamed(event.detail.elt);
  });
  // Logging out drops the service worker's copies of pages (the field kit holds the names
  // of a grid's residents): the next person on this phone gets none of them.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.caches || !form.matches || !form.matches("form[action='/logout/']")) return;
    event.preventDefault();
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("wg-pages-") === 0; }).map(function (n) {
        return caches.delete(n);
      }));
    }).catch(function () {}).then(function () { form.submit(); });
  });
  // <details data-open-wide>: closed on a phone (the content comes first), open on a wide
  // screen where there is room for it.
  if (window.matchMedia && window.matchMedia("(min-width: 760px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (el) {
      el.open = true;
    });
  }
})();
