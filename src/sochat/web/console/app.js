// sochat agent console. Built only on sochat's documented API: /api/login, the Agents/Chat
// methods, REST ChatSession (archive, PATCH, typing, files), the agent event stream, and the
// sochat extensions /api/v1/QuickReply and /api/v1/CrmSearch. Everything a visitor typed
// is put into the page with textContent, never as HTML.

import { ApiError, BASE, agent, downloadUrl, login, logout, openEvents, parseDate, request } from "./api.js";
import {
  LANGUAGES,
  formatDateTime,
  formatDuration,
  formatTime,
  language,
  languageName,
  setLanguage,
  t,
  translate,
} from "./i18n.js";

const $ = (id) => document.getElementById(id);
const ACTIVE = new Set(["CustomerLast", "UserLast"]);
const ENDED = new Set(["Finished", "Closed", "ClosedFromQueue", "RequestPosted", "Deleted"]);
const RECENT_MS = 8 * 3600 * 1000;
const EMOJI = [
  ["😀", "grinning"], ["😊", "smile"], ["😉", "wink"], ["😂", "laughing"], ["🙂", "slight smile"],
  ["😅", "sweat smile"], ["🤔", "thinking"], ["😮", "surprised"], ["😢", "sad"], ["🙏", "thank you"],
  ["👍", "thumbs up"], ["👎", "thumbs down"], ["👋", "wave"], ["👏", "applause"], ["💪", "strong"],
  ["🎉", "party"], ["✅", "done"], ["❌", "no"], ["⚠️", "warning"], ["💡", "idea"],
  ["❤️", "heart"], ["⭐", "star"], ["🔥", "fire"], ["☕", "coffee"], ["📎", "attachment"],
  ["📧", "e-mail"], ["📞", "phone"], ["🔒", "lock"], ["🔑", "key"], ["⏳", "hourglass"],
  ["🚀", "rocket"], ["👀", "looking"],
];

// ---------------------------------------------------------------------------------------
// State

const S = {
  me: null, // {AssociateId, UserName, FullName}
  topics: new Map(), // id -> ChatTopicEntity
  rights: new Map(), // topic id -> {CanRespond, CanListen, CanManage, CanNotify}
  admin: false,
  sessions: new Map(), // id -> ChatSessionEntity
  today: new Map(), // id -> {topic, requested, started, ended, status}
  presence: new Map(), // user id -> ChatPresence
  present: false,
  filter: 0,
  view: "dashboard",
  openId: 0,
  chats: new Map(), // id -> {messages: Map, lastId, unread, loaded, el}
  listening: new Set(), // read-only windows: listen-in, or a chat transferred away
  closedWindows: new Set(),
  formerly: new Set(), // chats this agent handed over (read-only afterwards)
  typing: new Map(), // session id -> when the visitor was last seen typing
  drafts: new Map(),
  quick: [],
  notified: new Set(),
  muted: false,
  stream: null,
  rows: { incoming: new Map(), ongoing: new Map() },
  typingSent: 0,
  typingTimer: 0,
};
const perf = (window.__sochatPerf = []);

// ---------------------------------------------------------------------------------------
// Small helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

function customer(s) {
  return (s && (s.CustomerName || s.CustomerAlias || s.CustomerEmail)) || t("anon");
}

function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

function topicName(id) {
  const tp = S.topics.get(id);
  return tp ? tp.Name : `#${id}`;
}

function rights(topicId) {
  // An administrator who is no member of a channel may still answer and manage there.
  const admin = S.admin && !S.rights.has(topicId);
  return S.rights.get(topicId) || { CanRespond: admin, CanListen: admin, CanManage: admin, CanNotify: false };
}

const ownerId = (s) => (s && s.User ? s.User.AssociateId : 0);
const transferId = (s) => (s && s.TransferTo ? s.TransferTo.AssociateId : 0);
const agentName = (a) => (a ? a.FullName || a.Name || a.UserName || "" : "");
const isMine = (s) => ACTIVE.has(s.Status) && ownerId(s) === S.me.AssociateId;
const inFilter = (s) => !S.filter || s.TopicId === S.filter;

function toast(text, kind = "info") {
  const el = h("div", { class: `toast toast-${kind}`, text });
  $("toasts").append(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 4000);
  if (kind === "error") $("alerts").textContent = text;
}

function fail(err) {
  if (err instanceof ApiError && err.status === 401) return signedOut(t("err.session"));
  const message = err && err.message ? err.message : String(err);
  toast(t("err.failed", { message }), "error");
}

// The visitor typing: SuperOffice's Flags cannot show it (its CustomerIsTyping is 0), so
// sochat's stream events carry CustomerIsTyping as a boolean; a flag lasts 10 s unrenewed.
const TYPING_MS = 10000;
function customerTyping(s) {
  const seen = s && S.typing.get(s.ChatSessionId);
  return !!seen && Date.now() - seen < TYPING_MS;
}

// ---------------------------------------------------------------------------------------
// Sign-in

function fillLanguages(select) {
  select.replaceChildren(...LANGUAGES.map((code) => h("option", { value: code, text: languageName(code) })));
  select.value = language();
  select.addEventListener("change", () => {
    setLanguage(select.value);
    for (const other of [$("signin-language"), $("language")]) other.value = select.value;
    translate(document);
    refreshTexts();
  });
}

