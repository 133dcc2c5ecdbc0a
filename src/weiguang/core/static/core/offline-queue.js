/* What the offline pages share (the field kit, core/field.js; the event scanner,
   events/scanner.js): a queue of entries in IndexedDB, each with the device's id and its own
   key (a UUID), sent to POST /api/v1/field/entries (core/offline.py) when there is a network,
   at once, on the "online" event, and again after a pause when a try failed. The server
   accepts each key once, so sending again is safe.

   A plain script (loaded before the page's own, kept by the service worker with the shell):

     var box = WeiguangOfflineQueue.open({
       db: "weiguang-field", store: "entries",   // IndexedDB database and store (by key, index "user")
       user: "12", endpoint: "/api/v1/field/entries",
       kind: "checkin",                          // an entry's kind when it has none of its own
       token: function () { return Promise.resolve(csrf); },   // the CSRF token, when sending
       pending: function (entry) { return entry.state === "waiting"; },  // which entries go
       answered: function (entry, result) { ... },  // a final answer (created, received,
                                                     // duplicate, refused, conflict): a promise
       kept: function (entry, result) { ... },       // "failed": kept, result saved, sent again
       status: function (state) { ... },             // online, offline, sending, retry, login
       done: function () { ... },                    // after each round of sending
       first: 2000, longest: 300000,                 // the pause after a failure, doubling
     });
     box.save(entry); box.remove(key); box.mine(); box.sync(); box.now();

   "later" (429) and "failed" (the server broke on that entry) leave the entry waiting; a
   request that fails (no network, a 5xx) leaves them all waiting; 401/403 says "login". */
(function () {
  "use strict";
  var BATCH = 50; // core/offline_api.py: FIELD_BATCH_MAX

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // The device's id, one per browser (the field kit and the scanner share it).
  function clientId() {
    var id = localStorage.getItem("wg-field-client");
    if (!id) {
      id = uuid();
      localStorage.setItem("wg-field-client", id);
    }
    return id;
  }

  // The service worker (core/offline_views.py) keeps the page and its scripts on the phone.
  function registerWorker(url) {
    if (url && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {});
    }
  }

  // --- IndexedDB: one store of entries, by key, indexed by user ------------------------------
  function queue(dbName, storeName) {
    var opened = new Promise(function (resolve, reject) {
      var request = indexedDB.open(dbName, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(storeName, { keyPath: "key" });
        store.createIndex("user", "user");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    function withStore(mode, work) {
      return opened.then(function (db) {
        return new Promise(function (resolve, reject) {
          var t = db.transaction(storeName, mode);
          var request = work(t.objectStore(storeName));
          t.oncomplete = function () { resolve(request ? request.result : undefined); };
          t.onerror = function () { reject(t.error); };
          t.onabort = function () { reject(t.error); };
        });
      });
    }
    return {
      save: function (entry) { return withStore("readwrite", function (s) { return s.put(entry); }); },
      remove: function (key) { return withStore("readwrite", function (s) { return s.delete(key); }); },
      // the user's entries, oldest first
      mine: function (user) {
        return withStore("readonly", function (s) { return s.index("user").getAll(user); }).then(function (rows) {
          return (rows || []).sort(function (a, b) { return a.created - b.created; });
        });
      },
    };
  }

  // --- sending ----------------------------------------------------------------------------------
  function post(endpoint, token, batch, client, kind) {
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": token,
        "Accept-Language": document.documentElement.lang || "zh-hans",
      },
      body: JSON.stringify({
        entries: batch.map(function (e) {
          return { client_id: e.client_id || client, key: e.key, kind: e.kind || kind, payload: e.payload };
        }),
      }),
    }).then(function (r) {
      if (r.status === 401 || r.status === 403) {
        var err = new Error("login");
        err.login = true;
        throw err;
      }
      if (!r.ok) throw new Error("status " + r.status);
      return r.json();
    });
  }

  function open(o) {
    var store = queue(o.db, o.store);
    var client = clientId();
    var first = o.first || 2000;
    var longest = o.longest || 5 * 60 * 1000;
    var pause = first;
    var timer = null;
    var sending = false;
    var again = false; // an entry was saved while a round was on its way: one more round
    function status(state) { if (o.status) o.status(state); }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(sync, pause);
      pause = Math.min(pause * 2, longest);
    }
    function mine() { return store.mine(o.user); }

    // One round: every pending entry, in batches; each answer saved as it comes.
    function sync() {
      if (sending) { again = true; return Promise.resolve(); }
      sending = true; // at once: a second call while the queue is read waits for this round
      again = false;
      clearTimeout(timer);
      return mine().then(function (entries) {
        var waiting = entries.filter(o.pending || function () { return true; });
        if (!waiting.length || !navigator.onLine) {
          sending = false;
          status(navigator.onLine ? "online" : "offline");
          if (again) return sync();
          return;
        }
        status("sending");
        var keep = false;
        return o.token()
          .then(function (token) {
            var chain = Promise.resolve();
            for (var i = 0; i < waiting.length; i += BATCH) {
              (function (batch) {
                chain = chain.then(function () { return post(o.endpoint, token, batch, client, o.kind); }).then(function (answer) {
                  var byKey = {};
                  batch.forEach(function (e) { byKey[e.key] = e; });
                  return Promise.all(answer.results.map(function (result) {
                    var entry = byKey[result.key];
                    if (!entry) return null;
                    if (result.status === "later") { keep = true; return null; }
                    if (result.status === "failed") {
                      keep = true;
                      entry.result = result;
                      return store.save(entry).then(function () { if (o.kept) return o.kept(entry, result); });
                    }
                    return o.answered(entry, result);
                  }));
                });
              })(waiting.slice(i, i + BATCH));
            }
            return chain;
          })
          .then(function () {
            sending = false;
            pause = first;
            status("online");
            if (keep) later();
          }, function (err) {
            sending = false;
            if (err && err.login) { status("login"); return; }
            status(navigator.onLine ? "retry" : "offline");
            later();
          })
          .then(function () { if (o.done) return o.done(); })
          .then(function () { if (again) return sync(); });
      }, function () { sending = false; }); // the queue could not be read: nothing was sent
    }
    // "Send now", a new entry, the signal back: no waiting for the pause
    function now() {
      pause = first;
      return sync();
    }
    window.addEventListener("online", now);
    window.addEventListener("offline", function () { status("offline"); });
    return { save: store.save, remove: store.remove, mine: mine, sync: sync, now: now, client: client };
  }

  window.WeiguangOfflineQueue = { uuid: uuid, clientId: clientId, registerWorker: registerWorker, queue: queue, open: open };
})();
