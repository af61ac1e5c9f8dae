// cspulse wallboard: renders the snapshots pushed on /api/events (Server-Sent Events).
// No build step. Every number shows the event time it is as of; when the data is stale,
// a source is unreachable or this page has lost the server, a banner says so and the
// tiles are greyed rather than shown as current.
"use strict";

(() => {
  const BOARDS = { support: "Support", revenue: "Revenue", voc: "Voice of customer" };
  const PRIORITIES = ["urgent", "high", "normal", "low"];
  const RATING = {
    promoter: "good", passive: "warn", detractor: "bad",
    satisfied: "good", neutral: "warn", dissatisfied: "bad", easy: "good", difficult: "bad",
  };
  const asked = new URLSearchParams(location.search).get("board");
  const board = asked in BOARDS ? asked : null;  // null: every board
  const $ = (id) => document.getElementById(id);

  let last = null;        // the latest snapshot
  let receivedAt = 0;     // Date.now() when it arrived
  let connected = false;  // the EventSource is open

  function duration(s) {
    s = Math.max(0, Math.round(s));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor(s % 3600 / 60)).padStart(2, "0")}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor(s % 86400 / 3600)}h`;
  }

  function money(v) {
    const abs = Math.abs(v);
    if (abs >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
    return v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  }

  const FORMAT = {
    money,
    ratio: (v) => `${(v * 100).toFixed(1)}%`,
    percent: (v) => `${v.toFixed(1)}%`,
    score: (v) => `${Math.round(v)}`,
    mean: (v) => v.toFixed(2),
    seconds: duration,
    count: (v) => Math.round(v).toLocaleString("en-US"),
  };

  const clock = (t) => new Date(t * 1000).toLocaleTimeString("en-GB");
  const elapsed = () => (Date.now() - receivedAt) / 1000;

  function tileFor(key, kpi) {
    let el = $(`kpi-${key}`);
    if (!el) {
      el = document.createElement("article");
      el.className = "tile";
      el.id = `kpi-${key}`;
      for (const part of ["title", "value", "sub", "fresh"]) {
        const child = document.createElement(part === "title" ? "h2" : "div");
        child.className = part;
        el.appendChild(child);
      }
      $("tiles").appendChild(el);
    }
    el.querySelector(".title").textContent = kpi.title;
    return el;
  }

  function subline(kpi) {
    const bits = [];
    if (kpi.target != null) bits.push(`target ${duration(kpi.target)}`);
    if (kpi.parts && kpi.value != null) {
      const names = Object.keys(kpi.parts).sort((a, b) => PRIORITIES.indexOf(a) - PRIORITIES.indexOf(b));
      bits.push(names.map((p) => `${p} ${Math.round(kpi.parts[p])}`).join(" · ") || "none");
    }
    return bits.join(" · ");
  }

  function renderTile(key, kpi, currency) {
    const el = tileFor(key, kpi);
    const value = el.querySelector(".value");
    value.textContent = kpi.value == null ? "—" : FORMAT[kpi.unit](kpi.value);
    if (kpi.unit === "money" && kpi.value != null && currency) {
      const code = document.createElement("small");
      code.textContent = currency;
      value.appendChild(code);
    }
    el.querySelector(".sub").textContent = subline(kpi);
    el.dataset.value = kpi.value == null ? "" : String(kpi.value);
    el.dataset.status = kpi.status;
    el.dataset.asOf = kpi.as_of == null ? "" : String(kpi.as_of);
    el.dataset.stale = String(kpi.stale);
    el.hidden = board != null && !kpi.boards.includes(board);
  }

  function renderComments(comments) {
    const list = $("comments");
    list.replaceChildren();
    $("comments-panel").hidden = board != null && board !== "voc";
    if (comments == null) {
      list.appendChild(Object.assign(document.createElement("li"), { textContent: "Redis unreachable: no comments shown" }));
      return;
    }
    if (comments.length === 0) {
      list.appendChild(Object.assign(document.createElement("li"), { textContent: "No survey comments yet" }));
    }
    for (const c of comments) {
      const li = document.createElement("li");
      li.className = "comment";
      const badge = Object.assign(document.createElement("span"), {
        className: `badge ${RATING[c.rating] || ""}`,
        textContent: `${c.survey.toUpperCase()} ${c.score} · ${c.rating}`,
      });
      const text = Object.assign(document.createElement("q"), { textContent: c.comment });
      const when = Object.assign(document.createElement("time"), {
        textContent: [new Date(c.occurred_at).toLocaleString("en-GB"), c.channel, c.team].filter(Boolean).join(" · "),
      });
      li.append(badge, " ", text, when);
      list.appendChild(li);
    }
  }

  function renderAtRisk(accounts) {
    // The workers' health scores (Redis); no scored customer, no panel.
    const panel = $("at-risk-panel");
    panel.hidden = accounts == null || (board != null && board !== "revenue");
    const list = $("at-risk");
    list.replaceChildren();
    for (const a of accounts || []) {
      const li = document.createElement("li");
      li.textContent = a.name || a.customer_id;
      const meta = [a.band, a.score != null ? `score ${a.score}` : null, a.mrr != null ? `MRR ${money(a.mrr)}` : null, a.reason];
      li.appendChild(Object.assign(document.createElement("span"), { className: "meta", textContent: meta.filter((m) => m != null).join(" · ") }));
      list.appendChild(li);
    }
  }

  function render(snap) {
    last = snap;
    receivedAt = Date.now();
    document.body.dataset.at = String(snap.at);
    for (const [key, kpi] of Object.entries(snap.kpis)) renderTile(key, kpi, snap.currency);
    for (const el of document.querySelectorAll(".tile")) {
      if (!(el.id.slice(4) in snap.kpis)) el.remove();  // an optional series went away
    }
    renderComments(snap.comments);
    renderAtRisk(snap.at_risk);
    $("workers").textContent = snap.workers ? `${snap.workers.up}/${snap.workers.targets}` : "?";
    $("refresh").textContent = duration(snap.refresh_seconds);
    $("stale-after").textContent = duration(snap.stale_after_seconds);
    tick();
  }

  function tick() {
    $("clock").textContent = new Date().toLocaleTimeString("en-GB");
    const problems = [];
    // Without a snapshot for a few refreshes, the numbers on screen are old however they look.
    const late = last && elapsed() > Math.max(3 * last.refresh_seconds, last.refresh_seconds + 5);
    if (!connected || late) {
      problems.push(last ? `Lost the wallboard server: showing numbers from ${clock(last.at)}, reconnecting…` : "Connecting to the wallboard server…");
    }
    if (last) {
      problems.push(...last.problems);
      $("updated").textContent = `${clock(last.at)} (${duration(elapsed())} ago)`;
      for (const [key, kpi] of Object.entries(last.kpis)) {
        const el = $(`kpi-${key}`);
        if (!el) continue;
        const age = kpi.age_seconds == null ? null : kpi.age_seconds + elapsed();
        if (age != null && age > last.stale_after_seconds) el.dataset.stale = "true";
        const when = age == null ? "" : age < 0 ? "stamped ahead of this clock" : `${duration(age)} ago`;
        const none = last.sources.prometheus.ok ? "no events yet" : "event time unknown";
        el.querySelector(".fresh").textContent = kpi.as_of == null ? none : `as of ${clock(kpi.as_of)} (${when})`;
      }
    }
    const banner = $("banner");
    banner.replaceChildren(...problems.map((p) => Object.assign(document.createElement("div"), { textContent: p })));
    banner.hidden = problems.length === 0;
    const stale = last && (last.stale || document.querySelector('.tile[data-stale="true"]:not([hidden])'));
    document.body.dataset.state = !connected || late ? "offline" : stale ? "stale" : problems.length ? "degraded" : "live";
  }

  function connect() {
    const source = new EventSource("/api/events");  // reconnects by itself (server sends retry)
    source.onopen = () => { connected = true; tick(); };
    source.onerror = () => {
      connected = false;
      tick();
      // A refused or failed response closes an EventSource for good: start a new one.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    };
    source.addEventListener("kpis", (event) => { connected = true; render(JSON.parse(event.data)); });
  }

  if (board) {
    document.body.dataset.board = board;
    $("board-name").textContent = BOARDS[board];
    document.title = `cspulse · ${BOARDS[board]}`;
  }
  setInterval(tick, 1000);
  tick();
  connect();
})();
