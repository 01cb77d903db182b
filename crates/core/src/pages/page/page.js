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

  var total = page.files.reduce(function (sum, f) { return sum + f.size; }, 0);
  $('summary').textContent = page.files.length + (page.files.length === 1 ? ' file' : ' files') +
    ' · ' + size(total);
  if (page.files.length < 2) $('all').parentNode.hidden = true;

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
    fetch(file.url).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return kind === 'text' ? r.text() : r.blob();
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
  page.files.forEach(function (file) {
    var li = document.createElement('li');
    var row = document.createElement('div'); row.className = 'row';
    var info = document.createElement('div');
    var name = document.createElement('div'); name.className = 'name'; name.textContent = file.name;
    var meta = document.createElement('div'); meta.className = 'meta';
    meta.textContent = size(file.size) + (file.type ? ' · ' + file.type : '');
    info.appendChild(name); info.appendChild(meta);
    var a = document.createElement('a');
    a.className = 'button'; a.href = file.url; a.textContent = 'Download';
    a.setAttribute('download', file.name);
    a.setAttribute('aria-label', 'Download ' + file.name);
    links.push(a);
    row.appendChild(info); row.appendChild(a);
    li.appendChild(row);
    var holder = document.createElement('div'); holder.className = 'preview';
    li.appendChild(holder);
    list.appendChild(li);
    preview(file, holder);
  });

  $('all').addEventListener('click', function () {
    // One after another: browsers take a burst of downloads for a popup.
    links.forEach(function (a, i) { setTimeout(function () { a.click(); }, i * 400); });
  });

  function tick() {
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
