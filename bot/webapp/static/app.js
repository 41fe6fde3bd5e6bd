/* The managers' Mini App: the /status board with filters, the lists behind its lines, each
 * item's card with its timeline, and the report's chart. Read-only.
 *
 * Plain JavaScript, no build step, nothing loaded from the internet. The signed launch data
 * is read the way Telegram passes it (the tgWebAppData parameter of the URL fragment) and
 * sent with every API call (Authorization: tma <initData>); the server verifies it and reads
 * who the reader is from its database. Every text and every value is put on the page with
 * textContent, never as HTML.
 */
(function () {
  "use strict";

  var STORE = "estate-desk-launch"; // kept for a reload inside Telegram (the fragment may go)
  var PERIODS = ["", "week", "month", "range"];
  var FILTERS = ["zone", "building", "department", "kind"];

  var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var launch = launchData();
  var texts = {};
  var filters = {};
  var trail = []; // the views to go back to
  var current = null;
  var chartUrl = null;

  function launchData() {
    var found = fragment.get("tgWebAppData");
    if (found) {
      try { window.sessionStorage.setItem(STORE, found); } catch (e) { /* private mode */ }
      return found;
    }
    var tg = window.Telegram && window.Telegram.WebApp;
    if (tg && tg.initData) { return tg.initData; }
    try { return window.sessionStorage.getItem(STORE) || ""; } catch (e) { return ""; }
  }

  /* Telegram's client listens for these; outside Telegram nothing happens. */
  function postEvent(type) {
    var message = JSON.stringify({ eventType: type, eventData: null });
    try {
      if (window.TelegramWebviewProxy && window.TelegramWebviewProxy.postEvent) {
        window.TelegramWebviewProxy.postEvent(type, null);
      } else if (window.external && "notify" in window.external) {
        window.external.notify(message);
      } else if (window.parent && window.parent !== window) {
        window.parent.postMessage(message, "*");
      }
    } catch (e) { /* not inside Telegram */ }
  }

  /* Telegram's colours, when it passed them; only colour values are taken. */
  function applyTheme() {
    var raw = fragment.get("tgWebAppThemeParams");
    if (!raw) { return; }
    var theme;
    try { theme = JSON.parse(raw); } catch (e) { return; }
    Object.keys(theme).forEach(function (name) {
      var value = String(theme[name]);
      if (/^[a-z_]{1,40}$/.test(name) && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        document.documentElement.style.setProperty("--tg-" + name.replace(/_/g, "-"), value);
      }
    });
  }

  /* The language Telegram says the reader uses, for the frame's texts before they sign in. */
  function launchLanguage() {
    try {
      var user = JSON.parse(new URLSearchParams(launch).get("user") || "{}");
      var code = String(user.language_code || navigator.language || "");
      return code.toLowerCase().indexOf("zh") === 0 ? "zh_Hans" : "en";
    } catch (e) {
      return "zh_Hans";
    }
  }

  function t(key) { return Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : ""; }

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function say(text) { $("message").textContent = text || ""; }

  function Refused() { this.refused = true; }

  function api(path, params) {
    var query = params ? new URLSearchParams(params).toString() : "";
    var headers = { Authorization: "tma " + launch };
    return fetch(path + (query ? "?" + query : ""), { headers: headers, cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { throw new Refused(); }
        if (!response.ok) {
          return response.json().then(function (body) {
            throw new Error(body && body.error ? body.error : t("webapp.failed"));
          }, function () { throw new Error(t("webapp.failed")); });
        }
        return response;
      });
  }

  function failed(error) {
    clear($("view"));
    if (error instanceof Refused) {
      $("tabs").hidden = true;
      $("filters").hidden = true;
      $("back").hidden = true;
      say(t("webapp.refused"));
    } else {
      say(error && error.message ? error.message : t("webapp.failed"));
    }
  }

  function filterParams(extra) {
    var params = {};
    Object.keys(filters).forEach(function (name) {
      if (filters[name]) { params[name] = filters[name]; }
    });
    Object.keys(extra || {}).forEach(function (name) { params[name] = extra[name]; });
    return params;
  }

  /* --- views: each one a function drawing #view. `go` opens one: "push" keeps the way
   * back to the current one, "replace" swaps it (a list's next page), "root" starts over. */
  function go(view, how) {
    if (how === "push" && current) { trail.push(current); }
    if (how === "root") { trail = []; }
    draw(view);
  }

  function draw(view) {
    current = view;
    $("back").hidden = trail.length === 0;
    say(t("webapp.loading"));
    view().then(function () { say(""); }, failed);
  }

  function back() {
    if (trail.length) { draw(trail.pop()); }
  }

  function boardView() {
    return api("api/board", filterParams()).then(function (r) { return r.json(); })
      .then(function (board) {
        var view = $("view");
        clear(view);
        view.appendChild(el("h2", null, board.title));
        board.groups.forEach(function (group) {
          var list = el("div", "lines");
          group.forEach(function (line) {
            var button = el("button", "line" + (line.count ? "" : " zero"));
            button.type = "button";
            button.dataset.line = line.line;
            button.appendChild(el("span", "label", line.label));
            button.appendChild(el("span", "count", line.count));
            button.addEventListener("click", function () {
              go(function () { return listView(line.line, 0); }, "push");
            });
            list.appendChild(button);
          });
          view.appendChild(list);
        });
      });
  }

  function listView(line, page) {
    return api("api/list", filterParams({ line: line, page: String(page) }))
      .then(function (r) { return r.json(); })
      .then(function (found) {
        var view = $("view");
        clear(view);
        view.appendChild(el("h2", null, found.title));
        if (!found.items.length) {
          view.appendChild(el("p", "empty", t("registry.empty")));
          return;
        }
        view.appendChild(el("p", "head", found.head));
        var list = el("div", "items");
        found.items.forEach(function (item) {
          var button = el("button", "item");
          button.type = "button";
          button.dataset.item = String(item.id);
          button.appendChild(el("span", "reference", item.reference));
          button.appendChild(el("span", "meta", item.kind + " · " + item.status + " · " + item.due));
          button.appendChild(el("span", "description", item.description));
          button.addEventListener("click", function () {
            go(function () { return itemView(item.id); }, "push");
          });
          list.appendChild(button);
        });
        view.appendChild(list);
        var pager = el("div", "pager");
        if (found.page > 0) {
          pager.appendChild(pageButton(t("button.previous"), line, found.page - 1));
        }
        if (found.page + 1 < found.pages) {
          pager.appendChild(pageButton(t("button.next"), line, found.page + 1));
        }
        view.appendChild(pager);
      });
  }

  function pageButton(label, line, page) {
    var button = el("button", "page", label);
    button.type = "button";
    button.addEventListener("click", function () {
      go(function () { return listView(line, page); }, "replace");
    });
    return button;
  }

  function itemView(id) {
    return api("api/item/" + encodeURIComponent(String(id))).then(function (r) { return r.json(); })
      .then(function (item) {
        var view = $("view");
        clear(view);
        view.appendChild(el("h2", null, item.reference + " · " + item.status));
        view.appendChild(el("div", "card", item.card));
        view.appendChild(el("h3", null, item.timeline_title));
        var list = el("ol", "timeline");
        item.timeline.forEach(function (entry) { list.appendChild(el("li", null, entry)); });
        view.appendChild(list);
      });
  }

  function chartView() {
    return api("api/chart.png", filterParams()).then(function (r) { return r.blob(); })
      .then(function (png) {
        var view = $("view");
        clear(view);
        if (chartUrl) { URL.revokeObjectURL(chartUrl); }
        chartUrl = URL.createObjectURL(png);
        var image = el("img", "chart");
        image.alt = t("webapp.chart");
        image.src = chartUrl;
        view.appendChild(image);
      });
  }

  /* --- filters --- */
  function fillSelect(select, options, anyLabel) {
    clear(select);
    var any = el("option", null, anyLabel);
    any.value = "";
    select.appendChild(any);
    options.forEach(function (choice) {
      var option = el("option", null, choice.label);
      option.value = choice.value;
      select.appendChild(option);
    });
  }

  function buildFilters(options) {
    var form = $("filter-form");
    FILTERS.forEach(function (name) {
      fillSelect(form.elements[name], options[name] || [], t("webapp.any"));
    });
    var period = form.elements.period;
    clear(period);
    PERIODS.forEach(function (value) {
      var option = el("option", null, t(value ? "webapp.period_" + value : "webapp.period_any"));
      option.value = value;
      period.appendChild(option);
    });
    period.addEventListener("change", showDates);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      readFilters();
      go(current === chartView ? chartView : boardView, "root");
    });
    $("reset").addEventListener("click", function () {
      form.reset();
      showDates();
      readFilters();
      go(current === chartView ? chartView : boardView, "root");
    });
    showDates();
  }

  function showDates() {
    var form = $("filter-form");
    var range = form.elements.period.value === "range";
    Array.prototype.forEach.call(form.querySelectorAll(".dates"), function (label) {
      label.hidden = !range;
    });
  }

  function readFilters() {
    var form = $("filter-form");
    filters = {};
    FILTERS.forEach(function (name) { filters[name] = form.elements[name].value; });
    var period = form.elements.period.value;
    if (period === "range") {
      filters.from = form.elements.from.value;
      filters.to = form.elements.to.value;
    } else {
      filters.period = period;
    }
  }

  /* A pushed report opens its own period's chart: ?view=chart&from=…&to=… */
  function openingView() {
    var asked = new URLSearchParams(window.location.search);
    var form = $("filter-form");
    var day = /^\d{4}-\d{2}-\d{2}$/;
    if (day.test(asked.get("from") || "") && day.test(asked.get("to") || "")) {
      form.elements.period.value = "range";
      form.elements.from.value = asked.get("from");
      form.elements.to.value = asked.get("to");
      showDates();
      readFilters();
    }
    return asked.get("view") === "chart" ? chartView : boardView;
  }

  function applyTexts() {
    document.title = t("webapp.title");
    $("title").textContent = t("webapp.title");
    $("back").textContent = t("webapp.back");
    $("tab-board").textContent = t("webapp.board");
    $("tab-chart").textContent = t("webapp.chart");
    $("filters-title").textContent = t("webapp.filters");
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (node) {
      node.textContent = t(node.getAttribute("data-text"));
    });
  }

  function start() {
    applyTheme();
    postEvent("web_app_ready");
    postEvent("web_app_expand");
    $("back").addEventListener("click", back);
    $("tab-board").addEventListener("click", function () { go(boardView, "root"); });
    $("tab-chart").addEventListener("click", function () { go(chartView, "root"); });
    fetch("texts.json", { cache: "no-cache" }).then(function (r) { return r.json(); })
      .then(function (shell) {
        var language = launchLanguage();
        document.documentElement.lang = language === "zh_Hans" ? "zh-Hans" : "en";
        texts = shell[language] || {};
        $("title").textContent = t("webapp.title");
        say(t("webapp.loading"));
        if (!launch) { throw new Refused(); }
        return api("api/me");
      })
      .then(function (r) { return r.json(); })
      .then(function (me) {
        texts = me.texts;
        document.documentElement.lang = me.language === "zh_Hans" ? "zh-Hans" : "en";
        applyTexts();
        $("who").textContent = me.who;
        buildFilters(me.options);
        $("tabs").hidden = false;
        $("filters").hidden = false;
        go(openingView(), "root");
      })
      .catch(failed);
  }

  start();
}());
