/* The field kit (core/field_kit.html): entries are kept in IndexedDB on the phone, each with
   the device's id and its own key (a UUID), and sent to POST /api/v1/field/entries when there
   is a network (at once, on the "online" event, and again with a growing pause after a
   failure): the queue and the sending are core/offline-queue.js, shared with the event scanner.
   The server accepts each key once (core/offline.py), so sending again is safe.
   Lists: waiting (an entry the server failed on says so, and is sent again later), sent (with
   the server's number), refused (with the reason; correct it in its form and save: the same
   key is sent again). */
(function () {
  "use strict";
  var root = document.querySelector("[data-field-kit]");
  if (!root) return;
  var T = JSON.parse(document.getElementById("field-strings").textContent);
  var USER = root.getAttribute("data-user");
  var ENDPOINT = root.getAttribute("data-endpoint");
  var CSRF_URL = root.getAttribute("data-csrf-url");
  var queue = WeiguangOfflineQueue.open({
    db: "weiguang-field",
    store: "entries",
    user: USER,
    endpoint: ENDPOINT,
    token: function () {
      return fetch(CSRF_URL, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok) throw new Error("csrf " + r.status); return r.json(); })
        .then(function (body) { return body.token; });
    },
    pending: function (entry) { return entry.state === "waiting"; },
    answered: function (entry, res) {
      entry.result = res;
      entry.state = res.status === "refused" || res.status === "conflict" ? res.status : "sent";
      entry.sent = Date.now();
      return queue.save(entry);
    },
    status: function (state) {
      if (state === "sending") say(T.sending, "sending");
      else if (state === "login") say(T.login, "login");
      else if (state === "retry") say(T.retry, "retry");
      else showNet();
    },
    done: function () { return render(); },
  });
  WeiguangOfflineQueue.registerWorker(root.getAttribute("data-sw"));
  var CLIENT = queue.client;
  var uuid = WeiguangOfflineQueue.uuid;
  var save = queue.save;
  var remove = queue.remove;
  var mine = queue.mine;

  // --- the resident picker, tabs, dates ---------------------------------------------------
  var picker = document.querySelector("[data-field-resident]");
  var filter = document.querySelector("[data-field-filter]");
  if (filter && picker) {
    filter.addEventListener("input", function () {
      var words = filter.value.trim();
      Array.prototype.forEach.call(picker.querySelectorAll("option"), function (option) {
        if (!option.value) return;
        option.hidden = words !== "" && option.textContent.indexOf(words) === -1;
      });
      var shown = Array.prototype.filter.call(picker.options, function (o) { return o.value && !o.hidden; });
      if (shown.length === 1) picker.value = shown[0].value;
    });
  }
  function residentName(id) {
    var option = picker && picker.querySelector('option[value="' + id + '"]');
    return option ? option.textContent : "";
  }
  function showTab(name) {
    document.querySelectorAll("[data-tab]").forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === name;
      tab.classList.toggle("current", on);
      tab.setAttribute("aria-selected", on ? "true" : "false");
    });
    document.querySelectorAll("[data-field-kind]").forEach(function (form) {
      form.hidden = form.getAttribute("data-field-kind") !== name;
    });
  }
  document.querySelectorAll("[data-tab]").forEach(function (tab) {
    tab.addEventListener("click", function () { showTab(tab.getAttribute("data-tab")); });
  });
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  function fillDates(form) {
    form.querySelectorAll("[data-today]").forEach(function (input) { if (!input.value) input.value = today(); });
  }
  document.querySelectorAll("[data-field-kind]").forEach(fillDates);

  // --- recording ------------------------------------------------------------------------
  function payloadOf(form) {
    var payload = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var type = el.getAttribute("data-type");
      if (type === "bool") payload[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) payload[el.name] = el.value; }
      else if (type === "int") payload[el.name] = el.value ? Number(el.value) : null;
      else payload[el.name] = el.value;
    });
    return payload;
  }
  function fillForm(form, payload) {
    form.reset();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in payload)) return;
      var value = payload[el.name];
      if (el.getAttribute("data-type") === "bool") el.checked = !!value;
      else if (el.type === "radio") el.checked = el.value === value;
      else el.value = value === null || value === undefined ? "" : value;
    });
  }
  function summary(kind, payload) {
    var text = payload.title || payload.note || "";
    return text.length > 40 ? text.slice(0, 40) + "…" : text;
  }
  var savedNote = document.getElementById("field-saved");
  document.querySelectorAll("[data-field-kind]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var residentId = picker ? Number(picker.value) : 0;
      if (!residentId) {
        savedNote.hidden = false;
        savedNote.className = "msg msg-error";
        savedNote.textContent = T.choose_resident;
        if (picker) picker.focus();
        return;
      }
      var kind = form.getAttribute("data-field-kind");
      var payload = payloadOf(form);
      payload.resident_id = residentId;
      var key = form.getAttribute("data-editing") || uuid();
      var entry = {
        key: key, client_id: CLIENT, user: USER, kind: kind, payload: payload,
        label: summary(kind, payload), resident: residentName(residentId),
        state: "waiting", created: Date.now(), result: null,
      };
      save(entry).then(function () {
        form.removeAttribute("data-editing");
        form.querySelector(".field-editing").hidden = true;
        form.reset();
        fillDates(form);
        savedNote.hidden = false;
        savedNote.className = "msg msg-success";
        savedNote.textContent = T.saved + " " + T.kinds[kind] + "：" + entry.label;
        return render().then(queue.now);
      });
    });
  });

  // --- the lists --------------------------------------------------------------------------
  function item(entry) {
    var li = document.createElement("li");
    li.className = "card field-entry field-" + entry.state;
    li.setAttribute("data-key", entry.key);
    li.setAttribute("data-kind", entry.kind);
    var head = document.createElement("div");
    head.className = "spread";
    var what = document.createElement("strong");
    what.textContent = (T.kinds[entry.kind] || entry.kind) + "：" + entry.label;
    head.appendChild(what);
    var r = entry.result || {};
    if (entry.state === "sent" && r.number) {
      var number = document.createElement(r.url ? "a" : "span");
      number.className = "field-number";
      number.textContent = r.number;
      if (r.url) number.href = r.url;
      head.appendChild(number);
    }
    li.appendChild(head);
    var who = document.createElement("div");
    who.className = "small muted";
    who.textContent = entry.resident;
    if (entry.state === "sent" && r.status === "received") who.textContent += " · " + T.received;
    if (entry.state === "sent" && r.status === "duplicate") who.textContent += " · " + T.duplicate;
    li.appendChild(who);
    if (entry.state === "waiting" && r.status === "failed") {
      // the server broke on this entry: it stays here and is sent again later
      var failed = document.createElement("p");
      failed.className = "errorlist field-reason";
      failed.setAttribute("data-failed", "");
      failed.textContent = r.message || "";
      li.appendChild(failed);
    }
    if (entry.state === "refused" || entry.state === "conflict") {
      var why = document.createElement("p");
      why.className = "errorlist field-reason";
      why.textContent = r.message || "";
      li.appendChild(why);
      var errors = r.errors || {};
      var keys = Object.keys(errors).filter(function (k) { return errors[k] !== r.message; });
      if (keys.length) {
        var ul = document.createElement("ul");
        ul.className = "errorlist";
        keys.forEach(function (k) {
          var e = document.createElement("li");
          e.textContent = errors[k];
          ul.appendChild(e);
        });
        li.appendChild(ul);
      }
      var actions = document.createElement("div");
      actions.className = "row";
      actions.appendChild(button(T.edit, "edit", entry));
      if (entry.state === "conflict" && entry.kind === "wish" && r.duplicate_of) actions.appendChild(button(T.send_anyway, "anyway", entry));
      actions.appendChild(button(T.discard, "discard", entry, "secondary"));
      li.appendChild(actions);
    }
    return li;
  }
  function button(label, action, entry, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls || "";
    b.textContent = label;
    b.setAttribute("data-action", action);
    b.addEventListener("click", function () { act(action, entry); });
    return b;
  }
  function act(action, entry) {
    if (action === "discard") return remove(entry.key).then(render);
    if (action === "anyway") {
      entry.payload.confirm_duplicate = true;
      entry.state = "waiting";
      return save(entry).then(render).then(queue.now);
    }
    // edit: back into its form, with the same key; saving sends it again
    var form = document.querySelector('[data-field-kind="' + entry.kind + '"]');
    if (!form) return;
    showTab(entry.kind);
    fillForm(form, entry.payload);
    if (picker) picker.value = String(entry.payload.resident_id);
    form.setAttribute("data-editing", entry.key);
    form.querySelector(".field-editing").hidden = false;
    var first = form.querySelector("input:not([type=radio]), textarea");
    var bad = Object.keys((entry.result || {}).errors || {})[0];
    var target = (bad && form.querySelector('[name="' + bad + '"]')) || first;
    if (target) target.focus();
    form.scrollIntoView({ block: "start" });
  }
  function render() {
    return mine().then(function (entries) {
      var lists = { waiting: [], sent: [], refused: [] };
      entries.forEach(function (e) { (lists[e.state === "conflict" ? "refused" : e.state] || lists.waiting).push(e); });
      lists.sent.reverse();
      Object.keys(lists).forEach(function (name) {
        var ul = document.getElementById("field-" + name);
        ul.textContent = "";
        lists[name].forEach(function (e) { ul.appendChild(item(e)); });
        if (!lists[name].length) {
          var empty = document.createElement("li");
          empty.className = "muted small";
          empty.textContent = T.nothing;
          ul.appendChild(empty);
        }
        document.querySelector('[data-count="' + name + '"]').textContent = String(lists[name].length);
      });
      return entries;
    });
  }

  // --- sending ----------------------------------------------------------------------------
  var net = document.getElementById("field-net");
  function say(text, state) {
    net.textContent = text;
    net.setAttribute("data-state", state);
  }
  function showNet() {
    if (navigator.onLine) say(T.online, "online");
    else say(T.offline, "offline");
  }
  document.querySelector("[data-field-send]").addEventListener("click", function () { queue.now(); });
  showNet();
  render().then(queue.sync);
})();