function showSignin(message) {
  $("app").hidden = true;
  $("signin").hidden = false;
  const err = $("signin-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("signin-user").focus();
}

function signedOut(message) {
  if (S.stream) S.stream.close();
  S.stream = null;
  sessionStorage.removeItem("sochat.me");
  showSignin(message);
}

async function onSignin(ev) {
  ev.preventDefault();
  const user = $("signin-user").value.trim();
  const password = $("signin-password").value;
  const button = $("signin-submit");
  if (!user || !password) {
    showSignin(t("signin.user") + " / " + t("signin.password"));
    return;
  }
  button.disabled = true;
  button.textContent = t("signin.busy");
  try {
    const me = await login(user, password);
    sessionStorage.setItem("sochat.me", JSON.stringify(me));
    $("signin-password").value = "";
    await start(me);
  } catch (err) {
    showSignin(err.message || String(err));
  } finally {
    button.disabled = false;
    button.textContent = t("signin.submit");
  }
}

// ---------------------------------------------------------------------------------------
// Start-up: load what the dashboard shows, then follow the event stream

async function start(me) {
  S.me = { ...me, FullName: me.UserName };
  const [topics, presence, sessions] = await Promise.all([
    agent("ChatTopicsForUser"),
    agent("GetChatPresence"),
    agent("ChatSessionsForUser"),
  ]);
  S.topics = new Map((topics || []).map((tp) => [tp.ChatTopicId, tp]));
  const memberships = await Promise.all(
    [...S.topics.keys()].map((id) =>
      agent("GetChatTopicUserAgent", { chatTopicId: id, username: me.UserName }).catch(() => null),
    ),
  );
  S.rights = new Map();
  [...S.topics.keys()].forEach((id, i) => {
    const m = memberships[i];
    if (m) {
      S.rights.set(id, m);
      if (m.User && m.User.FullName) S.me.FullName = m.User.FullName;
    }
  });
  // Chat administrators get full rights on channels (TableRight FULL), and see channels
  // they are no member of (ChatTopicsForUser answers all of them).
  S.admin =
    [...S.topics.values()].some((tp) => tp.TableRight && tp.TableRight.Mask === "FULL") ||
    [...S.topics.keys()].some((id) => !S.rights.has(id));
  setPresence(presence || []);
  S.sessions = new Map((sessions || []).map((s) => [s.ChatSessionId, s]));
  await loadOpen().catch(() => null);
  for (const s of S.sessions.values()) noteToday(s);
  await loadToday().catch(() => null);
  S.quick = await request("/api/v1/QuickReply").catch(() => []);

  $("signin").hidden = true;
  $("app").hidden = false;
  $("me-name").textContent = S.me.FullName;
  $("tab-admin").hidden = !S.admin;
  fillChannelFilter();
  renderDashboard();
  renderChatList();
  updateCounters();
  showView(S.view);
  connect();
}

// ChatSessionsForUser answers at most 500 sessions; the archive completes the open ones
// (queue and ongoing) as summaries. A summary becomes a full entity with its next event, or
// when the agent opens it.
async function loadOpen() {
  for (let skip = 0; skip < 5000; skip += 1000) {
    const page = await request("/api/v1/ChatSession", {
      query: {
        $select:
          "chatSessionId,chatTopic/chatTopicId,customerName,customerAlias,customerEmail,firstMessage,lastMessage,whenRequested,whenStarted,status,userId,associate/fullName,transferTo",
        $filter: "status oneOf('InQueue','CustomerLast','UserLast')",
        $top: 1000,
        $skip: skip,
      },
    });
    const rows = (page && page.value) || [];
    for (const r of rows) {
      if (S.sessions.has(r.chatSessionId)) continue;
      S.sessions.set(r.chatSessionId, {
        partial: true,
        ChatSessionId: r.chatSessionId,
        TopicId: r["chatTopic/chatTopicId"],
        CustomerName: r.customerName || "",
        CustomerAlias: r.customerAlias || "",
        CustomerEmail: r.customerEmail || "",
        FirstMessage: r.firstMessage || "",
        LastMessage: r.lastMessage || "",
        WhenRequested: r.whenRequested,
        WhenStarted: r.whenStarted,
        WhenEnded: null,
        Status: r.status,
        User: r.userId ? { AssociateId: r.userId, FullName: r["associate/fullName"] || "" } : null,
        TransferTo: r.transferTo ? { AssociateId: r.transferTo, FullName: "" } : null,
        AlertLevel: 0,
        Rank: 0,
        Flags: "",
      });
    }
    if (rows.length < 1000) break;
  }
}

async function loadToday() {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const iso = midnight.toISOString().slice(0, 16);
  const page = await request("/api/v1/ChatSession", {
    query: {
      $select: "chatSessionId,chatTopic/chatTopicId,status,whenRequested,whenStarted,whenEnded",
      $filter: `whenRequested afterTime '${iso}'`,
      $top: 1000,
    },
  });
  for (const row of (page && page.value) || []) {
    S.today.set(row.chatSessionId, {
      topic: row["chatTopic/chatTopicId"],
      requested: parseDate(row.whenRequested),
      started: parseDate(row.whenStarted),
      status: row.status,
    });
  }
}

function noteToday(s) {
  const requested = parseDate(s.WhenRequested);
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  if (!requested || requested < midnight) return;
  S.today.set(s.ChatSessionId, {
    topic: s.TopicId,
    requested,
    started: parseDate(s.WhenStarted),
    status: s.Status,
  });
}

function setPresence(list) {
  S.presence = new Map(list.map((p) => [p.UserId, p]));
  const mine = S.presence.get(S.me.AssociateId);
  S.present = !!(mine && mine.Present);
  if (mine && mine.DisplayName) S.me.FullName = mine.DisplayName;
  renderPresence();
}

function fillChannelFilter() {
  const sel = $("channel-filter");
  const options = [h("option", { value: "0", text: t("top.allChannels") })];
  for (const tp of [...S.topics.values()].sort((a, b) => a.Name.localeCompare(b.Name))) {
    options.push(h("option", { value: String(tp.ChatTopicId), text: tp.Name }));
  }
  sel.replaceChildren(...options);
  sel.value = String(S.filter);
}

// ---------------------------------------------------------------------------------------
// The event stream

function connect() {
  if (S.stream) S.stream.close();
  S.stream = openEvents(onEvent, {
    onState(state) {
      const conn = $("conn");
      conn.className = `conn conn-${state}`;
      conn.textContent = state === "open" ? t("top.live") : t("top.reconnecting");
      if (state === "unauthorized") signedOut(t("err.session"));
      if (state === "open" && S.resync) refresh();
      if (state === "retry") S.resync = true;
    },
  });
}

async function refresh() {
  // After a gap the stream resumes from its cursor; presence is not an event, so re-read it.
  S.resync = false;
  try {
    setPresence((await agent("GetChatPresence")) || []);
  } catch (err) {
    fail(err);
  }
}

function onEvent(name, env) {
  const t0 = performance.now();
  if (name === "chatsession.message") {
    if (env.Data) onMessage(env.Data);
  } else {
    const id = env.PrimaryKey;
    if (env.CustomerIsTyping) S.typing.set(id, Date.now());
    else S.typing.delete(id);
    if (env.Data) upsertSession(env.Data);
    else if (S.sessions.has(id)) {
      S.sessions.delete(id);
      sessionChanged(id, null);
    }
  }
  perf.push(performance.now() - t0);
  if (perf.length > 5000) perf.splice(0, perf.length - 5000);
}

function upsertSession(s) {
  const before = S.sessions.get(s.ChatSessionId) || null;
  S.sessions.set(s.ChatSessionId, s);
  noteToday(s);
  // Presence counts change with chats; the list of present agents changes with SaveChatPresence,
  // which is no chat event: keep OngoingChats roughly right locally.
  sessionChanged(s.ChatSessionId, before);
}

function sessionChanged(id, before) {
  const s = S.sessions.get(id) || null;
  const me = S.me.AssociateId;
  if (s && before) {
    // A chat I owned now belongs to someone else: I transferred it (A17), read-only.
    if (ownerId(before) === me && ownerId(s) !== me && ACTIVE.has(s.Status) && !S.closedWindows.has(id)) {
      S.listening.add(id);
      S.formerly.add(id);
    }
    if (transferId(s) === me && transferId(before) !== me) {
      alertUser(t("notify.transfer", { name: agentName(s.User) }), customer(s), `transfer-${id}`);
      // ui.md 2.3: a chat transferred to the agent opens by itself (unless one is open).
      if (!S.openId) setTimeout(() => openChat(id), 0);
    }
    if (ownerId(s) === me && ownerId(before) !== me) S.closedWindows.delete(id);
  } else if (s && !before && transferId(s) === me) {
    alertUser(t("notify.transfer", { name: agentName(s.User) }), customer(s), `transfer-${id}`);
  }
  if (s && s.Status === "InQueue" && s.AlertLevel > 0) checkWarning(s, Date.now());
  updateDashboardRow(id);
  renderChatList();
  updateCounters();
  if (S.openId === id) renderConversationState();
}

function onMessage(m) {
  const id = m.ChatSessionId;
  if (m.Type === "ToUser" && S.typing.delete(id) && S.openId === id) renderConversationState();
  const chat = S.chats.get(id);
  const s = S.sessions.get(id);
  if (chat && chat.loaded) {
    if (!chat.messages.has(m.ChatMessageId)) {
      chat.messages.set(m.ChatMessageId, m);
      if (S.openId === id) appendMessage(m);
    }
  }
  if (m.Type === "ToUser") {
    const focused = S.openId === id && S.view === "chats" && document.hasFocus();
    if (!focused && s && (isMine(s) || S.listening.has(id))) {
      const c = chatState(id);
      c.unread += 1;
      if (isMine(s)) alertUser(t("notify.message", { name: customer(s) }), m.Message, `msg-${id}`, { quiet: true });
    }
    renderChatList();
  }
}

function chatState(id) {
  let c = S.chats.get(id);
  if (!c) {
    c = { messages: new Map(), lastId: 0, unread: 0, loaded: false };
    S.chats.set(id, c);
  }
  return c;
}

// ---------------------------------------------------------------------------------------
// Views and counters

function showView(view) {
  S.view = view;
  $("view-dashboard").hidden = view !== "dashboard";
  $("view-chats").hidden = view !== "chats";
  for (const [tab, name] of [["tab-dashboard", "dashboard"], ["tab-chats", "chats"]]) {
    if (name === view) $(tab).setAttribute("aria-current", "page");
    else $(tab).removeAttribute("aria-current");
  }
  if (view === "chats" && S.openId) {
    chatState(S.openId).unread = 0;
    renderChatList();
  }
}

function updateCounters() {
  let queue = 0;
  let mine = 0;
  let unanswered = 0;
  for (const s of S.sessions.values()) {
    if (s.Status === "InQueue" && !s.ChatbotIsActive) {
      unanswered += 1;
      if (inFilter(s)) queue += 1;
    }
    if (isMine(s)) mine += 1;
  }
  let answered = 0;
  let missed = 0;
  let waitSum = 0;
  for (const d of S.today.values()) {
    if (S.filter && d.topic !== S.filter) continue;
    if (d.started) {
      answered += 1;
      waitSum += Math.max(0, d.started - d.requested);
    } else if (d.status === "ClosedFromQueue") missed += 1;
  }
  let agents = 0;
  for (const p of S.presence.values()) {
    if (p.Present && (!S.filter || (p.ChatTopics || []).includes(S.filter))) agents += 1;
  }
  $("stat-queue").textContent = String(queue);
  $("stat-mine").textContent = String(mine);
  $("stat-answered").textContent = String(answered);
  $("stat-missed").textContent = String(missed);
  $("stat-wait").textContent = answered ? formatDuration(waitSum / answered / 1000) : "–";
  $("stat-agents").textContent = String(agents);
  $("count-dashboard").textContent = String(unanswered);
  $("count-chats").textContent = String(mine);
  $("queue-num").textContent = String(queue);
  document.title = (unanswered ? `(${unanswered}) ` : "") + t("app.title");
}

// Dashboard rows are kept by session id and touched one at a time: 500 queued chats and 50
// ongoing ones stay cheap to update (see the performance figure in docs/console.md).
function renderDashboard() {
  for (const table of ["incoming", "ongoing"]) {
    S.rows[table].clear();
    $(`${table}-body`).replaceChildren();
  }
  const sorted = [...S.sessions.values()].sort((a, b) => a.ChatSessionId - b.ChatSessionId);
  for (const s of sorted) updateDashboardRow(s.ChatSessionId, true);
  emptyStates();
}

function emptyStates() {
  $("incoming-empty").hidden = S.rows.incoming.size > 0;
  $("ongoing-empty").hidden = S.rows.ongoing.size > 0;
}

function updateDashboardRow(id, bulk = false) {
  const s = S.sessions.get(id);
  const want = !s || !inFilter(s) ? null : s.Status === "InQueue" && !s.ChatbotIsActive ? "incoming" : ACTIVE.has(s.Status) ? "ongoing" : null;
  for (const table of ["incoming", "ongoing"]) {
    const row = S.rows[table].get(id);
    if (row && table !== want) {
      row.remove();
      S.rows[table].delete(id);
    }
  }
  if (want) {
    const old = S.rows[want].get(id);
    const row = want === "incoming" ? incomingRow(s) : ongoingRow(s);
    if (old) old.replaceWith(row);
    else insertSorted($(`${want}-body`), row, S.rows[want], s);
    S.rows[want].set(id, row);
  }
  if (!bulk) emptyStates();
}

function insertSorted(body, row, rows, s) {
  // Oldest first; new sessions nearly always come last, so look from the end.
  const key = s.ChatSessionId;
  let next = null;
  for (let el = body.lastElementChild; el; el = el.previousElementSibling) {
    if (Number(el.dataset.id) < key) break;
    next = el;
  }
  body.insertBefore(row, next);
}

function custCell(s, name) {
  return h(
    "td",
    {},
    h(
      "span",
      { class: "cust" },
      h("span", { class: "avatar sm", "aria-hidden": "true", text: initials(name) }),
      h("span", { class: "cust-text" }, h("span", { text: name }), h("span", { class: "cust-channel", text: topicName(s.TopicId) })),
    ),
  );
}

function incomingRow(s) {
  const r = rights(s.TopicId);
  const requested = parseDate(s.WhenRequested);
  const waited = requested ? (Date.now() - requested) / 1000 : 0;
  const name = customer(s);
  const row = h(
    "tr",
    {
      "data-id": s.ChatSessionId,
      class: s.AlertLevel > 0 || S.notified.has(`${s.ChatSessionId}:1`) || S.notified.has(`${s.ChatSessionId}:2`) ? "alert" : "", ondblclick: () => r.CanRespond && pickUp(s.ChatSessionId) },
    custCell(s, name),
    h("td", { class: "col-channel", text: topicName(s.TopicId) }),
    h("td", { class: "waiting", "data-since": requested ? requested.getTime() : "", text: formatDuration(waited) }),
    h("td", { class: "col-question q", text: s.FirstMessage || s.LastMessage || "" }),
    h(
      "td",
      { class: "act" },
      r.CanRespond
        ? h("button", { type: "button", class: "btn btn-primary btn-sm", "aria-label": `${t("act.pickup")}: ${name}`, text: t("act.pickup"), onclick: () => pickUp(s.ChatSessionId) })
        : h("span", { class: "muted small", title: t("err.noRespond"), text: "—" }),
    ),
  );
  return row;
}

function ongoingRow(s) {
  const r = rights(s.TopicId);
  const mine = ownerId(s) === S.me.AssociateId;
  const name = customer(s);
  const actions = h("td", { class: "act" });
  if (mine) actions.append(h("button", { type: "button", class: "btn btn-sm", text: t("act.open"), "aria-label": `${t("act.open")}: ${name}`, onclick: () => openChat(s.ChatSessionId) }));
  else {
    if (r.CanListen) actions.append(h("button", { type: "button", class: "btn btn-sm", text: t("act.listen"), "aria-label": `${t("act.listen")}: ${name}`, onclick: () => listen(s.ChatSessionId) }));
    if (r.CanManage) actions.append(h("button", { type: "button", class: "btn btn-sm", text: t("act.takeover"), "aria-label": `${t("act.takeover")}: ${name}`, onclick: () => takeOver(s.ChatSessionId) }));
  }
  return h(
    "tr",
    { "data-id": s.ChatSessionId, ondblclick: () => (mine ? openChat(s.ChatSessionId) : r.CanListen && listen(s.ChatSessionId)) },
    custCell(s, name),
    h("td", { class: "col-channel", text: topicName(s.TopicId) }),
    h("td", { class: "nowrap", text: agentName(s.User) }),
    h("td", { class: "col-started nowrap", text: formatTime(parseDate(s.WhenStarted)) }),
    actions,
  );
}

// One timer for clocks and warnings (no data is polled: sessions come from the stream).
function tick() {
  const now = Date.now();
  if (S.openId && $("typing").textContent && !customerTyping(S.sessions.get(S.openId))) $("typing").textContent = "";
  for (const row of S.rows.incoming.values()) {
    const cell = row.children[2];
    const since = Number(cell.dataset.since);
    if (since) cell.textContent = formatDuration((now - since) / 1000);
  }
  for (const s of S.sessions.values()) if (s.Status === "InQueue" && !s.ChatbotIsActive) checkWarning(s, now);
}

// A13/A14: after the channel's warning minutes a Present agent with Notifications hears and
// sees a warning; managers after the manager minutes, while some agent is Present.
function checkWarning(s, now) {
  const tp = S.topics.get(s.TopicId);
  const requested = parseDate(s.WhenRequested);
  if (!tp || !requested) return;
  const r = rights(s.TopicId);
  const waitedMin = (now - requested.getTime()) / 60000;
  const name = customer(s);
  const time = formatDuration((now - requested.getTime()) / 1000);
  const channel = tp.Name;
  const warnAt = tp.WarnNewChatMinutes;
  if (S.present && r.CanNotify && (warnAt > 0 ? waitedMin >= warnAt : s.AlertLevel >= 1)) {
    const key = `${s.ChatSessionId}:1`;
    if ((warnAt > 0 || s.AlertLevel >= 1) && !S.notified.has(key)) {
      S.notified.add(key);
      alertUser(t("warn.title", { name }), t("warn.body", { name, time, channel }), `warn-${s.ChatSessionId}`);
      markAlert(s.ChatSessionId);
    }
  }
  const managerAt = tp.WarnManagerNewChatMinutes;
  const anyonePresent = [...S.presence.values()].some((p) => p.Present);
  if (r.CanManage && anyonePresent && (managerAt > 0 ? waitedMin >= managerAt : s.AlertLevel >= 2)) {
    const key = `${s.ChatSessionId}:2`;
    if ((managerAt > 0 || s.AlertLevel >= 2) && !S.notified.has(key)) {
      S.notified.add(key);
      alertUser(t("warn.title", { name }), t("warn.manager", { name, time, channel }), `mgr-${s.ChatSessionId}`);
      markAlert(s.ChatSessionId);
    }
  }
}

function markAlert(id) {
  const row = S.rows.incoming.get(id);
  if (row) row.classList.add("alert");
}

let chime = null;
function alertUser(title, body, tag, { quiet = false } = {}) {
  if (!quiet || document.hidden) {
    if (!S.muted) {
      chime = chime || new Audio(`${BASE}/console/chime.wav`);
      chime.currentTime = 0;
      chime.play().catch(() => null);
    }
  }
  if (!quiet) toast(`${title} — ${body}`, "warn");
  if ("Notification" in window && Notification.permission === "granted" && (!quiet || document.hidden)) {
    try {
      const n = new Notification(title, { body, tag, icon: `${BASE}/console/icon.svg` });
      n.onclick = () => window.focus();
    } catch {
      /* some browsers only notify from a service worker */
    }
  }
}

// ---------------------------------------------------------------------------------------
// Presence

function renderPresence() {
  const b = $("presence");
  b.setAttribute("aria-checked", String(S.present));
  b.classList.toggle("on", S.present);
  $("presence-text").textContent = S.present ? t("top.present") : t("top.away");
  b.setAttribute("aria-label", `${t("top.presence")}: ${S.present ? t("top.present") : t("top.away")}`);
  updateCounters();
}

async function togglePresence() {
  const want = !S.present;
  try {
    await agent("SaveChatPresence", { chatPresence: [{ UserId: S.me.AssociateId, Present: want }] });
    setPresence((await agent("GetChatPresence")) || []);
  } catch (err) {
    fail(err);
  }
}

// ---------------------------------------------------------------------------------------
// Queue: pick up one, or the next

async function pickUp(id) {
  try {
    const s = await agent("PickUpChatSession", { chatSessionId: id });
    if (!s) {
      toast(t("err.race"), "error");
      return;
    }
    upsertSession(s);
    openChat(s.ChatSessionId);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) toast(t("err.noRespond"), "error");
    else fail(err);
  }
}

