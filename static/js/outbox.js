/* The phone's outbox: a note is kept in localStorage until the server confirms it.
 *
 * Each note gets a client_id made here, so sending it again (after a timeout, a reload,
 * a reconnect) can never store it twice: the server answers a resend with the stored note.
 * Transport: the Socket.IO connection when it is up, plain HTTP POST otherwise.
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

  function Outbox(station, options) {
    this.station = station;
    this.key = "gallery.outbox." + station;
    this.mineKey = "gallery.mine." + station;
    this.socket = null;
    this.apiUrl = options.apiUrl;
    this.onChange = options.onChange || function () {};
    this.onSaved = options.onSaved || function () {};
    this.items = load(this.key, []);
    this.mine = load(this.mineKey, []);
    this.inFlight = {};
    this.retryDelay = 2000;
    this.retryTimer = null;
  }

  Outbox.prototype.persist = function () {
    save(this.key, this.items);
    this.onChange(this.items);
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
    // Called for our own acks and for note_posted broadcasts alike; idempotent.
    var known = this.items.some(function (i) { return i.client_id === note.client_id; });
    if (known && !this.isMine(note.client_id)) {
      this.mine.push(note.client_id);
      this.mine = this.mine.slice(-200);
      save(this.mineKey, this.mine);
    }
    if (known) {
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
        } else if (reply && reply.error && reply.error.code === "rate_limited") {
          // Too fast for the limits (a long outbox after a dead spot): later, never dropped.
          self.retryDelay = Math.max(self.retryDelay, (reply.error.retry_after || 2) * 1000);
          self.scheduleRetry();
        } else if (reply && reply.error) {
          self.failed(item, reply.error); // the server refused it: retrying will not help
        } else {
          self.scheduleRetry();
        }
      }, function () {
        delete self.inFlight[item.client_id];
        self.onChange(self.items);
        self.scheduleRetry();
      });
    });
  };

  Outbox.prototype.send = function (item) {
    var payload = { station: item.station, text: item.text, client_id: item.client_id };
    if (item.author) payload.author = item.author;
    var socket = this.socket;
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
      if (response.status >= 500 || response.status === 429) throw new Error("retry");
      return response.json();
    });
  };

  Outbox.newClientId = newClientId;
  window.GalleryOutbox = Outbox;
})();
