// Repeats the verify page's check in the browser, from the public ledger API alone (RFC 9162 §2.1):
// recompute the post's leaf hash from its logged bytes, check the checkpoint's Ed25519 signature
// with the county key (where the browser can), and verify the inclusion proof against the signed root.
// No libraries; all words come from the page (#verify-text), translated on the server.
(function () {
  "use strict";
  var box = document.getElementById("browser-check");
  var words = document.getElementById("verify-text");
  if (!box || !words || !window.fetch || !window.crypto || !crypto.subtle || box.dataset.leafIndex === "") return;
  var T = JSON.parse(words.textContent);
  var index = Number(box.dataset.leafIndex);
  var api = "/api/v1/ledger/" + box.dataset.county;
  var list = document.getElementById("browser-steps");
  var result = document.getElementById("browser-result");
  box.hidden = false;

  function hex(a) {
    return Array.prototype.map.call(a, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function unhex(s) {
    var a = new Uint8Array(s.length / 2);
    for (var i = 0; i < a.length; i++) a[i] = parseInt(s.substr(i * 2, 2), 16);
    return a;
  }
  function unb64(s) {
    var b = atob(s), a = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i);
    return a;
  }
  function cat(parts) {
    var n = 0, off = 0, out;
    parts.forEach(function (p) { n += p.length; });
    out = new Uint8Array(n);
    parts.forEach(function (p) { out.set(p, off); off += p.length; });
    return out;
  }
  function sha(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }
  function same(a, b) {
    return a.length === b.length && hex(a) === hex(b);
  }
  function get(path) {
    return fetch(api + path, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    });
  }
  function step(ok, label, detail) {
    var li = document.createElement("li");
    li.textContent = (ok ? "✓ " : "✗ ") + label;
    if (detail) {
      var small = document.createElement("small");
      small.className = "muted";
      small.textContent = detail;
      li.appendChild(document.createElement("br"));
      li.appendChild(small);
    }
    list.appendChild(li);
    return ok;
  }

  // RFC 9162 §2.1.3.2, as sunlight/ledger/merkle.py verify_inclusion.
  async function included(leaf, fn, size, path, root) {
    if (fn < 0 || fn >= size) return false;
    var sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha(cat([[1], path[i], r]));
        while (fn > 0 && fn % 2 === 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await sha(cat([[1], r, path[i]]));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && same(r, root);
  }

  // C2SP signed-note Ed25519 signature by the county key; null if the browser has no Ed25519.
  async function signed(note, keyText) {
    var parts = keyText.split("+");
    var split = note.lastIndexOf("\n\n");
    if (parts.length < 3 || split < 0) return false;
    var pub = unb64(parts.slice(2).join("+")).slice(1);
    var key;
    try {
      key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      return null;
    }
    var body = new TextEncoder().encode(note.slice(0, split + 1));
    var lines = note.slice(split + 2).split("\n");
    for (var i = 0; i < lines.length; i++) {
      var prefix = "\u2014 " + parts[0] + " ";
      if (lines[i].indexOf(prefix) !== 0) continue;
      var raw = unb64(lines[i].slice(prefix.length));
      if (hex(raw.slice(0, 4)) !== parts[1]) continue;
      return crypto.subtle.verify({ name: "Ed25519" }, key, raw.slice(4), body);
    }
    return false;
  }

  async function run() {
    var cp = await get("/checkpoint");
    var page = await get("/entries?start=" + index + "&end=" + (index + 1));
    var leaf = await sha(cat([[0], unb64(page.entries[0].leaf_input)]));
    var ok = step(hex(leaf) === box.dataset.leafHash, T.leaf, hex(leaf));
    var sig = await signed(cp.note, box.dataset.key || "");
    if (sig === null) step(true, T.signature, T.no_ed25519);
    else ok = step(sig, T.signature) && ok;
    var lines = cp.note.split("\n");
    var size = Number(lines[1]), root = unb64(lines[2]);
    ok = step(hex(root) === cp.root_hash && size === cp.tree_size, T.root, T.size + " " + size + " · " + hex(root)) && ok;
    var proof = index < size ? await get("/proof/inclusion?leaf_index=" + index + "&tree_size=" + size) : null;
    ok = step(!!proof && (await included(leaf, index, size, proof.audit_path.map(unhex), root)), T.inclusion) && ok;
    result.textContent = ok ? T.ok : T.fail;
    result.className = ok ? "ok" : "bad";
  }

  run().catch(function () {
    result.textContent = T.error;
    result.className = "bad";
  });
})();
