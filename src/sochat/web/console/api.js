// sochat console: the one door to the server (shared with /console/admin).
//
// Interface (ES module, no dependencies):
//   BASE                       the server's root path ("" or e.g. "/SuperOffice"), from this file's URL
//   class ApiError extends Error { status, type, body }   message = the server's ErrorMessage
//   request(path, {method, body, query, headers, raw, signal}) -> parsed JSON | text | null
//       path is relative to BASE ("/api/v1/..."); body is JSON-encoded unless raw (a Blob/File);
//       sends credentials: same-origin, X-XSRF-TOKEN from the XSRF-TOKEN cookie,
//       Accept-Language (i18n.js language) and SO-TimeZone "UTC,includeTZOffset".
//   agent(method, body)        POST /api/v1/Agents/Chat/<method> with body (null allowed)
//   login(user, password)      POST /api/login (JSON) -> {AssociateId, UserName}
//   logout()                   POST /api/logout
//   openEvents(onEvent, {onState}) -> {close()}  the agent event stream (SSE), resumed after
//       the last cursor on every reconnect; onEvent(name, envelope); onState("open"|"retry")
//   parseDate(text) -> Date | null   SuperOffice dates ("0001-01-01..." = unset)
//   downloadUrl(path) -> Promise<string>  a blob: URL for an authenticated GET (files)

import { language } from "./i18n.js";

const here = new URL(import.meta.url);
export const BASE = here.pathname.replace(/\/console\/api\.js$/, "");

export class ApiError extends Error {
  constructor(message, status, type, body) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type || "";
    this.body = body;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return "";
}

function headers(extra) {
  const h = {
    Accept: "application/json",
    "Accept-Language": language(),
    "SO-TimeZone": "UTC,includeTZOffset",
    ...extra,
  };
  const xsrf = cookie("XSRF-TOKEN");
  if (xsrf) h["X-XSRF-TOKEN"] = xsrf;
  return h;
}

async function failure(res) {
  let body = null;
  let text = "";
  try {
    text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const message =
    (body && (body.ErrorMessage || body.Message)) || text.slice(0, 200) || `HTTP ${res.status}`;
  return new ApiError(message, res.status, body && body.ErrorType, body);
}

export async function request(path, opts = {}) {
  const { method = "GET", body, query, raw, signal } = opts;
  let url = BASE + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) q.set(k, String(v));
    url += (url.includes("?") ? "&" : "?") + q.toString();
  }
  const extra = { ...(opts.headers || {}) };
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!extra["Content-Type"]) extra["Content-Type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(url, { method, body: payload, headers: headers(extra), credentials: "same-origin", signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(String(err && err.message ? err.message : err), 0, "NetworkError", null);
  }
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  const text = await res.text();
  if (!text) return null;
  return type.includes("json") ? JSON.parse(text) : text;
}

export function agent(method, body = null) {
  return request(`/api/v1/Agents/Chat/${method}`, { method: "POST", body });
}

export function login(user, password) {
  return request("/api/login", { method: "POST", body: { username: user, password } });
}

export function logout() {
  return request("/api/logout", { method: "POST", body: {} });
}

export function parseDate(text) {
  if (!text || typeof text !== "string" || text.startsWith("0001-01-01")) return null;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : text + "Z";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export async function downloadUrl(path) {
  const res = await fetch(BASE + path, { headers: headers({ Accept: "*/*" }), credentials: "same-origin" });
  if (!res.ok) throw await failure(res);
  return URL.createObjectURL(await res.blob());
}

// The event stream. Stream tokens (POST /api/v1/ChatEvents/StreamToken) are used where the
// server offers them; otherwise the same-origin session cookie, proven by the XSRF token.
export function openEvents(onEvent, { onState } = {}) {
  let source = null;
  let closed = false;
  let cursor = "";
  let delay = 500;
  let timer = 0;
  const names = ["chatsession.created", "chatsession.changed", "chatsession.message"];

  async function streamUrl() {
    const q = new URLSearchParams();
    if (cursor) q.set("since", cursor);
    try {
      const t = await request("/api/v1/ChatEvents/StreamToken", { method: "POST", body: {} });
      if (t && t.Token) q.set("token", t.Token);
    } catch (err) {
      if (err.status === 401) throw err;
      const xsrf = cookie("XSRF-TOKEN");
      if (xsrf) q.set("xsrf", xsrf);
    }
    return `${BASE}/api/v1/ChatEvents?${q.toString()}`;
  }

  async function connect() {
    if (closed) return;
    let url;
    try {
      url = await streamUrl();
    } catch (err) {
      onState && onState("unauthorized", err);
      return;
    }
    if (closed) return;
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener("ready", (e) => {
      if (e.lastEventId) cursor = e.lastEventId;
      delay = 500;
      onState && onState("open");
    });
    for (const name of names) {
      source.addEventListener(name, (e) => {
        if (e.lastEventId) cursor = e.lastEventId;
        let env = null;
        try {
          env = JSON.parse(e.data);
        } catch {
          return;
        }
        if (env && env.Cursor) cursor = String(env.Cursor);
        onEvent(name, env);
      });
    }
    source.onerror = () => {
      // Reconnect ourselves: a spent token cannot be reused, and `since` resumes without a gap.
      if (source) source.close();
      source = null;
      if (closed) return;
      onState && onState("retry");
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (source) source.close();
    },
  };
}
