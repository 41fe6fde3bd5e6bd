/* The demo page: one column per person, each a Telegram chat with the real bot.
 *
 * Plain JavaScript, no build step, nothing from the internet. The page asks /api/state
 * every moment and redraws a column when it changed; what a person does is one POST. The
 * bot's texts arrive as Telegram shows them (plain text and entities, offsets in UTF-16
 * units, which is how JavaScript counts too) and are built into elements with textContent:
 * nothing the bot or a person wrote is ever parsed as HTML.
 */
(function () {
  "use strict";

  var LANGUAGE = "estate-desk-demo-language";
  var EVERY_MS = 700;
  var texts = {};
  var all = {};
  var language = "en";
  var columns = {}; // key -> {root, list, keys, last}
  var lastState = null;
  var busy = false;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function t(key) { return Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key; }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) { return response.json(); });
  }

  /* --- Telegram's formatted text, built as elements --- */
  var TAGS = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
    blockquote: "blockquote", expandable_blockquote: "blockquote"
  };

  function safeUrl(url) { return /^https?:\/\//i.test(url) ? url : null; }

  function entityNode(entity, text) {
    var node;
    if (entity.type === "text_link" || entity.type === "url") {
      var href = safeUrl(entity.type === "url"
        ? text.slice(entity.offset, entity.offset + entity.length) : String(entity.url || ""));
      node = el(href ? "a" : "span", "link");
      if (href) { node.href = href; node.target = "_blank"; node.rel = "noopener noreferrer"; }
      return node;
    }
    if (entity.type === "spoiler") { return el("span", "spoiler"); }
    return el(TAGS[entity.type] || "span", "entity-" + entity.type);
  }

  function build(parent, text, entities, start, end) {
    var at = start;
    var i = 0;
    while (i < entities.length) {
      var entity = entities[i];
      var stop = entity.offset + entity.length;
      if (entity.offset < at || stop > end) { i += 1; continue; } // overlapping: as text
      if (entity.offset > at) { parent.appendChild(document.createTextNode(text.slice(at, entity.offset))); }
      var inner = [];
      var j = i + 1;
      while (j < entities.length && entities[j].offset < stop) { inner.push(entities[j]); j += 1; }
      var node = entityNode(entity, text);
      build(node, text, inner, entity.offset, stop);
      parent.appendChild(node);
      at = stop;
      i = j;
    }
    if (at < end) { parent.appendChild(document.createTextNode(text.slice(at, end))); }
  }

  function formatted(text, entities) {
    var box = el("div", "text");
    var sorted = (entities || []).slice().sort(function (a, b) {
      return a.offset - b.offset || b.length - a.length;
    });
    build(box, String(text || ""), sorted, 0, String(text || "").length);
    return box;
  }

  /* --- acting --- */
  function act(who, request) {
    if (busy) { return Promise.resolve(); }
    busy = true;
    document.body.classList.add("busy");
    request.who = who;
    return post("/api/act", request).then(refresh, refresh).then(function () {
      busy = false;
      document.body.classList.remove("busy");
    });
  }

  function openApp(who, url, label) {
    post("/api/webapp", { who: who, url: url }).then(function (answer) {
      if (!answer.src) { return; }
      $("app-title").textContent = label || t("mini_app");
      $("app").src = answer.src;
      $("app-frame").hidden = false;
    });
  }

  /* --- drawing --- */
  function messageNode(who, message, column) {
    var box = el("div", "message " + (message.from === "me" ? "mine" : "bot"));
    box.dataset.id = message.id;
    if (message.deleted) { box.classList.add("deleted"); }
    if (message.photo) {
      var img = el("img", "photo");
      img.src = message.photo;
      img.alt = t(message.from === "me" ? "photo_alt" : "chart_alt");
      box.appendChild(img);
    }
    if (message.document) {
      var link = el("a", "document", "📄 " + message.document.name);
      link.href = message.document.url;
      link.setAttribute("download", message.document.name);
      link.title = t("download");
      box.appendChild(link);
    }
    if (message.voice) { box.appendChild(el("div", "voice", t("voice"))); }
    if (message.contact) { box.appendChild(el("div", "contact", t("contact") + " " + message.contact)); }
    if (message.text) { box.appendChild(formatted(message.text, message.entities)); }
    (message.buttons || []).forEach(function (row) {
      var line = el("div", "inline-row");
      row.forEach(function (button) {
        var b = el("button", "inline", button.text);
        b.type = "button";
        if (button.data !== undefined) {
          b.addEventListener("click", function () {
            act(who, { "do": "tap", message_id: message.id, data: button.data });
          });
        } else if (button.web_app) {
          b.classList.add("web-app");
          b.addEventListener("click", function () { openApp(who, button.web_app, button.text); });
        } else if (button.url && safeUrl(button.url)) {
          b.addEventListener("click", function () { window.open(button.url, "_blank", "noopener"); });
        } else {
          b.disabled = true;
          if (button.url) { b.title = t("link") + " " + button.url; }
        }
        line.appendChild(b);
      });
      box.appendChild(line);
    });
    var flags = [];
    if (message.edited) { flags.push(t("edited")); }
    if (message.deleted) { flags.push(t("deleted")); }
    if (flags.length) { box.appendChild(el("div", "flags", flags.join(" · "))); }
    return box;
  }

  function refusedNode(refusal) {
    var box = el("div", "refused");
    box.appendChild(el("strong", "", t("refused")));
    box.appendChild(el("div", "", refusal.method + " → " + refusal.status + " " + refusal.description));
    return box;
  }

  function ensureColumn(person) {
    var found = columns[person.key];
    if (found) { return found; }
    var root = el("section", "column");
    root.dataset.key = person.key;
    var head = el("div", "head");
    var title = el("h2", "who");
    var role = el("div", "role");
    var app = el("button", "menu-app");
    app.type = "button";
    app.hidden = true;
    head.appendChild(title);
    head.appendChild(role);
    head.appendChild(app);
    var list = el("div", "messages");
    var keyboard = el("div", "keyboard");
    var form = el("form", "compose");
    var input = el("input", "say");
    input.type = "text";
    input.maxLength = 4096;
    input.autocomplete = "off";
    var send = el("button", "send");
    send.type = "submit";
    var photo = el("button", "photo-button");
    photo.type = "button";
    form.appendChild(input);
    form.appendChild(send);
    form.appendChild(photo);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      act(person.key, { "do": "say", text: text });
    });
    photo.addEventListener("click", function () {
      var caption = input.value.trim();
      input.value = "";
      act(person.key, { "do": "photo", text: caption });
    });
    root.appendChild(head);
    root.appendChild(list);
    root.appendChild(keyboard);
    root.appendChild(form);
    $("columns").appendChild(root);
    found = {
      root: root, title: title, role: role, app: app, list: list, keyboard: keyboard,
      input: input, send: send, photo: photo, last: ""
    };
    columns[person.key] = found;
    return found;
  }

  function drawColumn(person) {
    var column = ensureColumn(person);
    column.title.textContent = person.name;
    column.role.textContent = t("role_" + person.role);
    column.input.placeholder = t("type_here");
    column.send.textContent = t("send");
    column.photo.textContent = t("send_photo");
    var app = person.menu_app;
    column.app.hidden = !app;
    if (app) {
      column.app.textContent = app.text || t("mini_app");
      column.app.onclick = function () { openApp(person.key, app.url, app.text); };
    }
    var signature = JSON.stringify([person.messages, person.keyboard, person.toasts, person.refused, language]);
    if (signature === column.last) { return; }
    column.last = signature;
    var list = column.list;
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.textContent = "";
    var toasts = person.toasts || [];
    var refused = person.refused || [];
    person.messages.forEach(function (message) {
      list.appendChild(messageNode(person.key, message, column));
      toasts.forEach(function (toast) {
        if (toast.after === message.id) {
          list.appendChild(el("div", "toast" + (toast.alert ? " alert" : ""), toast.text));
        }
      });
      refused.forEach(function (refusal) {
        if (refusal.after === message.id) { list.appendChild(refusedNode(refusal)); }
      });
    });
    refused.forEach(function (refusal) {
      if (refusal.after === 0) { list.appendChild(refusedNode(refusal)); }
    });
    if (atBottom || list.dataset.seen !== String(person.messages.length)) {
      list.scrollTop = list.scrollHeight;
    }
    list.dataset.seen = String(person.messages.length);
    column.keyboard.textContent = "";
    person.keyboard.forEach(function (row) {
      var line = el("div", "reply-row");
      row.forEach(function (button) {
        var b = el("button", "reply", button.text);
        b.type = "button";
        b.addEventListener("click", function () {
          act(person.key, button.contact ? { "do": "contact" } : { "do": "say", text: button.text });
        });
        line.appendChild(b);
      });
      column.keyboard.appendChild(line);
    });
  }

  function draw(state) {
    lastState = state;
    document.documentElement.lang = language === "zh_Hans" ? "zh-Hans" : "en";
    document.title = t("title");
    $("title").textContent = t("title");
    $("intro").textContent = t("intro");
    $("clock-label").textContent = t("clock");
    $("plus-hour").textContent = t("plus_hour");
    $("plus-day").textContent = t("plus_day");
    $("morning").textContent = t("morning");
    $("language").textContent = t("language");
    $("app-close").textContent = t("close");
    $("now").textContent = state.now;
    $("ahead").textContent = state.ahead_hours ? "(+" + state.ahead_hours + " h " + t("ahead") + ")" : "";
    var setup = $("setup");
    setup.classList.toggle("failed", state.setup.indexOf("failed") === 0);
    setup.textContent = state.setup === "ready" ? "" :
      state.setup === "starting" ? t("setup_starting") : t("setup_failed") + " " + state.setup;
    document.body.dataset.setup = state.setup;
    state.people.forEach(function (person) {
      if (person.role !== "hidden") { drawColumn(person); }
    });
    var elsewhere = $("elsewhere");
    elsewhere.hidden = !state.refused.length;
    elsewhere.textContent = "";
    if (state.refused.length) {
      elsewhere.appendChild(el("strong", "", t("refused_elsewhere")));
      state.refused.forEach(function (refusal) { elsewhere.appendChild(refusedNode(refusal)); });
    }
  }

  function refresh() {
    return fetch("/api/state", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(draw, function () { /* the demo stopped: keep what is shown */ });
  }

  function setLanguage(code) {
    language = all[code] ? code : "en";
    texts = all[language];
    try { window.localStorage.setItem(LANGUAGE, language); } catch (e) { /* private mode */ }
    Object.keys(columns).forEach(function (key) { columns[key].last = ""; });
    if (lastState) { draw(lastState); }
  }

  function start() {
    $("plus-hour").addEventListener("click", function () { post("/api/clock", { hours: 1 }).then(refresh); });
    $("plus-day").addEventListener("click", function () { post("/api/clock", { hours: 24 }).then(refresh); });
    $("morning").addEventListener("click", function () { post("/api/clock", { to: "morning" }).then(refresh); });
    $("language").addEventListener("click", function () { setLanguage(language === "en" ? "zh_Hans" : "en"); });
    $("app-close").addEventListener("click", function () {
      $("app-frame").hidden = true;
      $("app").src = "about:blank";
    });
    var saved = null;
    try { saved = window.localStorage.getItem(LANGUAGE); } catch (e) { /* private mode */ }
    var wanted = saved || (String(navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh_Hans" : "en");
    fetch("/static/texts.json").then(function (r) { return r.json(); }).then(function (loaded) {
      all = loaded;
      setLanguage(wanted);
      refresh();
      window.setInterval(function () { if (!busy) { refresh(); } }, EVERY_MS);
    });
  }

  start();
}());
