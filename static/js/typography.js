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
 * "Ausbildungsp-lätze". Two things no letter rule can see are looked up: a prefix (ver-, be-,
 * an-, aus-, unter-…) ends a syllable ("Ver-ständ-nis", "Ver-an-stal-tung", not "Vers-tänd-nis",
 * "Ve-rans-tal-tung"), and a compound whose next word is one a workshop often writes begins it
 * whole: "Schicht-arbeit", "Bildungs-angebot", "Sprech-stunde", "Innen-stadt" (the rule alone
 * gives "Schich-tarbeit", "Bildung-sangebot", "Sprechs-tunde", "Innens-tadt"). Joints the lists do
 * not know, and those inside a run of vowels (Energie|ausweis), still break by the rule alone. */
(function () {
  "use strict";

  var VOWELS = "aeiouyäöüéèà";
  var UNITS = ["sch", "ch", "ck", "ph", "th", "qu"];
  // How German syllables may open with several consonants (longest first).
  var ONSETS = ["schl", "schr", "schm", "schn", "schw", "spr", "str", "pfl", "pfr",
                "bl", "br", "pl", "pr", "fl", "fr", "gl", "gr", "kl", "kr", "dr", "tr"];
  // ...and what else may follow a prefix: "Ver-ständ-nis", "Ab-stim-mung", "Ver-zweif-lung".
  var AFTER_PREFIX = ONSETS.concat(["sch", "ch", "ph", "qu", "st", "sp", "zw", "pf", "kn"]);
  // Prefixes, longest first. One that starts with a consonant is found at any syllable's
  // start ("Kultur-ver-"), one that starts with a vowel at the word's start or at a joint
  // before a vowel ("ver-an-"). A prefix ends its syllable when what follows may open one
  // (AFTER_PREFIX), or, before a vowel, when another prefix or a known word begins there
  // ("her-aus", "ver-an"; not "Fa-vo-rit").
  var PREFIXES = ["unter", "über", "ver", "zer", "vor", "her", "dar", "bei", "aus", "auf",
                  "ein", "ent", "be", "ge", "ab", "an", "um", "un", "er", "in"];
  // Vowel-initial prefixes that follow another before a vowel whatever comes after them
  // ("Ver-eins-", "her-um"); "er" and "in" begin too many other syllables for that.
  var SECOND_PREFIXES = ["aus", "auf", "ein", "ab", "an", "um", "un"];
  // Words that often begin a compound's second part, where the rule would cut them: ones
  // opening with a vowel (the consonants before them stay behind: "Bildungs-angebot") and ones
  // opening with st, sp, fl, pl or pr (the rule leaves the s or f behind, "Sprechs-tunde", or
  // takes an s along, "Forschung-spro-jekt"). Cut short to cover their forms ("einricht").
  var HEADS = ["abend", "alltag", "amt", "anbindung", "angebot", "angriff", "anlage", "anschluss",
               "antrag", "anträg", "antwort", "anzeige", "arbeit", "arzt", "ärzt", "aufgabe",
               "aufnahme", "aufwand", "ausbau", "ausbild", "ausschuss", "ausstatt", "austausch",
               "ausweis", "einkauf", "einricht", "einsatz", "einzel", "eltern", "energie",
               "entwickl", "erfahrung", "ergebnis", "idee", "infra", "information", "initiativ",
               "integration", "internet", "öffentlich", "öffnung", "orient", "ort", "übergang",
               "umbau", "umfrage", "umgebung", "umsetzung", "umwelt", "unterlag", "unternehm",
               "unterricht", "unterstütz",
               "fläch", "platz", "plätz", "problem", "programm", "projekt", "prozess", "speicher",
               "spende", "spiel", "sport", "stadt", "städt", "stamm", "stand", "ständ", "start",
               "station", "statt", "stätt", "steig", "stein", "stell", "steuer", "stieg", "stimm",
               "stoff", "stück", "stufe", "stund"];
  // Heads that also end other words: what must not come before them ("ges|amt", "Tran|sport")
  // or must ("Veranstaltungs|ort", "Stand|ort"; not "Antw|ort", "Exp|ort", "Gemüses|orte").
  var NOT_AFTER = { amt: /ges$/, sport: /tran$/ };
  var ONLY_AFTER = { ort: /(ngs|nd|hn|tz)$/ };
  var HEADS_BY_LETTER = {};
  HEADS.forEach(function (head) { (HEADS_BY_LETTER[head[0]] = HEADS_BY_LETTER[head[0]] || []).push(head); });
  var MIN_WORD = 10; // shorter words always fit a phone's line
  var LONG_WORD = 14; // shorter words fit a wall's card (8.5 em wide) at any of its sizes
  var SHY = "\u00ad";
  var WORD = /[A-Za-zÄÖÜäöüßéèà]+/g;

  function isVowel(ch) { return VOWELS.indexOf(ch.toLowerCase()) !== -1; }
  function startsAt(lower, text, at) { return lower.startsWith(text, at); }

  // Whether a known compound part begins at `at` (lower case); one opening with a vowel only
  // behind a consonant (inside a run of vowels the rule cannot tell the joint).
  function headAt(lower, at) {
    var heads = HEADS_BY_LETTER[lower[at]];
    if (at < 2 || !heads || (isVowel(lower[at]) && isVowel(lower[at - 1]))) return false;
    return heads.some(function (head) {
      if (!startsAt(lower, head, at)) return false;
      if (NOT_AFTER[head] && NOT_AFTER[head].test(lower.slice(0, at))) return false;
      return !ONLY_AFTER[head] || ONLY_AFTER[head].test(lower.slice(0, at));
    });
  }

  // Where a prefix beginning at `at` ends its syllable (see PREFIXES), or -1.
  function prefixEnd(lower, at) {
    var end = -1;
    PREFIXES.some(function (prefix) {
      if (!startsAt(lower, prefix, at) || isVowel(prefix[0]) !== isVowel(lower[at])) return false;
      var next = at + prefix.length;
      var vowel = next;
      while (vowel < lower.length && !isVowel(lower[vowel])) vowel++;
      if (vowel >= lower.length) return false; // no syllable after it
      var opens = vowel > next
        ? vowel - next === 1 || AFTER_PREFIX.indexOf(lower.slice(next, vowel)) !== -1
        : prefixEnd(lower, next) !== -1 || headAt(lower, next) ||
          SECOND_PREFIXES.some(function (second) { return startsAt(lower, second, next); });
      if (opens) end = next;
      return opens;
    });
    return end;
  }

  // The word with soft hyphens at its syllable breaks.
  function syllables(word) {
    var lower = word.toLowerCase();
    var breaks = [];
    var forced = prefixEnd(lower, 0); // where a prefix has its syllable end
    var part = 0; // where the last word of the compound began: no one-letter syllable after it
    var i = 0;
    while (i < word.length && !isVowel(word[i])) i++;
    while (i < word.length) {
      while (i < word.length && isVowel(word[i])) i++; // a vowel group (au, ei, ie stay whole)
      var start = i;
      while (i < word.length && !isVowel(word[i])) i++; // the consonants after it
      if (i >= word.length) break; // the word ends: no syllable follows
      var at = headIn(lower, start, i);
      if (at !== -1) part = at;
      else at = forced >= start && forced <= i ? forced : rule(lower, start, i);
      if ((at === part || at - part >= 2) && at >= 2 && word.length - at >= 3) breaks.push(at);
      var next = prefixEnd(lower, at);
      if (next !== -1) forced = next;
    }
    var out = "";
    var last = 0;
    breaks.forEach(function (at) { out += word.slice(last, at) + SHY; last = at; });
    return out + word.slice(last);
  }

  // Where a known next word begins among (or right after) the consonants lower[start..end)
  // between two vowels, or -1.
  function headIn(lower, start, end) {
    for (var at = start; at <= end; at++) if (headAt(lower, at)) return at;
    return -1;
  }

  // Where the consonants lower[start..end) between two vowels divide by the rule: before the
  // next syllable's opening, else before the last consonant or unit.
  function rule(lower, start, end) {
    var cluster = lower.slice(start, end);
    var onset = opening(cluster, lower[start - 1]);
    if (onset) return end - onset.length;
    var unit = null;
    UNITS.some(function (u) { return cluster.slice(-u.length) === u && (unit = u); });
    return end - (unit ? unit.length : 1);
  }

  // The opening of the next syllable at a compound's joint, if the consonants between two
  // vowels end in one: behind another consonant ("Ausbildungs|plätze", "Fach|kräfte",
  // "an|schluss", "Nutzer|freundlich"), but not where that consonant ends the word before
  // ("Dorf|laden", "Lang|lauf", "Deutsch|land": "tsch" is one sound, "Wick|lung": "ck" is);
  // with nothing before it, "str" and "spr" ("Gewerbe|straße") and a pair after an "e"
  // ("be|trieb"; "Ab|rechnung", "Flei|sch" stay).
  function opening(cluster, vowelBefore) {
    var found = null;
    ONSETS.some(function (onset) {
      if (cluster.slice(-onset.length) !== onset) return false;
      var last = cluster.slice(-onset.length - 1, -onset.length);
      var sch = onset.slice(0, 3) === "sch";
      if (!last) found = onset.length === 3 || (onset.length === 2 && vowelBefore === "e") ? onset : null;
      else if (!(sch && last === "t") && !(last === "n" && onset[0] === "g") &&
               !(last === "r" && onset === "fl") && !(last === "c" && onset[0] === "k")) found = onset;
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
