/* The event desk's scanner (events/checkin_scanner.html). A QR ticket read by the camera or
   from a chosen photo (@zxing/browser), or a 6-digit code typed, becomes an entry of kind
   "checkin" for POST /api/v1/field/entries (core/offline.py): kept in IndexedDB first, with
   its own key (a UUID) and the moment of the scan, then sent at once; without network it
   waits and goes when the signal returns (the "online" event, and a retry every few seconds):
   the queue and the sending are core/offline-queue.js, shared with the field kit.
   The server accepts each key once, so sending again is safe; the same ticket scanned on two
   phones gives one check-in and one "already checked in". */
(function () {
  "use strict";
  var root = document.querySelector("[data-scanner]");
  if (!root) return;
  var T = JSON.parse(document.getElementById("scanner-strings").textContent);
  var USER = root.getAttribute("data-user");
  var ENDPOINT = root.getAttribute("data-endpoint");
  var CSRF = root.getAttribute("data-csrf");
  var RETRY = 5000;
  // the service worker (core/offline_views.py) keeps this page and its scripts on the phone,
  // so the scanner opens at a table that has lost the network
  WeiguangOfflineQueue.registerWorker(root.getAttribute("data-sw"));
  var eventSelect = root.querySelector("[data-scanner-event]");
  var deskLink = root.querySelector("[data-scanner-desk]");
  var results = root.querySelector("[data-scanner-results]");
  var network = root.querySelector("[data-scanner-network]");

  var uuid = WeiguangOfflineQueue.uuid;

  // --- the event ------------------------------------------------------------------------
  var kept = localStorage.getItem("wg-scan-event");
  if (kept && eventSelect.querySelector('option[value="' + kept + '"]')) eventSelect.value = kept;
  function eventChosen() {
    localStorage.setItem("wg-scan-event", eventSelect.value);
    var option = eventSelect.options[eventSelect.selectedIndex];
    if (deskLink && option) deskLink.href = option.getAttribute("data-desk");
  }
  eventSelect.addEventListener("change", eventChosen);
  eventChosen();

  // --- the results list -----------------------------------------------------------------
  function show(scan, state, title, message) {
    var empty = results.querySelector("[data-scanner-empty]");
    if (empty) empty.remove();
    var li = results.querySelector('[data-key="' + scan.key + '"]');
    if (!li) {
      li = document.createElement("li");
      li.setAttribute("data-key", scan.key);
      results.insertBefore(li, results.firstChild);
      while (results.children.length > 20) results.removeChild(results.lastChild);
    }
    li.className = "scan-result scan-" + state;
    li.setAttribute("data-state", state);
    li.textContent = "";
    var head = document.createElement("strong");
    head.textContent = title;
    li.appendChild(head);
    var line = document.createElement("div");
    line.className = "small";
    var at = new Date(scan.scanned_at);
    line.textContent = String(at.getHours()).padStart(2, "0") + ":" + String(at.getMinutes()).padStart(2, "0") +
      (message ? " · " + message : "");
    li.appendChild(line);
  }
  function answered(scan, r) {
    if (r.status === "created" || r.status === "received") {
      show(scan, "ok", T.ok + "：" + (r.number || ""), r.message);
    } else if (r.status === "duplicate") {
      show(scan, "already", T.already + "：" + (r.number || ""), r.message);
    } else {
      show(scan, "unknown", T.unknown, r.message);
    }
  }

  // --- sending (core/offline-queue.js): the scans not yet answered wait in IndexedDB ----------------
  function online(on) {
    network.textContent = on ? T.online : T.offline;
    network.setAttribute("data-state", on ? "online" : "offline"); // green, amber (.field-net)
    network.setAttribute("data-online", on ? "1" : "0");
  }
  var queue = WeiguangOfflineQueue.open({
    db: "weiguang-scanner",
    store: "scans",
    user: USER,
    endpoint: ENDPOINT,
    kind: "checkin",
    token: function () { return Promise.resolve(CSRF); },
    answered: function (scan, r) {
      answered(scan, r);
      return queue.remove(r.key);
    },
    // the server broke on this scan: it stays on the phone, is sent again, says why
    kept: function (scan, r) { show(scan, "failed", T.not_sent, r.message); },
    status: function (state) {
      if (state === "login") {
        network.setAttribute("data-state", "login");
        network.textContent = T.login;
      } else if (state !== "sending") {
        online(state === "online");
      }
    },
    first: RETRY,
    longest: RETRY,
  });

  var lastText = "";
  var lastAt = 0;
  function record(payload, label) {
    var text = JSON.stringify(payload);
    var now = Date.now();
    if (text === lastText && now - lastAt < 3000) return Promise.resolve(); // the camera reads a ticket many times a second
    lastText = text;
    lastAt = now;
    payload.event_id = Number(eventSelect.value);
    payload.scanned_at = new Date(now).toISOString();
    var scan = {
      key: uuid(), client_id: queue.client, user: USER, payload: payload,
      scanned_at: payload.scanned_at, created: now, label: label,
    };
    return queue.save(scan).then(function () {
      show(scan, "waiting", T.waiting, label);
      return queue.now();
    });
  }

  // --- a code typed -----------------------------------------------------------------------
  var codeForm = root.querySelector("[data-scanner-code]");
  codeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = codeForm.querySelector("[name=code]");
    var code = input.value.trim();
    if (!code) { input.focus(); return; }
    record({ code: code }, code).then(function () { input.value = ""; input.focus(); });
  });

  // --- the QR reader (@zxing/browser) ------------------------------------------------------
  function reader() { return new ZXingBrowser.BrowserQRCodeReader(); }
  function fromQr(text) {
    if (/^\d{6}$/.test(text)) return record({ code: text }, text);
    return record({ token: text }, "QR");
  }
  var controls = null;
  var cameraButton = root.querySelector("[data-scanner-camera]");
  var video = root.querySelector("[data-scanner-video]");
  cameraButton.addEventListener("click", function () {
    if (controls) { controls.stop(); controls = null; video.hidden = true; return; }
    video.hidden = false;
    reader().decodeFromVideoDevice(undefined, video, function (result) {
      if (result) fromQr(result.getText());
    }).then(function (c) { controls = c; }).catch(function () {
      video.hidden = true;
      show({ key: uuid(), scanned_at: new Date().toISOString() }, "unknown", T.camera_off, "");
    });
  });
  video.hidden = true;

  // A photo is read at a few sizes and turned a quarter: zxing misjudges the size of about one
  // clean ticket in twenty at the size it comes in ("Dimensions could be not found"), and none of
  // four hundred at all of these. A phone's 12-megapixel photo is first brought down to 1600 px.
  var PHOTO_TRIES = [[1, 0], [0.5, 0], [0.75, 0], [1, 90], [0.5, 90]];
  function drawn(img, scale, turned) {
    var fit = Math.min(1, 1600 / Math.max(img.naturalWidth, img.naturalHeight)) * scale;
    var w = Math.round(img.naturalWidth * fit), h = Math.round(img.naturalHeight * fit);
    var canvas = document.createElement("canvas");
    canvas.width = turned ? h : w;
    canvas.height = turned ? w : h;
    var g = canvas.getContext("2d");
    if (turned) {
      g.translate(canvas.width / 2, canvas.height / 2);
      g.rotate(Math.PI / 2);
      g.drawImage(img, -w / 2, -h / 2, w, h);
    } else {
      g.drawImage(img, 0, 0, w, h);
    }
    return canvas;
  }
  function decodePhoto(url) {
    var img = new Image();
    img.src = url;
    return img.decode().then(function () {
      var qr = reader();
      for (var i = 0; i < PHOTO_TRIES.length; i++) {
        try {
          return qr.decodeFromCanvas(drawn(img, PHOTO_TRIES[i][0], PHOTO_TRIES[i][1])).getText();
        } catch (e) { /* not found at this size: the next */ }
      }
      throw new Error("no QR code");
    });
  }
  var photo = root.querySelector("[data-scanner-photo]");
  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file) return;
    var fileReader = new FileReader();
    fileReader.onload = function () {
      decodePhoto(fileReader.result).then(function (text) {
        photo.value = "";
        return fromQr(text);
      }).catch(function () {
        photo.value = "";
        show({ key: uuid(), scanned_at: new Date().toISOString() }, "unknown", T.no_qr, "");
      });
    };
    fileReader.readAsDataURL(file);
  });

  // what waited from an earlier visit of the page
  queue.mine().then(function (scans) {
    scans.forEach(function (s) {
      if (s.result && s.result.status === "failed") show(s, "failed", T.not_sent, s.result.message);
      else show(s, "waiting", T.waiting, s.label);
    });
    online(navigator.onLine);
    return queue.sync();
  });
})();
