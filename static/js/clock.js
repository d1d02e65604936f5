/* The round timer as phones, station displays and the wall show it.
 *
 * The server owns the timer. Each `rotation_updated` says how many seconds are left at the
 * moment it was sent; counting down from when it arrived makes a phone whose clock is off
 * by minutes show the same time as everyone else. When the countdown reaches zero the page
 * asks the server again (`get_rotation`), in case it missed the change.
 */
(function () {
  "use strict";

  var PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"];

  function Countdown(onTick, onZero) {
    this.state = null;
    this.deadline = 0;
    this.onTick = onTick;
    this.onZero = onZero;
    this.timer = null;
    this.asked = false;
  }

  Countdown.prototype.update = function (state) {
    this.state = state;
    this.deadline = Date.now() + (state.remaining || 0) * 1000;
    this.asked = false;
    var self = this;
    if (this.timer) window.clearInterval(this.timer);
    this.timer = state.state === "running" ? window.setInterval(function () { self.tick(); }, 1000) : null;
    this.tick();
  };

  Countdown.prototype.left = function () {
    if (!this.state) return 0;
    if (this.state.state !== "running") return this.state.remaining || 0;
    return Math.max(0, (this.deadline - Date.now()) / 1000);
  };

  Countdown.prototype.tick = function () {
    this.onTick(this.left());
    if (this.state && this.state.state === "running" && this.left() <= 0 && !this.asked) {
      this.asked = true;
      var self = this;
      // A moment later than the server's own tick, spread over the room.
      window.setTimeout(function () { self.onZero(); }, 1500 + Math.random() * 1500);
    }
  };

  function format(seconds) {
    var s = Math.ceil(seconds);
    var m = Math.floor(s / 60);
    s = s % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function groupColour(name) {
    var i = name ? name.charCodeAt(0) - 65 : 0;
    return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
  }

  // A short, soft chime and a buzz at the end of a round. Browsers allow both only after the
  // page was touched, and a page opened by scanning the next station's QR code never was: one
  // tap on "Signal an" asks for them for the whole walk (kept per workshop), and each later page
  // gets them back with its first touch. Until then the round end is shown large instead.
  var audio = null;
  function unlockSound() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }
  document.addEventListener("pointerdown", unlockSound, { once: true });
  document.addEventListener("keydown", unlockSound, { once: true });

  function signalKey(workshop) { return "gallery.signal." + workshop; }

  function signalsWanted(workshop) {
    try { return window.localStorage.getItem(signalKey(workshop)) === "on"; } catch (e) { return false; }
  }

  // Whether a signal would reach the person now: wanted, and the page touched since it loaded.
  function signalsReach(workshop) {
    var touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
    return signalsWanted(workshop) && touched;
  }

  function wantSignals(workshop, on) {
    try {
      if (on) window.localStorage.setItem(signalKey(workshop), "on");
      else window.localStorage.removeItem(signalKey(workshop));
    } catch (e) { /* private mode: this page only */ }
    if (on) { unlockSound(); signal(); } // this tap allows them: a sample says it works
  }

  // A toggle button ("Signal an"): aria-pressed says whether the signals are on.
  function signalButton(button, workshop) {
    function draw() { button.setAttribute("aria-pressed", String(signalsWanted(workshop))); }
    button.addEventListener("click", function () {
      wantSignals(workshop, !signalsWanted(workshop));
      draw();
    });
    draw();
  }

  function signal() {
    if (navigator.vibrate) { try { navigator.vibrate([180, 120, 180]); } catch (e) { /* ignore */ } }
    if (!audio) return;
    try {
      if (audio.state === "suspended") audio.resume();
      var t = audio.currentTime;
      [660, 880].forEach(function (freq, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t + i * 0.25);
        gain.gain.exponentialRampToValueAtTime(0.15, t + i * 0.25 + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.25 + 0.4);
        osc.connect(gain).connect(audio.destination);
        osc.start(t + i * 0.25);
        osc.stop(t + i * 0.25 + 0.45);
      });
    } catch (e) { /* no sound then */ }
  }

  window.GalleryClock = {
    Countdown: Countdown, format: format, groupColour: groupColour, signal: signal,
    signalsWanted: signalsWanted, signalsReach: signalsReach, signalButton: signalButton
  };
})();
