/* Text that looks right on every screen: hyphens for long German words, and emoji redrawn once
 * the bundled emoji font has arrived.
 *
 * Hyphens for long German words where the browser has no hyphenation dictionary of its own
 * (desktop Chromium on Linux and Windows; Android, iOS, macOS and Firefox have one and use
 * `hyphens: auto` with the page's lang). Without either, a word wider than its box breaks
 * mid-word with no hyphen ("Dorfgemeinschaftshäuse|rn").
 *
 * Only words that cannot fit their box get soft hyphens (U+00AD), so the text of everything
 * else stays as written. The rule is the German school rule: between two vowels, the last
 * consonant goes to the next line, and ch, ck, sch, ph, th and qu stay together; at least two
 * letters stay before a break and three after. Where consonants pile up at a compound's joint
 * the next word's opening (pl, tr, str, schl…) goes on whole: "Ausbildungs-plätze", not
 * "Ausbildungsp-lätze". It still misses some joints (ban-daus-bau), which reads better than no
 * hyphen at all. */
(function () {
  "use strict";

  var VOWELS = "aeiouyäöüéèà";
  var UNITS = ["sch", "ch", "ck", "ph", "th", "qu"];
  // How German syllables may open with several consonants (longest first).
  var ONSETS = ["schl", "schr", "schm", "schn", "schw", "spr", "str", "pfl", "pfr",
                "bl", "br", "pl", "pr", "fl", "fr", "gl", "gr", "kl", "kr", "dr", "tr"];
  var MIN_WORD = 10; // shorter words always fit a phone's line
  var LONG_WORD = 14; // shorter words fit a wall's card (8.5 em wide) at any of its sizes
  var SHY = "\u00ad";
  var WORD = /[A-Za-zÄÖÜäöüßéèà]+/g;

  function isVowel(ch) { return VOWELS.indexOf(ch.toLowerCase()) !== -1; }

  // The word with soft hyphens at its syllable breaks.
  function syllables(word) {
    var breaks = [];
    var i = 0;
    while (i < word.length && !isVowel(word[i])) i++;
    while (i < word.length) {
      while (i < word.length && isVowel(word[i])) i++; // a vowel group (au, ei, ie stay whole)
      var start = i;
      while (i < word.length && !isVowel(word[i])) i++; // the consonants after it
      if (i >= word.length) break; // the word ends: no syllable follows
      var at = i - 1; // the last consonant, or the last unit, moves on
      var lower = word.slice(start, i).toLowerCase();
      var onset = opening(lower, word[start - 1].toLowerCase());
      if (onset) at = i - onset.length;
      else UNITS.some(function (unit) {
        if (lower.slice(-unit.length) === unit) { at = i - unit.length; return true; }
        return false;
      });
      if (at >= 2 && word.length - at >= 3) breaks.push(at);
    }
    var out = "";
    var last = 0;
    breaks.forEach(function (at) { out += word.slice(last, at) + SHY; last = at; });
    return out + word.slice(last);
  }

  // The opening of the next syllable at a compound's joint, if the consonants between two
  // vowels end in one: behind another consonant ("Ausbildungs|plätze", "Fach|kräfte",
  // "an|schluss"), but not where that consonant ends the word before ("Dorf|laden",
  // "Lang|lauf", "Deutsch|land": "tsch" is one sound); with nothing before it, "str" and "spr"
  // ("Gewerbe|straße") and a pair after an "e" ("be|trieb"; "Ab|rechnung", "Flei|sch" stay).
  function opening(cluster, vowelBefore) {
    var found = null;
    ONSETS.some(function (onset) {
      if (cluster.slice(-onset.length) !== onset) return false;
      var last = cluster.slice(-onset.length - 1, -onset.length);
      var sch = onset.slice(0, 3) === "sch";
      if (!last) found = onset.length === 3 || (onset.length === 2 && vowelBefore === "e") ? onset : null;
      else if (!(sch && last === "t") && !(last === "n" && onset[0] === "g") &&
               !(last === "r" && onset[0] === "f")) found = onset;
      return true;
    });
    return found;
  }

  function browserHyphenates() {
    var probe = document.createElement("div");
    probe.lang = "de";
    probe.textContent = "Dorfgemeinschaftshäusern";
    probe.style.cssText = "position:absolute;visibility:hidden;width:5em;hyphens:auto;-webkit-hyphens:auto";
    document.body.appendChild(probe);
    var fits = probe.scrollWidth <= probe.clientWidth + 1;
    probe.remove();
    return fits;
  }

  var needed = null;
  function lacksDictionary() {
    if (needed === null) needed = !browserHyphenates();
    return needed;
  }
  var canvas = null;

  // Soft hyphens into the words of `node`'s text that are wider than `node` itself.
  function hyphenate(node) {
    if (!lacksDictionary() || !node || !node.firstChild) return;
    var width = node.clientWidth;
    if (!width) return;
    canvas = canvas || document.createElement("canvas").getContext("2d");
    var style = window.getComputedStyle(node);
    canvas.font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
    Array.prototype.forEach.call(node.childNodes, function (child) {
      if (child.nodeType !== 3) return; // text only: markup is the page's own
      var text = child.nodeValue;
      var changed = text.replace(WORD, function (word) {
        if (word.length < MIN_WORD || canvas.measureText(word).width <= width) return word;
        return syllables(word);
      });
      if (changed !== text) child.nodeValue = changed;
    });
  }

  // `text` with soft hyphens in every long word, as a browser with a dictionary would break
  // them (only at a line's end), measured against nothing: the wall sets hundreds of cards
  // whose widths are known only after a layout it cannot afford per card.
  function hyphenText(text) {
    if (!lacksDictionary()) return text;
    return text.replace(WORD, function (word) {
      return word.length < LONG_WORD ? word : syllables(word);
    });
  }

  // Chromium keeps the empty boxes it drew for emoji while "Gallery Emoji" (the last font in
  // the stack, fetched only for an emoji: static/css/gallery.css) was on its way, even after it
  // arrived. A class that changes the font description (letter-spacing by 0.001px) makes it
  // shape the text again.
  if (document.fonts && document.fonts.addEventListener) {
    document.fonts.addEventListener("loadingdone", function (event) {
      var emoji = event.fontfaces.some(function (face) { return face.family.indexOf("Gallery Emoji") !== -1; });
      if (emoji) document.documentElement.classList.add("emoji-font");
    });
  }

  window.GalleryHyphenate = { hyphenate: hyphenate, hyphenText: hyphenText, syllables: syllables };
})();
