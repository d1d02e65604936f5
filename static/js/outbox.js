/* The phone's outbox: a note is kept in localStorage until the server confirms it; and the
 * note form that fills it, with the list of notes still on their way.
 *
 * Each note gets a client_id made here, so sending it again (after a timeout, a reload,
 * a reconnect) can never store it twice: the server answers a resend with the stored note.
 * Transport: the Socket.IO connection when it is up, plain HTTP POST otherwise.
 *
 * The station page carries this file inline, after its form (gallery/web/headers.py allows it by
 * its hash): a note can be written, kept and sent as soon as the page's HTML has arrived.
 * station.js comes later and builds on the same outbox (GalleryOutbox.page): it gives it the
 * socket, says whether the page is connected, and draws saved notes into the list.
 */
(function () {
  "use strict";

  function newClientId() {
    // crypto.randomUUID needs https; getRandomValues works on a venue's plain-http LAN.
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false; // private mode or full: the note still goes out from memory
    }
  }

  // This phone's device id, kept for good: a phone whose connection brings no cookie keeps
  // its participant (its dots, its +1s) by it (gallery/identity.py).
  function deviceId() {
    var id = load("gallery.device", null);
    if (typeof id !== "string" || !/^[0-9a-f]{32}$/.test(id)) {
      id = newClientId();
      save("gallery.device", id);
    }
    return id;
  }

  function Outbox(station, options) {
    this.station = station;
    this.key = "gallery.outbox." + station;
    this.mineKey = "gallery.mine." + station;
    this.socket = null;
    this.apiUrl = options.apiUrl;
    this.onChange = options.onChange || function () {};
    // Saved before anyone draws them (station.js not loaded yet): they wait for whenSaved().
    this.unseen = [];
    this.onSaved = options.onSaved || function (note) { this.unseen.push(note); };
    this.items = load(this.key, []);
    this.mine = load(this.mineKey, []);
    this.inFlight = {};
    this.saved = {}; // client_ids confirmed while this page is open
    // Told whether the server answered over HTTP (true) or could not be reached (false).
    this.onContact = options.onContact || function () {};
    this.retryDelay = 2000;
    this.retryTimer = null;
  }

  Outbox.prototype.persist = function () {
    save(this.key, this.items);
    this.onChange(this.items);
  };

  Outbox.prototype.whenSaved = function (draw) {
    this.onSaved = draw;
    this.unseen.splice(0).forEach(draw);
  };

  Outbox.prototype.isMine = function (clientId) {
    return this.mine.indexOf(clientId) !== -1;
  };

  Outbox.prototype.add = function (text, author) {
    var item = {
      client_id: newClientId(),
      station: this.station,
      text: text,
      author: author || null,
      state: "sending",
      error: null,
      created: Date.now()
    };
    this.items.push(item);
    this.persist();
    this.flush();
    return item;
  };

  Outbox.prototype.remove = function (clientId) {
    this.items = this.items.filter(function (i) { return i.client_id !== clientId; });
    this.persist();
  };

  Outbox.prototype.confirmed = function (note) {
    // Called for our own acks and for notes_posted broadcasts alike; idempotent.
    var known = this.items.some(function (i) { return i.client_id === note.client_id; });
    if (known && !this.isMine(note.client_id)) {
      this.mine.push(note.client_id);
      this.mine = this.mine.slice(-200);
      save(this.mineKey, this.mine);
    }
    if (known) {
      this.saved[note.client_id] = true;
      this.remove(note.client_id);
      this.onSaved(note);
    }
    this.retryDelay = 2000;
  };

  Outbox.prototype.failed = function (item, error) {
    item.state = "failed";
    item.error = (error && error.message) || String(error);
    item.code = error && error.code;
    this.persist();
  };

  Outbox.prototype.scheduleRetry = function () {
    var self = this;
    if (this.retryTimer) return;
    this.retryTimer = window.setTimeout(function () {
      self.retryTimer = null;
      self.flush();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
  };

  Outbox.prototype.waiting = function () {
    return this.items.filter(function (i) { return i.state === "sending"; });
  };

  Outbox.prototype.flush = function () {
    var self = this;
    this.waiting().forEach(function (item) {
      if (self.inFlight[item.client_id]) return;
      self.inFlight[item.client_id] = true;
      self.send(item).then(function (reply) {
        delete self.inFlight[item.client_id];
        if (reply && reply.ok) {
          self.confirmed(reply.note);
        } else if (reply && reply.error && reply.error.retry_after) {
          // Too fast for the limits (a long outbox after a dead spot), or the server cannot
          // store for a moment (a full disk, a held lock): later, never dropped.
          self.retryDelay = Math.max(self.retryDelay, (reply.error.retry_after || 2) * 1000);
          self.scheduleRetry();
          self.onChange(self.items);
        } else if (reply && reply.error) {
          self.failed(item, reply.error); // the server refused it: retrying will not help
        } else {
          self.scheduleRetry();
          self.onChange(self.items);
        }
      }, function () {
        delete self.inFlight[item.client_id];
        self.onChange(self.items);
        self.scheduleRetry();
      });
    });
  };

  Outbox.prototype.send = function (item) {
    var payload = { station: item.station, text: item.text, client_id: item.client_id,
                    device: Outbox.device };
    if (item.author) payload.author = item.author;
    var socket = this.socket;
    var self = this;
    if (socket && socket.connected) {
      return new Promise(function (resolve, reject) {
        socket.timeout(10000).emit("post_note", payload, function (err, reply) {
          if (err) reject(err); else resolve(reply);
        });
      });
    }
    return window.fetch(this.apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(payload)
    }).then(function (response) {
      self.onContact(true);
      if (response.status >= 500 || response.status === 429) throw new Error("retry");
      return response.json();
    }, function (err) {
      self.onContact(false);
      throw err;
    });
  };

  // Small helpers station.js uses too.
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text; // never innerHTML
    return node;
  }

  function storage(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) { /* private mode: nothing kept */ }
    return null;
  }

  Outbox.newClientId = newClientId;
  Outbox.el = el;
  Outbox.storage = storage;
  Outbox.device = deviceId();
  window.GalleryOutbox = Outbox;

  // --- this page: the note form and the notes on their way ---------------------------------

  var root = document.getElementById("station");
  if (!root) return;
  var msg = root.dataset;
  var form = document.getElementById("note-form");
  var textarea = document.getElementById("note-text");
  var authorInput = document.getElementById("note-author");
  var counter = document.getElementById("note-counter");
  var submit = document.getElementById("note-submit");
  // The state of the note just sent, under the send button where the thumb is (role=status).
  var sendState = document.getElementById("note-state");
  var outboxList = document.getElementById("outbox");
  var outboxSection = document.getElementById("outbox-section");
  var maxLength = form ? parseInt(form.dataset.max, 10) || 500 : 500;
  var authorKey = "gallery.author";
  var draftKey = "gallery.draft." + msg.station;
  var current = null; // client_id of the note last sent from this form
  var lockUntil = 0;

  var outbox = new Outbox(msg.station, {
    apiUrl: "/api/v1/stations/" + encodeURIComponent(msg.station) + "/notes",
    onChange: renderOutbox
  });
  // Whether waiting notes are on their way: over HTTP unless offline, until station.js knows
  // more (the socket, or a Socket.IO client that failed to load).
  outbox.sending = function () { return navigator.onLine !== false; };
  Outbox.page = outbox;

  // Characters as the server counts them (code points: an emoji is one, not two).
  function length(text) { return Array.from(text).length; }

  function stateText(item, sending) {
    if (item.state === "failed") return { cls: "failed", text: "✗ " + msg.msgFailed + ": " + item.error };
    return sending ? { cls: "sending", text: msg.msgSending } : { cls: "waiting", text: msg.msgWaiting };
  }

  function showSendState(cls, text) {
    if (!sendState) return;
    sendState.className = "send-state send-state--" + cls;
    if (sendState.textContent !== text) sendState.textContent = text;
  }

  function renderSendState(items, sending) {
    if (!current) return;
    var item = items.filter(function (i) { return i.client_id === current; })[0];
    if (item) {
      var s = stateText(item, sending);
      showSendState(s.cls, s.text);
    } else if (outbox.saved[current]) {
      showSendState("saved", "✓ " + msg.msgSaved);
    }
    // Locked while the note is on its way, so a second tap neither sends twice nor meets the
    // browser's "fill out this field" on the emptied box; a dead network unlocks it soon.
    // At least a second, as the fastest ack comes before a double tap's second tap.
    var now = Date.now();
    if (submit) submit.disabled = now < lockUntil - 2000 || Boolean(item && outbox.inFlight[current] && now < lockUntil);
  }

  function renderOutbox(items) {
    var sending = outbox.sending();
    renderSendState(items, sending);
    if (!outboxList) return; // the results page has no outbox
    outboxList.replaceChildren();
    items.forEach(function (item) {
      var li = el("li", "note note--pending note--" + item.state);
      li.appendChild(el("p", "note__text", item.text));
      var s = stateText(item, sending);
      // The icon is drawn by CSS: an emoji (⏳) shows as an empty box where no emoji font is.
      var state = el("p", "note__state note__state--" + s.cls, s.text);
      li.appendChild(state);
      if (item.state === "failed") {
        var remove = el("button", "button button--small", msg.msgRemove);
        remove.type = "button";
        remove.addEventListener("click", function () {
          if (textarea && !textarea.value) textarea.value = item.text; // give the text back
          outbox.remove(item.client_id);
        });
        li.appendChild(remove);
      }
      outboxList.appendChild(li);
    });
    outboxSection.hidden = items.length === 0;
  }

  function updateCounter() {
    var left = maxLength - length(textarea.value);
    counter.textContent = left >= 0 ? msg.msgLeft.replace("{n}", left) : msg.msgOver.replace("{n}", -left);
    counter.classList.toggle("warn", left < 50);
  }

  function clearError() {
    var old = document.getElementById("note-error");
    if (old) old.remove();
    textarea.removeAttribute("aria-invalid");
  }

  function showError(text) {
    clearError();
    var p = el("p", "error", text);
    p.id = "note-error";
    p.setAttribute("role", "alert");
    counter.parentNode.insertAdjacentElement("afterend", p);
    textarea.setAttribute("aria-invalid", "true");
  }

  var sentAt = 0; // when the last note left the box
  if (form) {
    form.noValidate = true; // our own messages, never the browser's bubble
    if (authorInput) authorInput.value = authorInput.value || storage(authorKey) || "";
    if (!textarea.value) textarea.value = storage(draftKey) || ""; // kept across a reload
    textarea.addEventListener("input", function (event) {
      var over = length(textarea.value) > maxLength;
      clearError(); // a stale error goes as soon as the text changes
      // A paste that goes over the limit is kept whole and said so at once (never cut).
      if (over && event.inputType === "insertFromPaste") showError(msg.msgTooLong.replace("{n}", length(textarea.value)));
      updateCounter();
      storage(draftKey, textarea.value || null);
    });
    updateCounter();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submit && submit.disabled) return;
      var text = textarea.value.trim();
      // A late tap of a double tap finds the box just emptied: the note is on its way, so
      // say nothing (an error beside "saved" reads as if the note were lost).
      if (!text && Date.now() - sentAt < 5000) return;
      var error = null;
      if (!text) error = msg.msgEmpty;
      else if (length(text) > maxLength) error = msg.msgTooLong.replace("{n}", length(text));
      if (error) {
        showError(error);
        textarea.focus();
        return;
      }
      clearError();
      var author = authorInput ? authorInput.value.trim() : "";
      storage(authorKey, author);
      lockUntil = Date.now() + 3000;
      sentAt = Date.now();
      [1000, 3000].forEach(function (ms) { window.setTimeout(function () { outbox.onChange(outbox.items); }, ms); });
      current = outbox.add(text, author).client_id;
      textarea.value = "";
      storage(draftKey, null);
      updateCounter();
      renderOutbox(outbox.items);
    });
  }

  renderOutbox(outbox.items);
  outbox.flush(); // notes left from an earlier visit or reload go out now
})();