async function getNext() {
  try {
    const s = await agent("PickUpFirstChatSession");
    if (!s) {
      toast(t("err.queueEmpty"), "info");
      return;
    }
    upsertSession(s);
    openChat(s.ChatSessionId);
  } catch (err) {
    fail(err);
  }
}

async function takeOver(id) {
  try {
    const s = await agent("TransferChatSession", { chatSessionId: id, toAssociate: S.me.UserName });
    if (s) upsertSession(s);
    openChat(id);
  } catch (err) {
    fail(err);
  }
}

function listen(id) {
  S.listening.add(id);
  S.closedWindows.delete(id);
  openChat(id);
}

// ---------------------------------------------------------------------------------------
// The chat list (left)

function chatRow(s, { recent = false } = {}) {
  const id = s.ChatSessionId;
  const c = S.chats.get(id);
  const unread = c ? c.unread : 0;
  const name = customer(s);
  const pendingOut = transferId(s) && ownerId(s) === S.me.AssociateId;
  const pendingIn = transferId(s) === S.me.AssociateId;
  const marks = h("span", { class: "marks" });
  if (!recent && ACTIVE.has(s.Status) && !S.listening.has(id)) {
    const customerLast = s.Status === "CustomerLast";
    marks.append(
      h("span", {
        class: `speaker ${customerLast ? "speaker-customer" : "speaker-agent"}`,
        title: customerLast ? t("chats.customerLast") : t("chats.agentLast"),
        "aria-label": customerLast ? t("chats.customerLast") : t("chats.agentLast"),
        role: "img",
        text: customerLast ? "●" : "✓",
      }),
    );
  }
  if (pendingOut || pendingIn) marks.append(h("span", { class: "warn-icon", role: "img", title: t("chats.transferPending"), "aria-label": t("chats.transferPending"), text: "⇄" }));
  if (S.listening.has(id) && !recent) marks.append(h("span", { class: "tag", text: t("chats.listening") }));
  if (unread) marks.append(h("span", { class: "badge", "aria-label": t("chats.unread", { n: unread }), text: String(unread) }));
  const when = recent ? parseDate(s.WhenEnded) : parseDate(s.WhenStarted) || parseDate(s.WhenRequested);
  const button = h(
    "button",
    {
      type: "button",
      class: "chat-item" + (S.openId === id ? " selected" : "") + (pendingIn || pendingOut ? " pending" : "") + (unread ? " unread" : ""),
      "aria-current": S.openId === id ? "true" : null,
      "data-id": id,
      onclick: () => openChat(id),
    },
    h("span", { class: `avatar rank-${(s.Rank || 0) % 8}`, "aria-hidden": "true", text: initials(name) }),
    h(
      "span",
      { class: "ci-main" },
      h("span", { class: "ci-top" }, h("span", { class: "ci-name", text: name }), h("span", { class: "ci-time", text: formatTime(when) })),
      h("span", { class: "ci-sub" }, h("span", { class: "ci-channel", text: topicName(s.TopicId) }), h("span", { class: "ci-last", text: s.LastMessage || "" })),
    ),
    marks,
  );
  return h("li", {}, button);
}

