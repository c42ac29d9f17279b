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
