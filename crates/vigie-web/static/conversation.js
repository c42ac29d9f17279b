// One case on the officer's screen: the thread with the witness, internal notes (never sent to
// the witness), and the structured report, saved in versions. Comfort (issue 6): canned replies
// in the witness's language, keyboard shortcuts, "the witness is typing" and "seen" marks.
"use strict";
(function () {
  var S = JSON.parse(document.getElementById("i18n").textContent);
  var csrf = document.getElementById("csrf").dataset.token;
  var lang = document.documentElement.lang;
  var id = document.getElementById("case").dataset.conversation;
  var base = "/api/v1/staff/conversations/" + id;
  function $(x) { return document.getElementById(x); }
  var lastSeq = 0;
  var seen = new Set();
  var version = 0;
  var attempts = 0;
  var ws = null;
  var done = false;
  var draftId = null;
  var draftBody = null;

  function call(method, path, body) {
    var opts = { method: method, headers: { "Accept-Language": lang, "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    }).catch(function () { return { ok: false, status: 0, data: { error: { code: "unavailable", message: S["error-unavailable"] } } }; });
  }

  function message(data) {
    return data && data.error ? data.error.message : S["error-internal"];
  }

  function show(el, text) { el.textContent = text || ""; el.hidden = !text; }

  function newClientId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "o-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function renderEvent(e) {
    if (seen.has(e.seq)) return;
    seen.add(e.seq);
    if (e.seq > lastSeq) lastSeq = e.seq;
    var li = document.createElement("li");
    var text;
    if (e.kind === "message") text = e.body;
    else if (e.kind === "officer_joined") text = S["event-officer-joined"];
    else text = S[e.author === "witness" ? "event-closed-witness" : "event-closed-system"];
    li.className = "msg msg-" + (e.kind === "message" ? e.author : "system");
    li.dataset.seq = String(e.seq);
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = "#" + e.seq + " · " + S["staff-author-" + (e.kind === "message" ? e.author : "system")];
    li.appendChild(who);
    if (e.photo) {
      li.appendChild(photo(e));
    } else {
      var p = document.createElement("p");
      p.className = "body";
      // A photo event whose image the retention purge deleted has neither body nor photo.
      p.textContent = e.kind === "message" && e.body == null ? S["staff-photo-gone"] : text;
      li.appendChild(p);
    }
    $("thread").appendChild(li);
    if (e.kind === "message" && e.author === "witness") typingShown(false);
    markSeen();
    announceSeen();
  }

  // A witness photo, fetched through the audited route; its size is known beforehand, so the
  // thread does not jump when it loads.
  function photo(e) {
    var at = new Date(e.at);
    var hh = ("0" + at.getHours()).slice(-2);
    var mm = ("0" + at.getMinutes()).slice(-2);
    var img = document.createElement("img");
    img.className = "photo";
    img.src = "/staff/photos/" + encodeURIComponent(e.photo.id);
    img.width = e.photo.width;
    img.height = e.photo.height;
    img.alt = S["staff-photo-alt"].replace("{time}", lang === "fr" ? hh + " h " + mm : hh + ":" + mm);
    img.decoding = "async";
    var link = document.createElement("a");
    link.href = img.src;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.appendChild(img);
    return link;
  }

  function renderNotes(notes) {
    var list = $("notes");
    list.textContent = "";
    if (!notes.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = S["notes-empty"];
      list.appendChild(empty);
    }
    notes.forEach(function (n) {
      var li = document.createElement("li");
      li.className = "note";
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = n.author + " · " + new Date(n.at).toLocaleTimeString(lang);
      var p = document.createElement("p");
      p.textContent = n.body;
      li.appendChild(who);
      li.appendChild(p);
      list.appendChild(li);
    });
  }

  var form = $("report-form");
  function field(name) { return form.querySelector("[name='" + name + "']"); }

  function fillReport(report) {
    version = report.version;
    $("report-version").textContent = S["report-version"].replace("{version}", String(version));
    var f = report.fields;
    ["activity", "activity_other", "place", "position", "hours_from", "hours_to", "frequency", "descriptions", "products_other", "weapons_details"].forEach(function (k) {
      field(k).value = f[k] == null ? "" : f[k];
    });
    field("people_count").value = f.people_count == null ? "" : String(f.people_count);
    $("f-commune").value = f.commune || "";
    $("f-commune-search").value = f.commune ? (report.commune_name || "") + " (" + f.commune + ")" : "";
    ["days", "roles", "products"].forEach(function (k) {
      form.querySelectorAll("input[name='" + k + "']").forEach(function (box) { box.checked = (f[k] || []).indexOf(box.value) >= 0; });
    });
    $("f-weapons").checked = !!f.weapons;
    form.querySelectorAll("input[name='knowledge']").forEach(function (r) { r.checked = r.value === f.knowledge; });
    form.querySelectorAll("[data-vehicle]").forEach(function (input) {
      var v = (f.vehicles || [])[Number(input.dataset.vehicle) - 1];
      input.value = v && v[input.dataset.part] ? v[input.dataset.part] : "";
    });
    if (report.state !== "in_chat") lock(report);
  }

  function lock(report) {
    done = true;
    form.querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = true; });
    ["officer-send", "note-form", "close-form", "block-form"].forEach(function (f) {
      $(f).querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = true; });
    });
    $("qualify").disabled = true;
    var text = report.state === "qualified" && report.departement
      ? S["qualified-done"].replace("{departement}", report.departement)
      : S["case-closed"].replace("{state}", S["state-" + report.state] || report.state);
    show($("case-status"), text);
  }

  function collect() {
    var checked = function (name) {
      return Array.prototype.map.call(form.querySelectorAll("input[name='" + name + "']:checked"), function (b) { return b.value; });
    };
    var vehicles = [];
    form.querySelectorAll("[data-vehicle]").forEach(function (input) {
      var i = Number(input.dataset.vehicle) - 1;
      vehicles[i] = vehicles[i] || { make: "", colour: "", plate: "" };
      vehicles[i][input.dataset.part] = input.value;
    });
    var knowledge = form.querySelector("input[name='knowledge']:checked");
    return {
      activity: field("activity").value,
      activity_other: field("activity_other").value,
      commune: $("f-commune").value,
      place: field("place").value,
      position: field("position").value,
      days: checked("days"),
      hours_from: field("hours_from").value,
      hours_to: field("hours_to").value,
      frequency: field("frequency").value,
      people_count: field("people_count").value,
      roles: checked("roles"),
      descriptions: field("descriptions").value,
      vehicles: vehicles.filter(function (v) { return v.make || v.colour || v.plate; }),
      products: checked("products"),
      products_other: field("products_other").value,
      weapons: $("f-weapons").checked,
      weapons_details: field("weapons_details").value,
      knowledge: knowledge ? knowledge.value : "",
    };
  }

  function clearFieldErrors() {
    form.querySelectorAll(".field-error").forEach(function (p) { show(p, ""); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showFieldErrors(data) {
    var fields = data && data.error && data.error.fields ? data.error.fields : {};
    var first = null;
    Object.keys(fields).forEach(function (name) {
      var p = $("e-" + name);
      if (p) show(p, fields[name].message);
      var input = name === "commune" ? $("f-commune-search") : $("f-" + name) || form.querySelector("[name='" + name + "']");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        if (!first) first = input;
      }
    });
    show($("report-error"), message(data));
    if (first) first.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearFieldErrors();
    show($("report-error"), "");
    call("PUT", base + "/report", { version: version, fields: collect() }).then(function (r) {
      if (r.status === 409) {
        // Someone saved in the meantime: show their version, and say so.
        return reload().then(function () { show($("report-error"), message(r.data)); });
      }
      if (!r.ok) return showFieldErrors(r.data);
      fillReport(r.data.report);
      $("report-status").textContent = S["report-saved"].replace("{version}", String(r.data.report.version));
    });
  });

  $("qualify").addEventListener("click", function () {
    clearFieldErrors();
    call("POST", base + "/qualify", {}).then(function (r) {
      if (!r.ok) return showFieldErrors(r.data);
      fillReport(r.data.report);
    });
  });

  $("close-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", base + "/close", { outcome: $("close-outcome").value, reason: $("close-reason").value }).then(function (r) {
      if (!r.ok) return show($("close-error"), message(r.data));
      show($("close-error"), "");
      fillReport(r.data.report);
    });
  });

  // Blocking an abusive conversation: the witness can no longer write; the report is then closed
  // (as rejected) with the form above.
  function markBlocked(conversation) {
    if (!conversation || !conversation.blocked) return;
    $("block-done").hidden = false;
    $("block-form").querySelectorAll("textarea, button").forEach(function (el) { el.disabled = true; });
  }

  $("block-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", base + "/block", { reason: $("block-reason").value }).then(function (r) {
      if (!r.ok) return show($("block-error"), message(r.data));
      show($("block-error"), "");
      markBlocked(r.data.conversation);
      $("close-outcome").value = "rejected";
    });
  });

  // Commune picker: suggestions by name or postcode; the INSEE code goes in the hidden field.
  var search = $("f-commune-search");
  var timer = null;
  var options = {};
  search.addEventListener("input", function () {
    var value = search.value;
    if (options[value]) {
      $("f-commune").value = options[value];
      return;
    }
    var m = /\(([0-9AB]{5})\)\s*$/.exec(value);
    $("f-commune").value = m ? m[1] : "";
    clearTimeout(timer);
    if (value.trim().length < 2) return;
    timer = setTimeout(function () {
      fetch("/api/v1/staff/communes?q=" + encodeURIComponent(value.trim()), { credentials: "same-origin", headers: { "Accept-Language": lang } })
        .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
        .then(function (data) {
          var list = $("commune-options");
          list.textContent = "";
          options = {};
          data.communes.forEach(function (c) {
            var label = c.name + " — " + (c.postcodes[0] || c.departement) + " (" + c.insee + ")";
            options[label] = c.insee;
            var o = document.createElement("option");
            o.value = label;
            list.appendChild(o);
          });
        });
    }, 150);
  });

  $("officer-send").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("officer-message");
    var body = box.value.trim();
    if (!body) return show($("officer-send-error"), S["error-text-empty"]);
    // One id per drafted message: a retry after a lost answer is recognised, not duplicated.
    if (!draftId || draftBody !== body) {
      draftId = newClientId();
      draftBody = body;
    }
    call("POST", base + "/messages", { client_id: draftId, body: body }).then(function (r) {
      if (r.status === 0 || r.status >= 500) return show($("officer-send-error"), message(r.data));
      draftId = null;
      if (!r.ok) return show($("officer-send-error"), message(r.data));
      show($("officer-send-error"), "");
      box.value = "";
      box.focus();
    });
  });
  $("officer-message").addEventListener("keydown", function (event) {
    // Enter sends, and so does Ctrl+Enter (Cmd+Enter on a Mac); Shift+Enter starts a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      $("officer-send").requestSubmit();
    }
  });
  $("officer-message").addEventListener("input", typingNow);

  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("note");
    call("POST", base + "/notes", { body: box.value }).then(function (r) {
      if (!r.ok) return show($("note-error"), message(r.data));
      show($("note-error"), "");
      box.value = "";
    });
  });

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/api/v1/staff/ws");
    ws.onopen = function () {
      attempts = 0;
      $("live-status").textContent = S["live-status-connected"];
      ws.send(JSON.stringify({ type: "watch", conversation_id: id, after: lastSeq }));
      // A fresh socket: say again how far this page has read.
      sentSeen = 0;
      announceSeen();
    };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === "event" && msg.conversation_id === id) {
        renderEvent(msg.event);
        if (msg.event.kind === "closed" && !done) reload();
      } else if (msg.type === "case" && msg.conversation_id === id) {
        renderNotes(msg.notes);
      } else if (msg.type === "typing" && msg.conversation_id === id && msg.author === "witness") {
        typingShown(true);
      } else if (msg.type === "seen" && msg.conversation_id === id && msg.author === "witness") {
        witnessSeen = Math.max(witnessSeen, Number(msg.seq) || 0);
        markSeen();
      }
    };
    ws.onclose = function () {
      $("live-status").textContent = S["live-status-offline"];
      attempts += 1;
      setTimeout(connect, Math.min(10000, 300 * Math.pow(2, Math.min(attempts, 6))));
    };
  }

  function reload() {
    return call("GET", base).then(function (r) {
      if (!r.ok) return show($("case-status"), message(r.data));
      r.data.events.forEach(renderEvent);
      renderNotes(r.data.notes);
      markBlocked(r.data.conversation);
      if (r.data.report) fillReport(r.data.report);
      if (r.data.conversation && !cannedLoaded) loadCanned(r.data.conversation.locale);
    });
  }

  // --- "the witness is typing" and "seen" (ephemeral: nothing of it is stored) ------------------
  var TYPING_EVERY = 3500; // the server lets one through per 3 s
  var TYPING_SHOWN = 5000;
  var lastTyping = 0;
  var typingTimer = null;
  var witnessSeen = 0;
  var sentSeen = 0;
  var markedSeq = 0;

  function typingNow() {
    var now = Date.now();
    if (done || !ws || ws.readyState !== WebSocket.OPEN || now - lastTyping < TYPING_EVERY) return;
    lastTyping = now;
    ws.send(JSON.stringify({ type: "typing", conversation_id: id }));
  }

  function typingShown(on) {
    clearTimeout(typingTimer);
    $("typing").textContent = on ? S["comfort-witness-typing"] : "";
    if (on) typingTimer = setTimeout(function () { typingShown(false); }, TYPING_SHOWN);
  }

  // Tells the witness how far the officer has read, while this page is in view.
  function announceSeen() {
    if (!ws || ws.readyState !== WebSocket.OPEN || document.visibilityState !== "visible") return;
    if (lastSeq <= sentSeen) return;
    sentSeen = lastSeq;
    ws.send(JSON.stringify({ type: "seen", conversation_id: id, seq: lastSeq }));
  }
  document.addEventListener("visibilitychange", announceSeen);

  // "Seen" under the last officer message the witness has read.
  function markSeen() {
    var target = null;
    $("thread").querySelectorAll("li.msg-officer").forEach(function (li) {
      if (Number(li.dataset.seq) <= witnessSeen) target = li;
    });
    if (!target || Number(target.dataset.seq) === markedSeq) return;
    markedSeq = Number(target.dataset.seq);
    var old = $("thread").querySelector(".seen-mark");
    if (old) old.remove();
    var mark = document.createElement("p");
    mark.className = "seen-mark";
    mark.textContent = S["comfort-seen"];
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = " " + S["comfort-seen-by-witness"];
    mark.appendChild(who);
    target.appendChild(mark);
  }

  // --- canned replies, in the witness's language ----------------------------------------------
  var canned = [];
  var cannedLoaded = false;

  function loadCanned(locale) {
    cannedLoaded = true;
    call("GET", "/api/v1/staff/canned?locale=" + encodeURIComponent(locale || lang)).then(function (r) {
      if (!r.ok) { cannedLoaded = false; return show($("canned-empty"), S["comfort-canned-unavailable"]); }
      canned = r.data.replies || [];
      renderCanned();
    });
  }

  function renderCanned() {
    var list = $("canned-list");
    list.textContent = "";
    canned.forEach(function (c, i) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button button-small canned-item";
      b.textContent = c.title;
      if (i < 9) {
        b.setAttribute("aria-keyshortcuts", "Alt+" + (i + 1));
        var key = document.createElement("span");
        key.className = "canned-key";
        key.textContent = "Alt+" + (i + 1);
        b.appendChild(key);
      }
      b.addEventListener("click", function () { insertCanned(i); });
      li.appendChild(b);
      list.appendChild(li);
    });
    show($("canned-empty"), canned.length ? "" : S["comfort-canned-empty"]);
  }

  // Puts the reply's text where the cursor is in the message box (replacing a selection), and
  // leaves the officer there to read it over: nothing is sent.
  function insertCanned(i) {
    var c = canned[i];
    var box = $("officer-message");
    if (!c || box.disabled) return;
    var start = box.selectionStart == null ? box.value.length : box.selectionStart;
    var end = box.selectionEnd == null ? start : box.selectionEnd;
    box.setRangeText(c.body, start, end, "end");
    box.focus();
    $("canned-status").textContent = S["comfort-canned-inserted"] + " « " + c.title + " »";
    typingNow();
  }

  // --- keyboard shortcuts: Alt+R, Alt+L, Alt+1..9, Escape in the list (Ctrl+Enter: above) -----
  // Alt with a letter or digit only: never a key a screen reader uses (they use Insert, Caps
  // Lock or single letters in browse mode). Ctrl+Alt is AltGr on Windows keyboards: left alone.
  function cannedButtons() { return Array.prototype.slice.call($("canned-list").querySelectorAll("button")); }
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var digit = /^(Digit|Numpad)([1-9])$/.exec(event.code || "");
    // The key's letter, or its place (Option+R on a Mac types "®", its code is still KeyR).
    var is = function (l) { return (event.key || "").toLowerCase() === l || event.code === "Key" + l.toUpperCase(); };
    if (is("r")) {
      event.preventDefault();
      $("officer-message").focus();
    } else if (is("l")) {
      var first = cannedButtons()[0];
      if (first) { event.preventDefault(); first.focus(); }
    } else if (digit && canned[Number(digit[2]) - 1]) {
      event.preventDefault();
      insertCanned(Number(digit[2]) - 1);
    }
  });
  $("canned-list").addEventListener("keydown", function (event) {
    var buttons = cannedButtons();
    var at = buttons.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      $("officer-message").focus();
    } else if ((event.key === "ArrowDown" || event.key === "ArrowRight") && at >= 0) {
      event.preventDefault();
      buttons[(at + 1) % buttons.length].focus();
    } else if ((event.key === "ArrowUp" || event.key === "ArrowLeft") && at >= 0) {
      event.preventDefault();
      buttons[(at - 1 + buttons.length) % buttons.length].focus();
    }
  });

  reload().then(connect);
})();
