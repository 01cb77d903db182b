'use strict';
(function () {
  var page = JSON.parse(document.getElementById('page').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var expiresAt = Date.parse(page.expires_at);
  // Previews are fetched whole: only for files small enough to fetch twice without a thought.
  var PREVIEW_MAX = 25 * 1000 * 1000;

  function size(bytes) {
    var units = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
    for (var i = 0; i < units.length; i++) {
      if (bytes >= units[i][0]) {
        var v = bytes / units[i][0];
        return (v >= 100 ? Math.round(v) : Math.round(v * 10) / 10) + ' ' + units[i][1];
      }
    }
    return bytes + (bytes === 1 ? ' byte' : ' bytes');
  }
  function leftText(ms) {
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + ' second' + (s === 1 ? '' : 's');
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' minute' + (m === 1 ? '' : 's');
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' hour' + (h === 1 ? '' : 's') + (m % 60 ? ' ' + (m % 60) + ' min' : '');
    return Math.floor(h / 24) + ' days';
  }

  // An encrypted page: the key is the link's fragment, which the browser never sends anywhere.
  // ENCRYPTION.md is the format: a 16-byte header (LDE1, chunk size, nonce prefix), then each
  // chunk sealed with AES-256-GCM under prefix || counter || last-flag, the header as its AAD.
  var MEMORY_MAX = 2 * 1000 * 1000 * 1000;
  var secret = null;

  function fromBase64(text, url) {
    if (url) text = text.replace(/-/g, '+').replace(/_/g, '/');
    while (text.length % 4) text += '=';
    var bin = atob(text);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function nonce(header, counter, last) {
    var iv = new Uint8Array(12);
    iv.set(header.subarray(8, 15), 0);
    new DataView(iv.buffer).setUint32(7, counter);
    iv[11] = last ? 1 : 0;
    return iv;
  }
  function checkHeader(bytes) {
    if (bytes.length < 16 || String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== 'LDE1') {
      throw new Error('changed');
    }
    return new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);
  }
  // Decrypts an object as it arrives: `next()` gives its bytes piece by piece (null at the end),
  // `sink(plain)` takes each chunk once its tag checks. A chunk is known to be the last only when
  // the object ends after it, so one chunk's worth is held back.
  function decryptPieces(next, sink) {
    var header = null, chunk = 0, held = new Uint8Array(0), counter = 0;
    function take(piece) {
      var joined = new Uint8Array(held.length + piece.length);
      joined.set(held, 0); joined.set(piece, held.length);
      held = joined;
    }
    function seal(bytes, last) {
      return crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: nonce(header, counter, last), additionalData: header, tagLength: 128 },
        secret, bytes
      ).then(function (plain) { counter += 1; return sink(new Uint8Array(plain)); },
        function () { throw new Error('changed'); });
    }
    function drain() {
      if (!header && held.length >= 16) {
        chunk = checkHeader(held);
        header = held.slice(0, 16);
        held = held.subarray(16);
      }
      if (!header || held.length <= chunk + 16) return Promise.resolve();
      var one = held.slice(0, chunk + 16);
      held = held.subarray(chunk + 16);
      return seal(one, false).then(drain);
    }
    function loop() {
      return next().then(function (piece) {
        if (piece === null) {
          if (!header) checkHeader(held);
          if (held.length < 16) throw new Error('changed');
          return seal(held, true);
        }
        take(piece);
        return drain().then(loop);
      });
    }
    return loop();
  }
  // A whole object in memory (the page's sealed list).
  function open(bytes) {
    var parts = [], given = false;
    return decryptPieces(function () {
      var piece = given ? null : bytes;
      given = true;
      return Promise.resolve(piece);
    }, function (plain) { parts.push(plain); }).then(function () { return parts; });
  }
  // A response's body, piece by piece.
  function reader(response) {
    var r = response.body.getReader();
    return function () {
      return r.read().then(function (got) { return got.done ? null : got.value; });
    };
  }
  var failed = false;
  function fail(text) {
    failed = true;
    $('left').textContent = text;
    $('left').className = 'left expired';
    $('all').parentNode.hidden = true;
    $('summary').textContent = '';
  }

  function fetchObject(file) {
    return fetch(file.url).then(function (r) {
      if (!r.ok) throw new Error(r.status === 403 ? 'expired' : String(r.status));
      return r;
    });
  }
  function fetchPlain(file) {
    return fetchObject(file).then(function (r) {
      if (!page.encrypted) return r.blob();
      var parts = [];
      return decryptPieces(reader(r), function (plain) { parts.push(plain); }).then(function () {
        return new Blob(parts, { type: file.type });
      });
    });
  }
  // Saved straight to a file the user picks (the File System Access API, where the browser has
  // it), chunk by chunk as each checks: memory stays at a chunk or two whatever the size. The file
  // is written to a side copy that only becomes the file on close(); a chunk that fails aborts it,
  // so nothing is saved.
  function saveStreaming(file, writable) {
    return fetchObject(file).then(function (r) {
      return decryptPieces(reader(r), function (plain) { return writable.write(plain); });
    }).then(function () { return writable.close(); }, function (err) {
      return Promise.resolve(writable.abort()).then(function () { throw err; });
    });
  }
  // Files over this go straight to disk where the browser can; under it, through memory (no
  // dialog: the browser's own downloads).
  var STREAM_FROM = 100 * 1000 * 1000;

  function start(files) {
  var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
  $('summary').textContent = files.length + (files.length === 1 ? ' file' : ' files') +
    ' · ' + size(total);
  if (files.length < 2) $('all').parentNode.hidden = true;

  function previewKind(file) {
    var t = file.type || '';
    if (file.size > PREVIEW_MAX) return null;
    // SVG can hold script: never shown, only downloaded.
    if (t.indexOf('image/') === 0 && t !== 'image/svg+xml') return 'image';
    if (t.indexOf('video/') === 0) return 'video';
    if (t.indexOf('audio/') === 0) return 'audio';
    if (t === 'application/pdf') return 'pdf';
    if (t.indexOf('text/plain') === 0) return 'text';
    return null;
  }
  function preview(file, holder) {
    var kind = previewKind(file);
    if (!kind) return;
    fetchPlain(file).then(function (blob) {
      return kind === 'text' ? blob.text() : blob;
    }).then(function (body) {
      var el;
      if (kind === 'text') {
        el = document.createElement('pre');
        el.textContent = body.length > 20000 ? body.slice(0, 20000) + '\n…' : body;
      } else {
        // Typed by the page, not by whatever the response says.
        var url = URL.createObjectURL(new Blob([body], { type: file.type }));
        el = document.createElement(kind === 'image' ? 'img' : kind === 'pdf' ? 'iframe' : kind);
        el.src = url;
        if (kind === 'image') el.alt = 'Preview of ' + file.name;
        if (kind === 'pdf') el.title = 'Preview of ' + file.name;
        if (kind === 'video' || kind === 'audio') el.controls = true;
      }
      holder.appendChild(el);
    }).catch(function () { /* no preview: the download still works */ });
  }

  var list = $('files');
  var links = [];
  files.forEach(function (file) {
    var li = document.createElement('li');
    var row = document.createElement('div'); row.className = 'row';
    var info = document.createElement('div');
    var name = document.createElement('div'); name.className = 'name'; name.textContent = file.name;
    var meta = document.createElement('div'); meta.className = 'meta';
    meta.textContent = size(file.size) + (file.type ? ' · ' + file.type : '');
    info.appendChild(name); info.appendChild(meta);
    var a = document.createElement('a');
    a.className = 'button'; a.textContent = 'Download';
    a.setAttribute('download', file.name);
    a.setAttribute('aria-label', 'Download ' + file.name);
    var state = document.createElement('div'); state.className = 'meta state'; state.setAttribute('role', 'status');
    if (!page.encrypted) {
      a.href = file.url;
    } else {
      // Decrypted here, verified chunk by chunk, and only then saved: never a corrupt file.
      a.href = '#';
      a.addEventListener('click', function (e) {
        e.preventDefault();
        var said = function (err) {
          state.textContent = err.message === 'expired'
            ? 'This link has expired: ask the sender for a new one.'
            : 'This file was changed or cut short after it was shared: nothing was saved.';
          state.className = 'meta state bad';
        };
        if (typeof window.showSaveFilePicker === 'function' && file.size > STREAM_FROM) {
          // Asked at once: the picker needs the click that is still being handled.
          window.showSaveFilePicker({ suggestedName: file.name }).then(function (handle) {
            return handle.createWritable();
          }).then(function (writable) {
            state.textContent = 'Decrypting to the file you chose…';
            return saveStreaming(file, writable).then(function () {
              state.textContent = 'Decrypted and saved.';
            }, said);
          }, function (err) {
            if (err && err.name === 'AbortError') {
              state.textContent = 'Not saved: no file was chosen.';
            } else if (file.size <= MEMORY_MAX) {
              viaMemory();
            } else {
              state.textContent = 'This browser cannot save a file this large (over 2 GB) here: try Chrome or Edge, or ask the sender for a link without encryption.';
            }
          });
          return;
        }
        if (file.size > MEMORY_MAX) {
          state.textContent = 'Too large to decrypt in this browser (over 2 GB): open the link in Chrome or Edge, which save it straight to disk, or ask the sender for a link without encryption.';
          return;
        }
        viaMemory();
        function viaMemory() {
          state.textContent = 'Decrypting…';
          fetchPlain(file).then(function (blob) {
            var saver = document.createElement('a');
            saver.href = URL.createObjectURL(blob);
            saver.download = file.name;
            document.body.appendChild(saver);
            saver.click();
            saver.remove();
            state.textContent = 'Decrypted and saved.';
          }, said);
        }
      });
    }
    links.push(a);
    row.appendChild(info); row.appendChild(a);
    li.appendChild(row);
    li.appendChild(state);
    var holder = document.createElement('div'); holder.className = 'preview';
    li.appendChild(holder);
    list.appendChild(li);
    preview(file, holder);
  });

  $('all').addEventListener('click', function () {
    // One after another: browsers take a burst of downloads for a popup.
    links.forEach(function (a, i) { setTimeout(function () { a.click(); }, i * 400); });
  });

  }

  if (!page.encrypted) {
    start(page.files);
  } else {
    var text = location.hash.replace(/^#/, '');
    var raw = null;
    try { raw = text ? fromBase64(text, true) : null; } catch (e) { raw = new Uint8Array(0); }
    if (!text) {
      fail('This link is missing its key (the part after #): ask the sender for the whole link.');
    } else if (raw.length !== 32) {
      fail('The key in this link is not a LinkDrop key: ask the sender for the whole link.');
    } else {
      crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']).then(function (key) {
        secret = key;
        return open(fromBase64(page.manifest, false));
      }).then(function (parts) {
        var list = JSON.parse(new TextDecoder().decode(concat(parts)));
        var files = page.files.map(function (f, i) {
          return { name: list[i].name, type: list[i].type, size: list[i].size, url: f.url };
        });
        var title = files.length === 1 ? files[0].name :
          files[0].name + ' and ' + (files.length - 1) + ' more file' + (files.length === 2 ? '' : 's');
        $('title').textContent = title;
        document.title = title;
        start(files);
      }, function () {
        fail('The key in this link is wrong: nothing on this page opens with it. Ask the sender for the whole link.');
      });
    }
  }
  function concat(parts) {
    var n = parts.reduce(function (s, p) { return s + p.length; }, 0);
    var out = new Uint8Array(n), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function tick() {
    // What failed (the key) stays said: the countdown does not write over it.
    if (failed) return;
    var ms = expiresAt - Date.now();
    if (ms <= 0) {
      $('left').textContent = 'This link has expired: ask the sender for a new one.';
      $('left').className = 'left expired';
      list.className = 'files gone';
      $('all').disabled = true;
      return;
    }
    $('left').textContent = 'Available for ' + leftText(ms) + ' more (until ' +
      new Date(expiresAt).toLocaleString() + ')';
    setTimeout(tick, ms > 120000 ? 30000 : 1000);
  }
  tick();
})();
