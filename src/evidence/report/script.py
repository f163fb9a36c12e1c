"""The page's one script, inline (its SHA-256 is in the page's Content-Security-Policy, so no
other script can run). It fills the item table and the flipped items from the page's own data
and pages, filters and searches them. Text reaches the page only through `textContent`: never
`innerHTML`, never markup built from data. It makes no request; the policy forbids any."""

SCRIPT = r"""
(function () {
  "use strict";

  function node(tag, cls, text) {
    var made = document.createElement(tag);
    if (cls) { made.className = cls; }
    if (text !== undefined && text !== null) { made.textContent = String(text); }
    return made;
  }

  function number(n) { return n.toLocaleString("en-US"); }

  function bytesOf(text) {
    if (typeof Uint8Array.fromBase64 === "function") { return Uint8Array.fromBase64(text); }
    var binary = atob(text), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes;
  }

  function readData(id) {
    var holder = document.getElementById(id);
    if (!holder) { return Promise.resolve(null); }
    if (holder.type === "application/json") {
      return Promise.resolve(JSON.parse(holder.textContent));
    }
    if (typeof DecompressionStream !== "function") {
      return Promise.reject(new Error("this browser cannot unpack the page's data " +
        "(it has no DecompressionStream); open the file in a current browser"));
    }
    var stream = new Blob([bytesOf(holder.textContent.trim())]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  // The response as text, its reasoning and answer (offsets from the grader) in spans.
  function response(text, parts) {
    var box = node("div", "response");
    box.dir = "auto";
    if (!parts) {
      box.classList.add("malformed");
      box.textContent = text;
      box.title = "not in the answer format";
      return box;
    }
    var cuts = [0, parts[0], parts[1], parts[2], parts[3], text.length];
    var kinds = ["tag", "reasoning", "tag", "answer", "tag"];
    for (var i = 0; i < kinds.length; i++) {
      var piece = text.slice(cuts[i], cuts[i + 1]);
      if (piece) { box.appendChild(node("span", kinds[i], piece)); }
    }
    return box;
  }

  // Direction controls (U+202A-U+202E, U+2066-U+2069, marks) can make text read otherwise
  // than it is: the row says so, since they are invisible.
  var BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

  function outcome(correct, formatOk) {
    if (correct) { return node("span", "outcome correct", "✓ correct"); }
    return formatOk ? node("span", "outcome wrong", "✗ wrong")
                    : node("span", "outcome format", "✗ format failure");
  }

  function labelled(label, value, cls) {
    var holder = node("div", cls);
    holder.appendChild(node("span", "label-small", label));
    var shown = node("bdi", null, value === null ? "none" : value);
    holder.appendChild(shown);
    return holder;
  }

  // Buttons data-go="first|prev|next|last" and a label; calls draw(page) on a change.
  function Pager(nav, draw) {
    this.nav = nav; this.draw = draw; this.page = 0; this.pages = 1; this.total = 0;
    var self = this;
    nav.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-go]");
      if (!button) { return; }
      var go = button.getAttribute("data-go");
      var next = {first: 0, prev: self.page - 1, next: self.page + 1, last: self.pages - 1}[go];
      self.show(Math.max(0, Math.min(self.pages - 1, next)));
    });
  }
  Pager.prototype.reset = function (total, size) {
    this.total = total; this.size = size;
    this.pages = Math.max(1, Math.ceil(total / size));
    this.show(0);
  };
  Pager.prototype.show = function (page) {
    this.page = page;
    var from = page * this.size, to = Math.min(this.total, from + this.size);
    this.nav.querySelector(".page-label").textContent = "page " + number(page + 1) + " of " +
      number(this.pages);
    var buttons = this.nav.querySelectorAll("button");
    buttons[0].disabled = buttons[1].disabled = page === 0;
    buttons[2].disabled = buttons[3].disabled = page >= this.pages - 1;
    this.draw(from, to);
  };

  function pressOne(group, pressed) {
    group.querySelectorAll("button").forEach(function (button) {
      button.setAttribute("aria-pressed", button === pressed ? "true" : "false");
    });
  }

  function itemRow(row, data) {
    var tr = node("tr");
    tr.setAttribute("data-id", row[0]);
    var item = node("td");
    item.appendChild(node("div", "item-id", row[0]));
    item.appendChild(node("div", "meta", data.sections[row[1]] + " · " +
      data.categories[row[2]] + " · " + data.difficulties[row[3]]));
    item.appendChild(outcome(row[4] & 1, row[4] & 2));
    if (BIDI.test(row[7]) || BIDI.test(row[5])) {
      var warning = node("span", "outcome bidi", "direction controls");
      warning.title = "the text holds invisible characters that change its reading direction";
      item.appendChild(warning);
    }
    var text = node("td");
    text.appendChild(response(row[7], row[8]));
    var answers = node("td");
    answers.appendChild(labelled("reference", row[5], "reference"));
    answers.appendChild(labelled("extracted answer", row[6], "extracted"));
    tr.appendChild(item); tr.appendChild(text); tr.appendChild(answers);
    return tr;
  }

  function setupItems(data) {
    var section = document.getElementById("items-section");
    var body = document.querySelector("#items tbody");
    var status = document.getElementById("items-count");
    var rows = data.rows, shown = rows, lowered = null;
    var filter = {outcome: "all", section: "", category: "", difficulty: "", query: ""};
    var pager = new Pager(document.getElementById("items-pager"), function (from, to) {
      var made = [];
      for (var i = from; i < to; i++) { made.push(itemRow(shown[i], data)); }
      body.replaceChildren.apply(body, made);
      status.textContent = shown.length === 0 ? "No items match." :
        "Items " + number(from + 1) + "\u2013" + number(to) + " of " + number(shown.length) +
        (shown.length === rows.length ? "" : " (of " + number(rows.length) + " in all)");
    });

    function keep(row, index) {
      var flags = row[4];
      if (filter.outcome === "correct" && !(flags & 1)) { return false; }
      if (filter.outcome === "wrong" && (flags & 1)) { return false; }
      if (filter.outcome === "format" && (flags & 2)) { return false; }
      if (filter.section !== "" && row[1] !== +filter.section) { return false; }
      if (filter.category !== "" && row[2] !== +filter.category) { return false; }
      if (filter.difficulty !== "" && row[3] !== +filter.difficulty) { return false; }
      return filter.query === "" || lowered[index].indexOf(filter.query) !== -1;
    }

    function apply() {
      if (filter.query !== "" && lowered === null) {
        lowered = rows.map(function (row) {
          return (row[0] + "\n" + row[7] + "\n" + row[5]).toLowerCase();
        });
      }
      shown = rows.filter(keep);
      pager.reset(shown.length, data.page);
    }

    var outcomes = section.querySelector(".outcomes");
    outcomes.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-outcome]");
      if (!button) { return; }
      pressOne(outcomes, button);
      filter.outcome = button.getAttribute("data-outcome");
      apply();
    });
    ["section", "category", "difficulty"].forEach(function (name) {
      document.getElementById("filter-" + name).addEventListener("change", function (event) {
        filter[name] = event.target.value;
        apply();
      });
    });
    var waiting = null;
    document.getElementById("filter-search").addEventListener("input", function (event) {
      clearTimeout(waiting);
      waiting = setTimeout(function () {
        filter.query = event.target.value.trim().toLowerCase();
        apply();
      }, 120);
    });
    section.querySelectorAll(".controls [disabled]").forEach(function (control) {
      control.disabled = false;
    });
    apply();
    section.setAttribute("data-ready", "true");
  }

  function side(title, text, answer, parts) {
    var holder = node("div", "side");
    holder.appendChild(node("h4", null, title));
    holder.appendChild(labelled("extracted answer", answer, "extracted"));
    holder.appendChild(response(text, parts));
    return holder;
  }

  function flipCard(flip) {
    var card = node("article", "flip");
    card.setAttribute("data-id", flip[0]);
    card.appendChild(node("div", "item-id", flip[0]));
    card.appendChild(node("div", "meta", flip[1] + " · " + flip[2] + " · " + flip[3]));
    card.appendChild(labelled("reference", flip[4], "reference"));
    var sides = node("div", "sides");
    sides.appendChild(side("baseline", flip[5], flip[6], flip[7]));
    sides.appendChild(side("this run", flip[8], flip[9], flip[10]));
    card.appendChild(sides);
    return card;
  }

  function setupFlips(data) {
    var holder = document.getElementById("flips");
    var tabs = holder.parentNode.querySelector(".outcomes");
    var list = data.fixed;
    var pager = new Pager(document.getElementById("flips-pager"), function (from, to) {
      var made = list.slice(from, to).map(flipCard);
      if (made.length === 0) { made = [node("p", "note", "None.")]; }
      holder.replaceChildren.apply(holder, made);
    });
    tabs.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-list]");
      if (!button) { return; }
      pressOne(tabs, button);
      list = data[button.getAttribute("data-list")];
      pager.reset(list.length, 20);
    });
    tabs.querySelectorAll("[disabled]").forEach(function (tab) { tab.disabled = false; });
    pager.reset(list.length, 20);
    holder.setAttribute("data-ready", "true");
  }

  function failed(where) {
    return function (error) {
      var place = document.getElementById(where);
      if (place) { place.textContent = "This part could not be shown: " + error.message; }
    };
  }

  // A large page carries its first rows plain: shown at once, before the rest is unpacked.
  function preview(first) {
    var made = first.rows.map(function (row) { return itemRow(row, first); });
    var body = document.querySelector("#items tbody");
    body.replaceChildren.apply(body, made);
    document.getElementById("items-count").textContent = "Items 1\u2013" +
      number(made.length) + " of " + number(first.total) + " (reading the rest)";
  }

  // Resolves once the browser has painted what is on the page now.
  function afterPaint() {
    return new Promise(function (resolve) {
      requestAnimationFrame(function () { setTimeout(resolve, 0); });
    });
  }

  readData("items-first").then(function (first) { if (first) { preview(first); } })
    .then(afterPaint)
    .then(function () { return readData("items-data"); })
    .then(function (data) { if (data) { setupItems(data); } })
    .catch(failed("items-count"));
  readData("flips-data").then(function (data) { if (data) { setupFlips(data); } })
    .catch(failed("flips"));
})();
"""