function myChats() {
  const me = S.me.AssociateId;
  const list = [];
  for (const s of S.sessions.values()) {
    const id = s.ChatSessionId;
    if (S.closedWindows.has(id)) continue;
    const active = ACTIVE.has(s.Status);
    if (active && (ownerId(s) === me || transferId(s) === me || S.listening.has(id))) list.push(s);
  }
  return list.sort((a, b) => a.ChatSessionId - b.ChatSessionId);
}

function recentChats() {
  const me = S.me.AssociateId;
  const now = Date.now();
  return [...S.sessions.values()]
    .filter((s) => ENDED.has(s.Status) && s.Status !== "Deleted" && ownerId(s) === me)
    .filter((s) => {
      const ended = parseDate(s.WhenEnded);
      return ended && now - ended.getTime() < RECENT_MS;
    })
    .sort((a, b) => (parseDate(b.WhenEnded) || 0) - (parseDate(a.WhenEnded) || 0));
}

function renderChatList() {
  const mine = myChats();
  $("mine").replaceChildren(...mine.map((s) => chatRow(s)));
  $("mine-empty").hidden = mine.length > 0;
  const recent = recentChats();
  $("recent").replaceChildren(...recent.map((s) => chatRow(s, { recent: true })));
  $("recent-empty").hidden = recent.length > 0;
  $("btn-next").disabled = ![...S.rights.values()].some((r) => r.CanRespond) && !S.admin;
}

