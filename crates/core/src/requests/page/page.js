'use strict';
(function () {
  var request = JSON.parse(document.getElementById('request').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var zone = $('zone'), input = $('files'), list = $('list');
  var expiresAt = Date.parse(request.expires_at);
  // Counted per batch (one drop, one pick): the confirmation speaks of the files just sent.
  var pending = 0, sent = 0, refused = 0;
  // S3 keeps at most 2 KB of metadata; the sender's name and message travel percent-encoded in it.
  var METADATA_MAX = 1800;

  $('asker').textContent = request.from ? request.from + ' asks you for files' : 'You are asked for files';
  if (request.note) { $('note').textContent = request.note; $('note').hidden = false; }
  $('limits').textContent = 'Up to ' + request.max_size_text + ' per file' +
    (request.accept_text ? ' · ' + request.accept_text : '') + ' · several at once';

  function leftText(ms) {
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + ' second' + (s === 1 ? '' : 's');
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' minute' + (m === 1 ? '' : 's');
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' hour' + (h === 1 ? '' : 's') + (m % 60 ? ' ' + (m % 60) + ' min' : '');
    var d = Math.floor(h / 24);
    return d + ' days';
  }
  function expired() { return Date.now() >= expiresAt; }
  function tick() {
    var ms = expiresAt - Date.now();
    if (ms <= 0) {
      $('left').textContent = 'This request has expired: ask for a new link.';
      zone.classList.add('off');
      input.disabled = true;
      return;
    }
    $('left').textContent = 'Open for ' + leftText(ms) + ' more (until ' +
      new Date(expiresAt).toLocaleString() + ')';
    setTimeout(tick, ms > 120000 ? 30000 : 1000);
  }
  tick();

  function typeOf(file) { return file.type || 'application/octet-stream'; }
  function formFor(type) {
    for (var i = 0; i < request.forms.length; i++) {
      var t = request.forms[i].types;
      if (t.kind === 'any' || (t.kind === 'exactly' && t.value === type) ||
          (t.kind === 'starts_with' && type.indexOf(t.value) === 0)) return request.forms[i];
    }
    return null;
  }
  function randomId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  // RFC 5987: the name survives any character, and the header stays ASCII.
  function disposition(name) {
    var encoded = encodeURIComponent(name).replace(/['()*]/g, function (c) {
      return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
    return "attachment; filename*=UTF-8''" + encoded;
  }
  // Stores that keep keys as file names allow 255 bytes a segment: a long name keeps its end (the
  // extension) in the key, and whole in Content-Disposition, where LinkDrop reads it.
  function keyName(name) {
    // By code point, so that an emoji is never cut in half.
    var chars = Array.from(name);
    while (new TextEncoder().encode(chars.join('')).length > 200 && chars.length > 1) chars.shift();
    return chars.join('');
  }
  function serverMessage(xhr) {
    var text = xhr.responseText || '';
    var code = /<Code>([^<]*)<\/Code>/.exec(text), message = /<Message>([^<]*)<\/Message>/.exec(text);
    code = code ? code[1] : ''; message = message ? message[1] : '';
    if (code === 'EntityTooLarge') return 'larger than the ' + request.max_size_text + ' the requester allows';
    if (/expired/i.test(message)) return 'this request has expired';
    if (xhr.status === 0) return 'the connection failed: try again';
    return 'the storage refused it (' + (code || xhr.status) + (message ? ': ' + message : '') + ')';
  }

  function row(file) {
    var li = document.createElement('li');
    var name = document.createElement('div'); name.className = 'fname'; name.textContent = file.name;
    var state = document.createElement('div'); state.className = 'state';
    li.appendChild(name); li.appendChild(state);
    list.appendChild(li);
    return { li: li, state: state };
  }
  function refuse(r, why) {
    r.li.className = 'refused'; r.state.textContent = 'Not sent: ' + why; refused += 1;
  }
  function finished() {
    if (pending > 0) return;
    if (sent > 0) {
      var text = refused === 0
        ? (sent === 1 ? 'Your file arrived.' : 'All ' + sent + ' files arrived.')
        : sent + ' of ' + (sent + refused) + ' files arrived; the others were not sent.';
      $('done').textContent = text + ' You can close this page.';
      $('done').hidden = false;
    }
  }

  function send(file) {
    var r = row(file);
    var type = typeOf(file);
    if (expired()) return refuse(r, 'this request has expired');
    if (file.size > request.max_size) return refuse(r, 'larger than the ' + request.max_size_text + ' the requester allows');
    var form = formFor(type);
    if (!form) return refuse(r, request.accept_text || 'this type of file is not accepted');
    var sender = encodeURIComponent($('from').value.trim());
    var message = encodeURIComponent($('message').value.trim());
    if (sender.length + message.length > METADATA_MAX) {
      return refuse(r, 'your name and message are too long: shorten the message and send it again');
    }
    var data = new FormData();
    form.fields.forEach(function (f) { data.append(f[0], f[1]); });
    data.append('key', request.key_prefix + randomId() + '/' + keyName(file.name));
    data.append('Content-Type', type);
    data.append('Content-Disposition', disposition(file.name));
    data.append('x-amz-meta-sender', sender);
    data.append('x-amz-meta-message', message);
    data.append('file', file);
    var bar = document.createElement('progress'); bar.max = 100; bar.value = 0;
    bar.setAttribute('aria-label', 'Sending ' + file.name);
    r.li.appendChild(bar);
    r.state.textContent = 'Sending…';
    pending += 1;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        var p = Math.floor(e.loaded * 100 / e.total);
        bar.value = p; r.state.textContent = 'Sending… ' + p + ' %';
      }
    };
    xhr.onloadend = function () {
      pending -= 1;
      r.li.removeChild(bar);
      if (xhr.status >= 200 && xhr.status < 300) {
        sent += 1; r.li.className = 'sent'; r.state.textContent = 'Sent';
      } else {
        refuse(r, serverMessage(xhr));
      }
      finished();
    };
    xhr.send(data);
  }
  function take(files) {
    $('done').hidden = true;
    if (pending === 0) { sent = 0; refused = 0; }
    for (var i = 0; i < files.length; i++) send(files[i]);
  }

  input.addEventListener('change', function () { take(input.files); input.value = ''; });
  zone.addEventListener('dragover', function (e) { e.preventDefault(); zone.classList.add('hovering'); });
  zone.addEventListener('dragleave', function () { zone.classList.remove('hovering'); });
  zone.addEventListener('drop', function (e) {
    e.preventDefault(); zone.classList.remove('hovering');
    if (e.dataTransfer && e.dataTransfer.files) take(e.dataTransfer.files);
  });
  // A file dropped beside the zone would make the browser open it and leave this page.
  window.addEventListener('dragover', function (e) { e.preventDefault(); });
  window.addEventListener('drop', function (e) { e.preventDefault(); });
})();
