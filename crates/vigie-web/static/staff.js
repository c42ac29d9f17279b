// The console: the live queue and the officer's conversations, pushed over a WebSocket.
"use strict";
(function () {
  var S = JSON.parse(document.getElementById("i18n").textContent);
  var csrf = document.getElementById("csrf").dataset.token;
  var lang = document.documentElement.lang;
  function $(id) { return document.getElementById(id); }
  var queue = [];
  var attempts = 0;

  function post(path) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept-Language": lang },
      body: "{}",
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }).catch(function () { return { ok: false, status: 0, data: { error: { message: S["error-unavailable"] } } }; });
  }

  function showError(text) {
    $("console-error").textContent = text || "";
    $("console-error").hidden = !text;
  }

  function duration(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m > 0 ? m + " min " + s + " s" : s + " s";
  }

  function waitedSince(iso) {
    return Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  }

  function renderQueue() {
    var list = $("queue");
    list.textContent = "";
    queue.forEach(function (q) {
      var li = document.createElement("li");
      var label = document.createElement("span");
      label.className = "waiting";
      label.textContent = q.conversation_id.slice(0, 8) + " · " + q.locale.toUpperCase() + " · " +
        S["queue-waiting"].replace("{duration}", duration(waitedSince(q.waiting_since)));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-small";
      button.textContent = S["take-button"];
      button.setAttribute("aria-label", S["take-button"] + " " + q.conversation_id.slice(0, 8));
      button.addEventListener("click", function () { take("/api/v1/staff/conversations/" + q.conversation_id + "/take"); });
      li.appendChild(label);
      li.appendChild(button);
      list.appendChild(li);
    });
    $("queue-empty").hidden = queue.length > 0;
    $("queue-count").textContent = "(" + S["queue-count"].replace("{count}", String(queue.length)) + ")";
  }

  function renderMine(items, listId, emptyId) {
    var list = $(listId);
    if (!list) return;
    list.textContent = "";
    (items || []).forEach(function (c) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/staff/conversations/" + c.conversation_id;
      a.textContent = S["open-button"] + " " + c.conversation_id.slice(0, 8);
      li.appendChild(a);
      if (c.witness_left) {
        var note = document.createElement("span");
        note.className = "hint";
        note.textContent = " · " + S["witness-left"];
        li.appendChild(note);
      }
      list.appendChild(li);
    });
    if (emptyId) $(emptyId).hidden = (items || []).length > 0;
  }

  function take(path) {
    showError("");
    post(path).then(function (r) {
      if (r.ok) {
        window.location.assign("/staff/conversations/" + r.data.conversation_id);
      } else {
        showError(r.data && r.data.error ? r.data.error.message : S["error-internal"]);
      }
    });
  }

  $("take-next").addEventListener("click", function () { take("/api/v1/staff/queue/take-next"); });
  // Alt+N: the same as the button (no screen reader uses Alt with a letter; Ctrl+Alt is AltGr
  // on Windows keyboards and is left alone).
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if ((event.key || "").toLowerCase() === "n" || event.code === "KeyN") {
      event.preventDefault();
      $("take-next").click();
    }
  });

  // Offers: a conversation proposed to this officer, to accept within a timeout. A new offer
  // plays a short tone (drawn by WebAudio: no file) and shows a desktop notification, once the
  // officer has allowed them with the button (browsers require a gesture).
  var offers = [];
  var known = new Set();
  var audio = null;
  $("notify-enable").addEventListener("click", function () {
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
    if (window.Notification && Notification.permission !== "granted") {
      Notification.requestPermission().then(function (p) {
        $("notify-status").textContent = p === "granted" ? S["notify-enabled"] : S["notify-denied"];
      });
    } else {
      $("notify-status").textContent = S["notify-enabled"];
    }
  });
  function chime() {
    if (!audio) return;
    var o = audio.createOscillator();
    var g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.2, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    o.connect(g); g.connect(audio.destination);
    o.start(); o.stop(audio.currentTime + 0.6);
  }
  function announce(offer) {
    chime();
    $("offer-announce").textContent = S["offer-title"] + ". " + S["offer-notification-body"];
    if (window.Notification && Notification.permission === "granted" && document.visibilityState !== "visible") {
      try { new Notification(S["offer-notification-title"], { body: S["offer-notification-body"], tag: offer.conversation_id }); } catch (e) { /* not shown */ }
    }
  }
  function renderOffers() {
    var list = $("offers");
    list.textContent = "";
    offers.forEach(function (o) {
      var left = Math.max(0, Math.round((Date.parse(o.expires_at) - Date.now()) / 1000));
      var li = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = S["offer-text"].replace("{conversation}", o.conversation_id.slice(0, 8))
        .replace("{priority}", S["priority-" + o.priority] || "").replace("{seconds}", String(left));
      var accept = document.createElement("button");
      accept.type = "button";
      accept.className = "button button-small button-primary";
      accept.textContent = S["offer-accept"];
      accept.addEventListener("click", function () { take("/api/v1/staff/offers/" + o.conversation_id + "/accept"); });
      var decline = document.createElement("button");
      decline.type = "button";
      decline.className = "button button-small";
      decline.textContent = S["offer-decline"];
      decline.addEventListener("click", function () {
        post("/api/v1/staff/offers/" + o.conversation_id + "/decline").then(function (r) {
          if (!r.ok) showError(r.data && r.data.error ? r.data.error.message : S["offer-gone"]);
        });
      });
      li.appendChild(label); li.appendChild(document.createTextNode(" ")); li.appendChild(accept);
      li.appendChild(document.createTextNode(" ")); li.appendChild(decline);
      list.appendChild(li);
    });
    $("offers-box").hidden = offers.length === 0;
  }
  function setOffers(next) {
    offers = next || [];
    offers.forEach(function (o) { if (!known.has(o.conversation_id)) { known.add(o.conversation_id); announce(o); } });
    renderOffers();
  }
  setInterval(function () { if (offers.length) renderOffers(); }, 1000);

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/api/v1/staff/ws");
    ws.onopen = function () { attempts = 0; $("live-status").textContent = S["live-status-connected"]; };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === "queue") {
        queue = msg.queue;
        renderQueue();
        renderMine(msg.mine, "mine", "mine-empty");
        if (msg.all) renderMine(msg.all, "all", null);
        if (msg.offers) setOffers(msg.offers);
      }
    };
    ws.onclose = function () {
      $("live-status").textContent = S["live-status-offline"];
      attempts += 1;
      setTimeout(connect, Math.min(10000, 300 * Math.pow(2, Math.min(attempts, 6))));
    };
  }

  setInterval(renderQueue, 10000);
  connect();
})();