// ---------------------------------------------------------------------------------------
// The conversation (middle)

async function openChat(id) {
  S.openId = id;
  const c = chatState(id);
  c.unread = 0;
  showView("chats");
  $("view-chats").classList.add("has-open");
  $("conv-placeholder").hidden = true;
  $("conv").hidden = false;
  $("log").replaceChildren();
  $("message").value = S.drafts.get(id) || "";
  renderChatList();
  renderConversationState();
  renderDetails();
  const known = S.sessions.get(id);
  if (known && known.partial) {
    try {
      upsertSession(await request(`/api/v1/ChatSession/${id}`));
      renderDetails();
    } catch (err) {
      fail(err);
    }
  }
  if (!c.loaded) {
    try {
      const messages = (await agent("GetChatMessages", { chatSessionId: id, after: 0 })) || [];
      for (const m of messages) c.messages.set(m.ChatMessageId, m);
      c.loaded = true;
    } catch (err) {
      fail(err);
    }
  }
  if (S.openId !== id) return;
  $("log").replaceChildren(...[...c.messages.values()].sort((a, b) => a.ChatMessageId - b.ChatMessageId).map(messageEl));
  updateFacts(S.sessions.get(id));
  scrollLog();
  if (!$("composer").hidden) $("message").focus();
}

function scrollLog() {
  const log = $("log");
  log.scrollTop = log.scrollHeight;
}

function appendMessage(m) {
  const log = $("log");
  const near = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  log.append(messageEl(m));
  if (near) scrollLog();
}

function messageEl(m) {
  const when = parseDate(m.WhenPosted);
  if (m.Type === "Special" && m.SpecialType !== "Url") {
    return h("div", { class: "msg system" }, h("span", { text: m.Message }), h("time", { text: formatTime(when) }));
  }
  const fromCustomer = m.Type === "ToUser";
  const li = h("div", { class: `msg ${fromCustomer ? "them" : "us"}` });
  const author = fromCustomer ? m.Author || customer(S.sessions.get(m.ChatSessionId)) : m.Author || t("conv.you");
  const bubble = h("div", { class: "bubble" });
  if (m.SpecialType === "Url" && m.SpecialParam) {
    bubble.append(fileLink(m));
  } else if (m.SpecialType === "IllegalFileType") {
    bubble.classList.add("refused");
    bubble.textContent = m.Message;
  } else {
    bubble.textContent = m.Message;
  }
  li.append(h("div", { class: "meta" }, h("span", { class: "author", text: author }), h("time", { text: formatTime(when) })), bubble);
  return li;
}

function fileIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "file-icon");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M6 2h8l6 6v14H6V2Zm7 1.5V9h5.5L13 3.5ZM8 13v1.5h8V13H8Zm0 3v1.5h8V16H8Z");
  svg.append(path);
  return svg;
}

// The page the visitor came from: sochat notes it for agents when the chat starts.
function pageUrl(id) {
  const c = S.chats.get(id);
  if (!c) return "";
  for (const m of c.messages.values()) {
    if (m.Type !== "Special" || (m.SpecialType && m.SpecialType !== "None")) continue;
    const found = /https?:\/\/\S+/.exec(m.Message || "");
    if (found) return found[0];
  }
  return "";
}

function fileLink(m) {
  const name = m.Message || t("conv.file");
  const path = m.SpecialParam;
  const safePath = path.startsWith("/api/v1/ChatSession/") ? path : "";
  return h(
    "button",
    {
      type: "button",
      class: "file-link",
      "aria-label": `${t("act.download")}: ${name}`,
      disabled: !safePath,
      async onclick() {
        try {
          const url = await downloadUrl(safePath);
          const a = h("a", { href: url, download: name });
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60000);
        } catch (err) {
          fail(err);
        }
      },
    },
    fileIcon(),
    h("span", { text: name }),
  );
}

