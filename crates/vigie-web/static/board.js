// The operations board: redraws its live part from the server every few seconds, unless the
// lead is typing in one of its forms. The server draws everything; nothing is kept.
"use strict";
(function () {
  var live = document.getElementById("board-live");
  if (!live) return;
  function refresh() {
    if (live.contains(document.activeElement) && document.activeElement.tagName === "INPUT") return;
    fetch(location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("board-live");
        if (next && !(live.contains(document.activeElement) && document.activeElement.tagName === "INPUT")) {
          live.replaceChildren.apply(live, Array.prototype.slice.call(next.childNodes));
        }
      })
      .catch(function () { /* the next round tries again */ });
  }
  setInterval(refresh, 5000);
})();
