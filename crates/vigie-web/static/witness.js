// The witness's chat. The token lives in this page's memory only: nothing is written to
// cookies or to any browser storage. Messages carry a client id, so a message re-sent after a
// dropped connection is never duplicated; the thread is rebuilt from sequence numbers.
"use strict";
(function () {
  var S = JSON.parse(document.getElementById("i18n").textContent);
  var lang = document.documentElement.lang;
  function $(id) { return document.getElementById(id); }
  // A conversation the witness ended, drawn by the server: nothing left to enhance.
  if (!$("send-form")) return;

  var token = null;
  var lastSeq = 0;
  var ws = null;
  var ended = false;
  var attempts = 0;
  var pending = new Map(); // client_id -> <li>, in sending order
  var seen = new Set();

  function errorText(data) {
    if (data && data.error) return data.error.message || S["error-" + data.error.code] || data.error.code;
    return S["error-internal"];
  }

  function showError(el, text) {
    el.textContent = text || "";
    el.hidden = !text;
  }

  function api(path, body) {
    var headers = { "Content-Type": "application/json", "Accept-Language": lang };
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body || {}), credentials: "omit", cache: "no-store" })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
      })
      .catch(function () { return { ok: false, status: 0, data: { error: { code: "unavailable" } } }; });
  }

  function newClientId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "w-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function setStatus(key) { $("status").textContent = S[key] || ""; }

  var current = "waiting";
  function setConversationState(state) {
    current = state;
    if (state === "active") setStatus("status-active");
    else if (state === "closed") finish(false);
    else setStatus("status-waiting");
    if (state === "waiting") pollQueue(); else showQueue(null);
  }

  // While waiting: the position in the queue and an estimated wait, or "nobody is on duty:
  // write now and come back with your receipt code". Asked again every 20 seconds.
  var queueTimer = null;
  function showQueue(q) {
    var box = $("queue-info");
    if (!box) return;
    box.replaceChildren();
    box.hidden = !q || !q.waiting;
    if (box.hidden) return;
    var lines = [q.position <= 1 ? S["queue-position-next"] : S["queue-position"].replace("{n}", String(q.position))];
    if (q.estimated_wait_seconds === null) lines.push(S["queue-no-officer"]);
    else {
      lines.push(S["queue-estimate"].replace("{n}", String(Math.max(1, Math.ceil(q.estimated_wait_seconds / 60)))));
      if (q.estimated_wait_seconds > q.long_wait_seconds) lines.push(S["queue-long"]);
    }
    lines.forEach(function (text) { var p = document.createElement("p"); p.textContent = text; box.appendChild(p); });
  }
  function pollQueue() {
    if (queueTimer !== null || !token) return;
    var ask = function () {
      if (current !== "waiting" || !token) { queueTimer = null; showQueue(null); return; }
      fetch("/api/v1/witness/queue", { headers: { Authorization: "Bearer " + token, "Accept-Language": lang }, credentials: "omit", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (q) { if (current === "waiting") showQueue(q); })
        .catch(function () {})
        .then(function () { queueTimer = setTimeout(ask, 20000); });
    };
    queueTimer = 0;
    ask();
  }

  // The conversation is over: no more writing. The socket stays open to deliver the thread
  // when the witness comes back to a closed conversation; it is closed when the token goes.
  function finish(closeSocket) {
    ended = true;
    setStatus("status-closed");
    $("send-form").hidden = true;
    if ($("end-form")) $("end-form").hidden = true;
    $("ended").hidden = false;
    if (closeSocket && ws) { try { ws.close(); } catch (e) { /* already closed */ } }
  }

  function line(author, text, cls) {
    var li = document.createElement("li");
    li.className = "msg msg-" + cls;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = author;
    var body = document.createElement("p");
    body.className = "body";
    body.textContent = text;
    li.appendChild(who);
    li.appendChild(body);
    return li;
  }

  function render(e) {
    if (seen.has(e.seq)) return;
    seen.add(e.seq);
    if (e.seq > lastSeq) lastSeq = e.seq;
    var li;
    if (e.kind === "message") {
      li = line(S["author-" + e.author], e.photo ? S["photo-in-thread"] : e.body || "", e.author);
    } else if (e.kind === "officer_joined") {
      li = line(S["author-system"], S["event-officer-joined"], "system");
    } else if (e.kind === "closed") {
      li = line(S["author-system"], S[e.author === "witness" ? "event-closed-witness" : "event-closed-system"], "system");
    } else {
      return;
    }
    li.dataset.seq = String(e.seq);
    if (e.client_id && pending.has(e.client_id)) {
      pending.get(e.client_id).remove();
      pending.delete(e.client_id);
    }
    var list = $("messages");
    var firstPending = list.querySelector("li.pending");
    list.insertBefore(li, firstPending);
    if (e.kind === "message" && e.author === "officer") typingShown(false);
    markSeen();
    announceSeen();
    if (e.kind === "officer_joined") setConversationState("active");
    if (e.kind === "closed") { closedAt = e.seq; setConversationState("closed"); }
    // A question from the police after the end of the chat: the witness may answer once.
    if (e.kind === "message" && e.author === "officer" && closedAt && e.seq > closedAt) reopen();
    if (e.kind === "message" && e.author === "witness" && closedAt && e.seq > closedAt && !ended) finish(false);
  }

  var closedAt = 0;
  function reopen() {
    ended = false;
    setStatus("status-question");
    $("send-form").hidden = false;
    $("compose").hidden = false;
    $("ended").hidden = true;
  }

  function flush() {
    if (polling) {
      pending.forEach(function (li, clientId) { sendOverHttp(clientId, li); });
      return;
    }
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    pending.forEach(function (li, clientId) {
      ws.send(JSON.stringify({ type: "send", client_id: clientId, body: li.dataset.body }));
    });
  }

  // A send refused for what it is (empty, too long, conversation over) is given back to the
  // witness to edit; any other failure is passing, and the message stays queued for a retry.
  var PERMANENT = ["text-empty", "text-too-long", "text-control-chars", "client-id-invalid", "conversation-closed", "conversation-blocked", "json-invalid"];
  var retryTimer = null;
  function refused(clientId, code, retryAfter) {
    var li = pending.get(clientId);
    if (PERMANENT.indexOf(code) >= 0) {
      pending.delete(clientId);
      li.remove();
      if (!textarea.value) textarea.value = li.dataset.body;
      showError($("send-error"), S["error-" + code] || code);
      if (code === "conversation-closed") finish(true);
    } else if (code === "rate-limited") {
      // Too fast: say so, and send again once the server says it is time.
      showError($("send-error"), S["error-rate-limited"] || code);
      if (!retryTimer) {
        retryTimer = setTimeout(function () { retryTimer = null; showError($("send-error"), ""); flush(); }, 1000 * Math.max(1, Number(retryAfter) || 2));
      }
    } else {
      setTimeout(flush, 2000);
    }
  }

  // Without WebSockets (blocked by a proxy or a network), the same protocol over plain HTTP:
  // long polling for events, POST for messages.
  var polling = false;
  function poll() {
    if (ended) return;
    var headers = { "Accept-Language": lang, Authorization: "Bearer " + token };
    fetch("/api/v1/witness/events?after=" + lastSeq + "&wait=25", { headers: headers, credentials: "omit", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { finish(true); return null; }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        if (!data) return;
        data.events.forEach(render);
        if (!ended) setConversationState(current);
        attempts = 0;
        flush();
        poll();
      })
      .catch(function () {
        setStatus("status-reconnecting");
        attempts += 1;
        setTimeout(poll, Math.min(10000, 500 * Math.pow(2, Math.min(attempts, 5))));
      });
  }

  function sendOverHttp(clientId, li) {
    if (li.dataset.inflight) return;
    li.dataset.inflight = "1";
    api("/api/v1/witness/messages", { client_id: clientId, body: li.dataset.body }).then(function (r) {
      delete li.dataset.inflight;
      if (r.ok) {
        li.querySelector(".state").textContent = S.sent;
      } else if (pending.has(clientId)) {
        refused(clientId, r.data && r.data.error ? r.data.error.code : "unavailable", r.data && r.data.error ? r.data.error.retry_after : 0);
      }
    });
  }

  var everReady = false;
  function connect() {
    if (ended) return;
    if (polling) return poll();
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/api/v1/witness/ws");
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", token: token, after: lastSeq }));
    };
    ws.onmessage = function (m) {
      var msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === "ready") {
        attempts = 0;
        everReady = true;
        setConversationState(msg.state);
        flush();
        // A fresh socket: say again how far this page has read.
        sentSeen = 0;
        announceSeen();
      } else if (msg.type === "event") {
        render(msg.event);
      } else if (msg.type === "typing" && msg.author === "officer") {
        typingShown(true);
      } else if (msg.type === "seen" && msg.author === "officer") {
        officerSeen = Math.max(officerSeen, Number(msg.seq) || 0);
        markSeen();
      } else if (msg.type === "ack") {
        var li = pending.get(msg.client_id);
        if (li) li.querySelector(".state").textContent = S.sent;
      } else if (msg.type === "error") {
        if (msg.client_id && pending.has(msg.client_id)) {
          refused(msg.client_id, msg.code, msg.retry_after);
        } else if (msg.code === "unauthorized") {
          finish(true);
        }
      }
    };
    ws.onclose = function () {
      if (ended) return;
      setStatus("status-reconnecting");
      attempts += 1;
      // Three failed openings in a row and never a working socket: use HTTP instead.
      if (!everReady && attempts >= 3) {
        polling = true;
        attempts = 0;
        return poll();
      }
      var delay = Math.min(10000, 300 * Math.pow(2, Math.min(attempts, 6)));
      setTimeout(connect, delay);
    };
  }

  function openChat(receiptCode) {
    $("intro").hidden = true;
    $("chat").hidden = false;
    if (receiptCode) {
      $("receipt-code").textContent = receiptCode;
      $("receipt-box").hidden = false;
    }
    setStatus("status-waiting");
    $("chat-title").focus();
    connect();
  }

  // The page's forms post to "/" and work without this script; here they are intercepted and
  // the conversation goes through the API and the WebSocket instead.
  // Starting needs a proof of work (memory-hard, a few seconds at most): a challenge from the
  // server, solved by /static/pow-worker.js off the main thread, then sent with the request.
  function solveChallenge(onProgress) {
    return fetch("/api/v1/witness/challenge", { credentials: "omit", cache: "no-store", headers: { "Accept-Language": lang } })
      .then(function (r) { if (!r.ok) throw new Error("challenge"); return r.json(); })
      .then(function (c) {
        return new Promise(function (resolve, reject) {
          var worker;
          try { worker = new Worker("/static/pow-worker.js"); } catch (e) { return reject(new Error("proof-unavailable")); }
          worker.onmessage = function (m) {
            var d = m.data || {};
            if (typeof d.progress === "number") return onProgress(d.progress);
            worker.terminate();
            if (typeof d.nonce === "number") resolve({ challenge: c.challenge, nonce: d.nonce });
            else reject(new Error("proof-unavailable"));
          };
          worker.onerror = function () { worker.terminate(); reject(new Error("proof-unavailable")); };
          worker.postMessage({ challenge: c.challenge, difficulty: c.difficulty, memory_kib: c.memory_kib, iterations: c.iterations });
        });
      });
  }

  $("start-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var button = $("start");
    var progress = $("start-progress");
    button.disabled = true;
    showError($("start-error"), "");
    progress.textContent = S["proof-working"];
    progress.hidden = false;
    solveChallenge(function (n) {
      progress.textContent = (S["proof-working-progress"] || "").replace("{n}", String(n));
    }).then(function (proof) {
      var urgency = document.querySelector("#start-form input[name=priority]:checked");
      return api("/api/v1/witness/conversations", { locale: lang, proof: proof, priority: urgency ? urgency.value : "normal" });
    }, function (e) {
      var code = e && e.message === "proof-unavailable" ? "proof-unavailable" : "unavailable";
      return { ok: false, status: 0, data: { error: { code: code } } };
    }).then(function (r) {
      button.disabled = false;
      progress.hidden = true;
      progress.textContent = "";
      if (!r.ok) return showError($("start-error"), errorText(r.data));
      token = r.data.token;
      openChat(r.data.receipt_code);
    });
  });

  $("resume-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("receipt");
    api("/api/v1/witness/resume", { receipt_code: input.value }).then(function (r) {
      if (!r.ok) {
        input.setAttribute("aria-invalid", "true");
        return showError($("resume-error"), errorText(r.data));
      }
      input.value = "";
      token = r.data.token;
      openChat(null);
    });
  });

  var ack = $("receipt-ack");
  if (ack) ack.addEventListener("click", function (event) {
    event.preventDefault();
    $("receipt-box").remove();
    $("message").focus();
  });

  var textarea = $("message");
  textarea.addEventListener("input", function () {
    $("message-count").textContent = String(4000 - textarea.value.length);
    typingNow();
  });

  // "The officer is typing" and "seen", both ways, over the WebSocket only; nothing of it is
  // stored, here or on the server. The witness never learns which officer.
  var TYPING_EVERY = 3500; // the server lets one through per 3 s
  var lastTyping = 0;
  var typingTimer = null;
  var officerSeen = 0;
  var sentSeen = 0;
  var markedSeq = 0;
  function socketOpen() { return !polling && ws && ws.readyState === WebSocket.OPEN; }
  function typingNow() {
    var now = Date.now();
    if (ended || !token || !socketOpen() || now - lastTyping < TYPING_EVERY) return;
    lastTyping = now;
    ws.send(JSON.stringify({ type: "typing" }));
  }
  function typingShown(on) {
    var el = $("typing");
    if (!el) return;
    clearTimeout(typingTimer);
    el.textContent = on ? S["comfort-officer-typing"] : "";
    if (on) typingTimer = setTimeout(function () { typingShown(false); }, 5000);
  }
  function announceSeen() {
    if (!socketOpen() || document.visibilityState !== "visible" || lastSeq <= sentSeen) return;
    sentSeen = lastSeq;
    ws.send(JSON.stringify({ type: "seen", seq: lastSeq }));
  }
  document.addEventListener("visibilitychange", announceSeen);
  // "Seen" under the witness's last message the officer has read.
  function markSeen() {
    var target = null;
    $("messages").querySelectorAll("li.msg-witness[data-seq]").forEach(function (li) {
      if (Number(li.dataset.seq) <= officerSeen) target = li;
    });
    if (!target || Number(target.dataset.seq) === markedSeq) return;
    markedSeq = Number(target.dataset.seq);
    var old = $("messages").querySelector(".seen-mark");
    if (old) old.remove();
    var mark = document.createElement("p");
    mark.className = "seen-mark";
    mark.textContent = S["comfort-seen"];
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = " " + S["comfort-seen-by-officer"];
    mark.appendChild(who);
    target.appendChild(mark);
  }
  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("send-form").requestSubmit();
    }
  });

  $("send-form").addEventListener("submit", function (event) {
    // Only "send" is handled here; another submitter (the language switch of a page drawn by the
    // server) posts the form as it would without the script.
    if (event.submitter && event.submitter.value && event.submitter.value !== "send") return;
    event.preventDefault();
    var body = textarea.value.trim();
    if (!body) return showError($("send-error"), S["error-text-empty"]);
    showError($("send-error"), "");
    var clientId = newClientId();
    var li = line(S["author-witness"], body, "witness");
    li.classList.add("pending");
    li.dataset.body = body;
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = S.sending;
    li.appendChild(state);
    $("messages").appendChild(li);
    pending.set(clientId, li);
    textarea.value = "";
    $("message-count").textContent = "4000";
    if (polling) {
      sendOverHttp(clientId, li);
    } else if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "send", client_id: clientId, body: body }));
    }
  });

  if ($("end-form")) $("end-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!window.confirm(S["end-confirm"])) return;
    api("/api/v1/witness/close", {}).then(function (r) {
      if (!r.ok && r.status !== 401) return showError($("send-error"), errorText(r.data));
      token = null;
      finish(true);
    });
  });

  // Photos: chosen in the composer, checked for size here, sent as the file itself with the
  // token and a client id (a retry after a dropped connection is stored once). Nothing is kept:
  // no preview, no copy, the input is emptied once the upload is over.
  var photoBox = $("photo-control");
  var photoInput = $("photo");
  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  var photoMax = photoBox ? Number(photoBox.dataset.maxBytes) || 0 : 0;
  function photoSize(bytes) {
    var mib = bytes / 1048576;
    if (mib >= 1) return S["photo-size-mib"].replace("{n}", (Math.floor(mib * 10) / 10).toLocaleString(lang));
    return S["photo-size-kib"].replace("{n}", String(Math.floor(bytes / 1024)));
  }
  function photoStatus(text) { $("photo-status").textContent = text || ""; }
  function photoDone(error) {
    photoInput.disabled = false;
    photoInput.value = "";
    if (error) photoStatus("");
    showError($("photo-error"), error);
  }
  function sendPhoto(file, clientId, tries) {
    photoStatus(S[tries ? "photo-retrying" : "photo-sending"]);
    photoInput.disabled = true;
    fetch("/api/v1/witness/photos?client_id=" + encodeURIComponent(clientId), {
      method: "POST",
      headers: { "Content-Type": PHOTO_TYPES.indexOf(file.type) >= 0 ? file.type : "application/octet-stream", "Accept-Language": lang, Authorization: "Bearer " + token },
      body: file,
      credentials: "omit",
      cache: "no-store",
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }, function () {
      return { ok: false, status: 0, data: null };
    }).then(function (r) {
      if (r.ok) {
        photoDone("");
        return photoStatus(S["photo-sent-status"]);
      }
      var code = r.data && r.data.error ? r.data.error.code : "unavailable";
      // A passing failure: send the same file again under the same client id.
      if ((r.status === 0 || r.status === 429 || r.status >= 500) && tries < 3) {
        var wait = r.data && r.data.error && r.data.error.retry_after ? r.data.error.retry_after : Math.pow(2, tries + 1);
        return setTimeout(function () { sendPhoto(file, clientId, tries + 1); }, 1000 * wait);
      }
      photoDone(r.status === 0 ? S["error-unavailable"] : errorText(r.data));
      if (r.status === 401 || code === "conversation-closed") finish(true);
    });
  }
  if (photoBox && photoInput) {
    $("photo-hint").textContent = S["photo-hint"].replace("{size}", photoSize(photoMax));
    photoBox.hidden = false;
    photoInput.addEventListener("change", function () {
      var file = photoInput.files && photoInput.files[0];
      photoStatus("");
      showError($("photo-error"), "");
      if (!file || !token) return;
      if (file.type && PHOTO_TYPES.indexOf(file.type) < 0) return photoDone(S["error-photo-type"]);
      if (!file.size) return photoDone(S["error-photo-empty"]);
      if (photoMax && file.size > photoMax) return photoDone(S["error-photo-too-large"]);
      sendPhoto(file, newClientId(), 0);
    });
  }

  var receipt = $("receipt");
  receipt.addEventListener("input", function () { receipt.removeAttribute("aria-invalid"); });

  // The button that reads new replies without the script: live here.
  if ($("refresh")) $("refresh").hidden = true;
  if ($("refresh-hint")) $("refresh-hint").hidden = true;

  // A page the server drew for a conversation (a form posted before this script ran): take
  // over its token and rebuild the thread live from the start.
  var given = document.querySelector("#send-form input[name=token]");
  if (given && given.value) {
    token = given.value;
    $("messages").textContent = "";
    $("chat").hidden = false;
    setStatus("status-waiting");
    connect();
  }
})();