function conversationMode(s) {
  if (!s) return "gone";
  const me = S.me.AssociateId;
  if (ENDED.has(s.Status)) return "ended";
  if (S.listening.has(s.ChatSessionId) && ownerId(s) !== me) return "listening";
  if (transferId(s) === me && ownerId(s) !== me) return "incoming-transfer";
  if (ownerId(s) === me) return transferId(s) ? "outgoing-transfer" : "mine";
  return "listening";
}

function renderConversationState() {
  const s = S.sessions.get(S.openId);
  const mode = conversationMode(s);
  const name = customer(s);
  $("conv-avatar").textContent = initials(name);
  $("conv-name").textContent = name;
  $("conv-sub").textContent = s ? `${topicName(s.TopicId)} · ${t(`status.${s.Status}`)}` : "";
  const canWrite = mode === "mine" || mode === "outgoing-transfer";
  $("composer").hidden = !canWrite;
  $("btn-end").hidden = !canWrite;
  const r = s ? rights(s.TopicId) : {};
  $("btn-transfer").hidden = !(canWrite && !transferId(s)) && !(mode === "listening" && r.CanManage && s && ACTIVE.has(s.Status));
  $("btn-close").hidden = !(mode === "listening" || mode === "ended");
  const note = $("readonly-note");
  note.hidden = canWrite || mode === "incoming-transfer";
  note.textContent = mode === "ended" ? t("conv.ended") : S.formerly.has(S.openId) ? t("conv.transferredAway") : t("conv.readonly");
  const banner = $("banner");
  banner.hidden = !(mode === "incoming-transfer" || mode === "outgoing-transfer");
  banner.classList.toggle("incoming", mode === "incoming-transfer");
  $("btn-accept").hidden = mode !== "incoming-transfer";
  $("btn-reject").hidden = mode !== "incoming-transfer";
  $("btn-cancel-transfer").hidden = mode !== "outgoing-transfer";
  if (mode === "incoming-transfer") $("banner-text").textContent = t("conv.transferToMe", { name: agentName(s.User) });
  if (mode === "outgoing-transfer") $("banner-text").textContent = t("conv.transferTo", { name: agentName(s.TransferTo) });
  const typing = s && ACTIVE.has(s.Status) && customerTyping(s);
  $("typing").textContent = typing ? t("conv.typing", { name }) : "";
  updateFacts(s);
}

function closeWindow() {
  const id = S.openId;
  S.listening.delete(id);
  S.closedWindows.add(id);
  S.openId = 0;
  $("conv").hidden = true;
  $("conv-placeholder").hidden = false;
  $("details-body").hidden = true;
  $("view-chats").classList.remove("has-open");
  renderChatList();
}

async function sendMessage() {
  const id = S.openId;
  const box = $("message");
  const text = box.value.trim();
  if (!text || !id) return;
  box.value = "";
  S.drafts.delete(id);
  sendTyping(false);
  try {
    const m = await agent("AddChatMessage", {
      chatSessionId: id,
      message: { ChatSessionId: id, Type: "ToCustomer", Message: text, Author: S.me.FullName },
    });
    if (m) onMessage(m);
  } catch (err) {
    box.value = text;
    fail(err);
  }
}

// The agent's typing flag: renewed every 3 s while typing, dropped on send or after a pause.
function onComposerInput() {
  S.drafts.set(S.openId, $("message").value);
  const now = Date.now();
  if ($("message").value && now - S.typingSent > 3000) sendTyping(true);
  clearTimeout(S.typingTimer);
  S.typingTimer = setTimeout(() => sendTyping(false), 4000);
}

function sendTyping(on) {
  const id = S.openId;
  const s = S.sessions.get(id);
  if (!id || !s || !isMine(s)) return;
  if (!on && !S.typingSent) return;
  S.typingSent = on ? Date.now() : 0;
  request(`/api/v1/ChatSession/${id}/Typing`, { method: "POST", body: { IsTyping: on } }).catch(() => null);
}

async function uploadFile(file) {
  const id = S.openId;
  if (!file || !id) return;
  try {
    const m = await request(`/api/v1/ChatSession/${id}/Files`, {
      method: "POST",
      raw: file,
      headers: { "Content-Type": file.type || "application/octet-stream", "X-File-Name": encodeURIComponent(file.name) },
    });
    if (m) onMessage(m);
  } catch (err) {
    fail(err);
  }
}

function insertAtCursor(text) {
  const box = $("message");
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? box.value.length;
  box.value = box.value.slice(0, start) + text + box.value.slice(end);
  const pos = start + text.length;
  box.focus();
  box.setSelectionRange(pos, pos);
  onComposerInput();
}

function buildEmoji() {
  const pop = $("emoji-pop");
  pop.replaceChildren(
    ...EMOJI.map(([e, label]) =>
      h("button", {
        type: "button",
        class: "emoji",
        "aria-label": label,
        title: label,
        text: e,
        onclick: () => {
          insertAtCursor(e);
          toggleEmoji(false);
        },
      }),
    ),
  );
}

function toggleEmoji(open) {
  const pop = $("emoji-pop");
  const show = open ?? pop.hidden;
  pop.hidden = !show;
  $("btn-emoji").setAttribute("aria-expanded", String(show));
  if (show) pop.querySelector("button")?.focus();
}

