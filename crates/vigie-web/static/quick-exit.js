// Quick exit: replace this page in the history with a neutral site, so "back" does not return.
"use strict";
(function () {
  function leave(event) {
    var link = document.querySelector("[data-quick-exit]");
    if (event) event.preventDefault();
    document.body.innerHTML = "";
    document.title = "";
    window.location.replace(link ? link.href : "https://meteofrance.com/");
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-quick-exit]") : null;
    if (target) leave(event);
  });
  // Escape pressed three times in quick succession also leaves.
  var presses = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1500; });
    presses.push(now);
    if (presses.length >= 3) leave(event);
  });
})();