async function endChat() {
  const id = S.openId;
  try {
    const s = await request(`/api/v1/ChatSession/${id}`, {
      method: "PATCH",
      body: { Status: "Finished" },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    if (s && s.ChatSessionId) upsertSession(s);
    toast(t("ok.ended"));
  } catch (err) {
    fail(err);
  }
}

async function transferAction(method) {
  const id = S.openId;
  try {
    const s = await agent(method, { chatSessionId: id });
    if (s) upsertSession(s);
  } catch (err) {
    fail(err);
  }
}

async function showTranscript() {
  try {
    const text = await agent("GetChatTranscript", { chatSessionId: S.openId, html: false });
    $("transcript-text").textContent = text || "";
    $("dlg-transcript").showModal();
  } catch (err) {
    fail(err);
  }
}

// Transfer dialog (A15: Present colleagues who can answer the channel)
async function openTransfer() {
  const s = S.sessions.get(S.openId);
  if (!s) return;
  try {
    setPresence((await agent("GetChatPresence")) || []);
  } catch (err) {
    fail(err);
    return;
  }
  const manager = ownerId(s) !== S.me.AssociateId;
  const list = $("transfer-list");
  const people = [...S.presence.values()].filter(
    (p) => p.Present && (p.ChatTopics || []).includes(s.TopicId) && p.UserId !== ownerId(s) && (manager || p.UserId !== S.me.AssociateId),
  );
  list.replaceChildren(
    ...people.map((p, i) =>
      h(
        "label",
        { class: "radio" },
        h("input", { type: "radio", name: "transfer-to", value: String(p.UserId), checked: i === 0 }),
        h("span", { class: "avatar sm", "aria-hidden": "true", text: initials(p.DisplayName) }),
        h("span", { text: p.DisplayName }),
        h("span", { class: "muted small", text: t("transfer.chats", { n: p.OngoingChats }) }),
      ),
    ),
  );
  if (!people.length) list.append(h("p", { class: "empty small", text: t("transfer.none") }));
  $("transfer-go").disabled = !people.length;
  $("dlg-transfer").showModal();
}

async function doTransfer() {
  const picked = document.querySelector('input[name="transfer-to"]:checked');
  $("dlg-transfer").close();
  if (!picked) return;
  const p = S.presence.get(Number(picked.value));
  try {
    const s = await agent("TransferChatSession", { chatSessionId: S.openId, toAssociate: picked.value });
    if (s) upsertSession(s);
    toast(t("ok.transferred", { name: p ? p.DisplayName : picked.value }));
  } catch (err) {
    fail(err);
  }
}

// ---------------------------------------------------------------------------------------
// Quick replies (sochat extension /api/v1/QuickReply): inserted, never sent by themselves

function renderQuick() {
  const filter = $("quick-filter").value.trim().toLowerCase();
  const items = S.quick.filter((q) => !filter || q.Name.toLowerCase().includes(filter) || q.Content.toLowerCase().includes(filter));
  $("quick-list").replaceChildren(
    ...items.map((q) =>
      h(
        "li",
        { class: "quick-item" },
        h("div", { class: "quick-text" }, h("strong", { text: q.Name }), h("span", { class: "muted", text: q.Content })),
        h(
          "div",
          { class: "quick-actions" },
          h("button", {
            type: "button",
            class: "btn btn-primary btn-sm",
            text: t("quick.insert"),
            "aria-label": `${t("quick.insert")}: ${q.Name}`,
            onclick: () => {
              $("dlg-quick").close();
              insertAtCursor(q.Content);
            },
          }),
          h("button", { type: "button", class: "btn btn-sm", text: t("act.edit"), "aria-label": `${t("act.edit")}: ${q.Name}`, onclick: () => editQuick(q) }),
          h("button", { type: "button", class: "btn btn-sm btn-ghost", text: t("act.delete"), "aria-label": `${t("act.delete")}: ${q.Name}`, onclick: () => deleteQuick(q) }),
        ),
      ),
    ),
  );
  $("quick-empty").hidden = S.quick.length > 0;
}

function editQuick(q) {
  $("quick-id").value = String(q ? q.QuickReplyId : 0);
  $("quick-name").value = q ? q.Name : "";
  $("quick-content").value = q ? q.Content : "";
  $("quick-form-h").textContent = q ? `${t("act.edit")}: ${q.Name}` : t("quick.new");
  $("quick-name").focus();
}

async function saveQuick(ev) {
  ev.preventDefault();
  const id = Number($("quick-id").value);
  const body = { Name: $("quick-name").value, Content: $("quick-content").value };
  try {
    if (id) await request(`/api/v1/QuickReply/${id}`, { method: "PUT", body });
    else await request("/api/v1/QuickReply", { method: "POST", body });
    S.quick = (await request("/api/v1/QuickReply")) || [];
    editQuick(null);
    renderQuick();
    toast(t("ok.saved"));
  } catch (err) {
    fail(err);
  }
}

async function deleteQuick(q) {
  try {
    await request(`/api/v1/QuickReply/${q.QuickReplyId}`, { method: "DELETE" });
    S.quick = S.quick.filter((x) => x.QuickReplyId !== q.QuickReplyId);
    renderQuick();
  } catch (err) {
    fail(err);
  }
}

// ---------------------------------------------------------------------------------------
// Visitor details, previous chats and the CRM link (right)

function updateFacts(s) {
  const facts = $("facts");
  if (!s) {
    facts.replaceChildren();
    return;
  }
  const rows = [
    ["side.name", s.CustomerName || s.CustomerAlias],
    ["side.email", s.CustomerEmail],
    ["side.phone", s.CustomerPhone],
    ["side.company", s.CustomerCompanyName],
    ["side.page", pageUrl(s.ChatSessionId)],
    ["side.host", s.CustomerHost],
    ["side.channel", topicName(s.TopicId)],
    ["side.started", formatDateTime(parseDate(s.WhenRequested))],
  ];
  facts.replaceChildren(
    ...rows.filter(([, v]) => v).flatMap(([k, v]) => [h("dt", { text: t(k) }), h("dd", { text: String(v) })]),
  );
  renderCrm(s);
}

async function renderDetails() {
  const s = S.sessions.get(S.openId);
  $("details-body").hidden = !s;
  $("crm-hits").replaceChildren();
  $("crm-term").value = "";
  $("previous").replaceChildren();
  if (!s) return;
  updateFacts(s);
  const id = S.openId;
  if (s.CustomerEmail) {
    try {
      const page = await request("/api/v1/ChatSession", {
        query: {
          $select: "chatSessionId,whenRequested,firstMessage,status,chatTopic/name",
          $filter: `customerEmail eq '${s.CustomerEmail.replace(/'/g, "''")}'`,
          $orderBy: "chatSessionId desc",
          $top: 20,
        },
      });
      if (S.openId !== id) return;
      const rows = ((page && page.value) || []).filter((r) => r.chatSessionId !== id);
      $("previous").replaceChildren(
        ...rows.map((r) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "prev-item", onclick: () => showPrevious(r.chatSessionId) },
              h("span", { class: "prev-when", text: formatDateTime(parseDate(r.whenRequested)) + " · " + (r["chatTopic/name"] || "") }),
              h("span", { class: "prev-msg", text: r.firstMessage || "" }),
            ),
          ),
        ),
      );
      if (!rows.length) $("previous").append(h("li", { class: "empty small", text: t("side.noPrevious") }));
    } catch {
      /* the archive is optional for the panel */
    }
  } else {
    $("previous").append(h("li", { class: "empty small", text: t("side.noPrevious") }));
  }
  if (!s.Person?.PersonId && !s.Contact?.ContactId) {
    const term = s.CustomerEmail || s.CustomerName;
    if (term && term.length >= 2) searchCrm(term, true);
  }
}

async function showPrevious(id) {
  try {
    const text = await agent("GetChatTranscript", { chatSessionId: id, html: false });
    $("transcript-text").textContent = text || "";
    $("dlg-transcript").showModal();
  } catch (err) {
    fail(err);
  }
}

function renderCrm(s) {
  const box = $("crm");
  const person = s.Person && s.Person.PersonId ? s.Person : null;
  const contact = s.Contact && s.Contact.ContactId ? s.Contact : null;
  if (!person && !contact) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    h(
      "div",
      { class: "crm-card" },
      h("span", { class: "muted small", text: t("side.linked") }),
      person ? h("strong", { text: person.FullName || `${person.Firstname} ${person.Lastname}` }) : null,
      person && person.Email ? h("span", { text: person.Email }) : null,
      contact ? h("span", { text: contact.Name }) : null,
    ),
  );
}

async function searchCrm(term, suggest = false) {
  const id = S.openId;
  try {
    const hits = (await request("/api/v1/CrmSearch", { query: { term, top: 8 } })) || [];
    if (S.openId !== id) return;
    const list = $("crm-hits");
    const items = hits.map((hit) => {
      const label = hit.PersonId ? hit.FullName : hit.ContactName;
      return h(
        "li",
        { class: "crm-hit" },
        h("span", { class: "crm-hit-text" }, h("strong", { text: label }), h("span", { class: "muted small", text: [hit.Email, hit.PersonId ? hit.ContactName : ""].filter(Boolean).join(" · ") })),
        h("button", { type: "button", class: "btn btn-sm", text: t("act.link"), "aria-label": `${t("act.link")}: ${label}`, onclick: () => linkCrm(hit) }),
      );
    });
    const head = suggest && hits.length ? [h("li", { class: "muted small", text: t("side.couldBe") })] : [];
    list.replaceChildren(...head, ...items);
    if (!hits.length && !suggest) list.append(h("li", { class: "empty small", text: t("side.noMatches") }));
  } catch (err) {
    if (!suggest) fail(err);
  }
}

async function linkCrm(hit) {
  const id = S.openId;
  const body = { Contact: { ContactId: hit.ContactId } };
  if (hit.PersonId) body.Person = { PersonId: hit.PersonId };
  try {
    const s = await request(`/api/v1/ChatSession/${id}`, {
      method: "PATCH",
      body,
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    if (s && s.ChatSessionId) upsertSession(s);
    $("crm-hits").replaceChildren();
    toast(t("ok.linked", { name: hit.PersonId ? hit.FullName : hit.ContactName }));
  } catch (err) {
    fail(err);
  }
}

// ---------------------------------------------------------------------------------------
// Wiring

function refreshTexts() {
  if (!S.me) return;
  fillChannelFilter();
  renderPresence();
  renderDashboard();
  renderChatList();
  updateCounters();
  if (S.openId) renderConversationState();
  buildEmoji();
}

function wire() {
  fillLanguages($("signin-language"));
  fillLanguages($("language"));
  $("signin-form").addEventListener("submit", onSignin);
  $("tab-dashboard").addEventListener("click", () => showView("dashboard"));
  $("tab-chats").addEventListener("click", () => showView("chats"));
  $("channel-filter").addEventListener("change", (e) => {
    S.filter = Number(e.target.value);
    renderDashboard();
    updateCounters();
  });
  $("presence").addEventListener("click", togglePresence);
  $("btn-notify").addEventListener("click", async () => {
    if (!("Notification" in window)) return;
    await Notification.requestPermission();
    renderNotifyButton();
  });
  $("btn-mute").addEventListener("click", () => {
    S.muted = !S.muted;
    $("btn-mute").setAttribute("aria-pressed", String(S.muted));
    $("btn-mute").classList.toggle("muted-on", S.muted);
  });
  $("btn-signout").addEventListener("click", async () => {
    try {
      await logout();
    } catch {
      /* signed out either way */
    }
    S.sessions.clear();
    S.chats.clear();
    S.openId = 0;
    signedOut("");
  });
  $("btn-next").addEventListener("click", getNext);
  $("btn-next-dash").addEventListener("click", getNext);
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    sendMessage();
  });
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendMessage();
    }
  });
  $("message").addEventListener("input", onComposerInput);
  $("message").addEventListener("blur", () => sendTyping(false));
  $("btn-emoji").addEventListener("click", () => toggleEmoji());
  $("emoji-pop").addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      toggleEmoji(false);
      $("btn-emoji").focus();
    }
  });
  $("btn-attach").addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", () => {
    const f = $("file").files[0];
    $("file").value = "";
    uploadFile(f);
  });
  const conv = $("conversation");
  conv.addEventListener("dragover", (e) => {
    if (!$("composer").hidden) {
      e.preventDefault();
      conv.classList.add("drop");
    }
  });
  conv.addEventListener("dragleave", () => conv.classList.remove("drop"));
  conv.addEventListener("drop", (e) => {
    conv.classList.remove("drop");
    if ($("composer").hidden) return;
    e.preventDefault();
    for (const f of e.dataTransfer.files) uploadFile(f);
  });
  $("btn-quick").addEventListener("click", () => {
    renderQuick();
    editQuick(null);
    $("dlg-quick").showModal();
    $("quick-filter").focus();
  });
  $("quick-filter").addEventListener("input", renderQuick);
  $("quick-form").addEventListener("submit", saveQuick);
  $("quick-close").addEventListener("click", () => $("dlg-quick").close());
  $("btn-end").addEventListener("click", endChat);
  $("btn-transfer").addEventListener("click", openTransfer);
  $("transfer-go").addEventListener("click", doTransfer);
  $("transfer-cancel").addEventListener("click", () => $("dlg-transfer").close());
  $("btn-accept").addEventListener("click", () => transferAction("AcceptChatSessionTransfer"));
  $("btn-reject").addEventListener("click", () => transferAction("RejectChatSessionTransfer"));
  $("btn-cancel-transfer").addEventListener("click", () => transferAction("RejectChatSessionTransfer"));
  $("btn-close").addEventListener("click", closeWindow);
  $("btn-transcript").addEventListener("click", showTranscript);
  $("transcript-close").addEventListener("click", () => $("dlg-transcript").close());
  $("btn-back").addEventListener("click", () => $("view-chats").classList.remove("has-open"));
  $("btn-details").addEventListener("click", () => {
    const open = !$("view-chats").classList.contains("show-details");
    $("view-chats").classList.toggle("show-details", open);
    $("btn-details").setAttribute("aria-expanded", String(open));
  });
  $("crm-search").addEventListener("submit", (e) => {
    e.preventDefault();
    const term = $("crm-term").value.trim();
    if (term.length >= 2) searchCrm(term);
  });
  window.addEventListener("focus", () => {
    if (S.view === "chats" && S.openId && S.chats.get(S.openId)?.unread) {
      S.chats.get(S.openId).unread = 0;
      renderChatList();
    }
  });
  buildEmoji();
  renderNotifyButton();
  setInterval(tick, 1000);
}

function renderNotifyButton() {
  const on = "Notification" in window && Notification.permission === "granted";
  const b = $("btn-notify");
  b.classList.toggle("on", on);
  const label = on ? t("top.notificationsOn") : t("top.notificationsOff");
  b.setAttribute("aria-label", label);
  b.title = label;
}

async function boot() {
  translate(document);
  wire();
  const saved = sessionStorage.getItem("sochat.me");
  if (saved) {
    try {
      await start(JSON.parse(saved));
      return;
    } catch {
      sessionStorage.removeItem("sochat.me");
    }
  }
  showSignin("");
}

boot();
