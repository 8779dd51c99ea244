// Drive a WebAPI server with the official @superoffice/webapi client.
//
// Usage:  node run.mjs < script.json      (writes ONE JSON document to stdout)
//
// Script:
//   {
//     "baseUrl": "http://127.0.0.1:PORT/",            // site root; the client appends api/v1/Agents/<Agent>/
//     "auth": {"user": "tje0", "password": "Tje0"}     // Basic
//           | {"ticket": "7T:..."}                     // Authorization: SOTicket <ticket>
//           | {"token": "8A:..."}                      // Authorization: Bearer <token>
//           | null,                                    // no Authorization header
//     "appToken": "...",            // optional, SO-AppToken
//     "languageCode": "en",         // optional, SO-Language on every call
//     "cultureCode": "en",          // optional, SO-Culture
//     "timeZone": "UTC",            // optional, SO-Timezone
//     "timezoneInclude": true,      // optional, adds ",includeTZOffset" to SO-Timezone
//     "processTZ": "UTC",           // optional, TZ of this Node process (offset-less dates parse as local time)
//     "timeoutMs": 30000,           // optional, axios timeout per call (0 = none; default 30000)
//     "calls": [{"agent": "Chat", "method": "createDefaultChatSessionEntityAsync", "args": []}, ...]
//   }
//
// Argument values are plain JSON, except these markers (resolved anywhere inside "args"):
//   {"$result": i}                       the live (parsed) value resolved by call i
//   {"$result": i, "$path": "a.b.0"}     a part of it
//   {"$result": i, "$merge": {...}}      that value with the given properties assigned (shallow, in place)
//   {"$date": "2024-01-02T10:11:12Z"}    a JavaScript Date
//   {"$duration": "PT8H"}                a dayjs Duration (what the client's converters produce)
//   {"$undefined": true}                 undefined (e.g. to skip an optional positional argument)
//
// Output: {"results": [...]}, one entry per call:
//   {"ok": true,  "value": <JSON.stringify of the value>, "type": "Object", "props": {k: node}, "http": {...}}
//   {"ok": false, "status": <HTTP status or null>, "data": <parsed body or null>, "message": "...",
//    "name": "AxiosError" | "TypeError" | ..., "code": "ERR_BAD_REQUEST" | ..., "http": {...}}
// where a type node is {"type": "Date" | "Duration" | "Object" | "Array" | "null" | "undefined" | typeof,
// "props": {...} (objects), "items": [...] (arrays)}. Properties whose value is undefined vanish from "value"
// (JSON) but appear in "props" as {"type": "undefined"}.
// "http" records the last HTTP exchange of the call: {"status", "headers", "body", "request": {"method",
// "url", "headers", "body"}}; http.body = the response body as axios parsed it, BEFORE the client's
// converters (2xx only; failures carry it in "data"); request.body = the exact string sent (null = none).
//
// Exit code 0 whenever the script could be run (failed calls are data); 2 for harness errors
// (bad script, unknown agent/method, client package missing).

import { createRequire } from "node:module";
import process from "node:process";

const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`run.mjs: ${message}\n`);
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

let script;
try {
  script = JSON.parse(await readStdin());
} catch (e) {
  fail(`stdin is not a JSON script: ${e.message}`);
}
if (!script || typeof script.baseUrl !== "string" || !Array.isArray(script.calls))
  fail('script needs "baseUrl" (string) and "calls" (array)');
if (script.processTZ) process.env.TZ = script.processTZ;

// The package's ESM build (dist/esm) uses extension-less relative imports that Node's ESM loader
// cannot resolve, so load the CommonJS build, exactly as a Node integration using require() would.
let sdk;
try {
  sdk = require("@superoffice/webapi");
} catch (e) {
  fail(`cannot load @superoffice/webapi (run "npm ci" in tests/node): ${e.message}`);
}

// ---- client construction: as the package README shows ----------------------------------------
const webapi = new sdk.WebApi({
  baseUrl: script.baseUrl,
  languageCode: script.languageCode,
  cultureCode: script.cultureCode,
  timezone: script.timeZone,
  timezoneInclude: script.timezoneInclude,
  // proxy:false: never route loopback test traffic through an http_proxy from the environment.
  axiosConfig: { timeout: script.timeoutMs ?? 30000, proxy: false },
});
const auth = script.auth;
if (auth && "ticket" in auth) webapi.authenticateWithTicket(auth.ticket);
else if (auth && "token" in auth) webapi.authenticateWithToken(auth.token);
else if (auth && "user" in auth) webapi.authenticateWithPassword(auth.user, auth.password ?? "");
else if (auth) fail('"auth" must be {user,password}, {ticket}, {token} or null');
if (script.appToken) webapi.applicationToken(script.appToken);

let lastExchange = null;
const agents = new Map();
function getAgent(name) {
  if (agents.has(name)) return agents.get(name);
  const factory = name.endsWith("RestApi") ? `get${name}` : `get${name}Agent`;
  if (typeof webapi[factory] !== "function") fail(`unknown agent "${name}" (no WebApi.${factory}())`);
  const agent = webapi[factory]();
  // Record each HTTP exchange (the agent's own axios instance; this does not change what is sent).
  agent._axios.interceptors.response.use(
    (response) => {
      lastExchange = exchange(response);
      // Snapshot of the parsed body before the client's converters run (they mutate parts of it in place).
      lastExchange.body = toJson(response.data) ?? null;
      return response;
    },
    (error) => {
      lastExchange = exchange(error?.response, error?.config);
      return Promise.reject(error);
    },
  );
  agents.set(name, agent);
  return agent;
}

function headersOf(h) {
  if (!h) return {};
  const plain = typeof h.toJSON === "function" ? h.toJSON() : { ...h };
  const out = {};
  for (const [k, v] of Object.entries(plain)) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  return out;
}

function exchange(response, config = response?.config) {
  let url = null;
  if (config) {
    try {
      url = new URL(config.url, config.baseURL).href;
    } catch {
      url = `${config.baseURL ?? ""}${config.url ?? ""}`;
    }
  }
  const body = config?.data;
  return {
    status: response?.status ?? null,
    headers: headersOf(response?.headers),
    request: config
      ? {
          method: (config.method ?? "").toUpperCase(),
          url,
          headers: headersOf(config.headers),
          body: body === undefined || body === null ? null : typeof body === "string" ? body : String(body),
        }
      : null,
  };
}

// ---- argument markers ------------------------------------------------------------------------
const values = [];
function resolveArg(a) {
  if (Array.isArray(a)) return a.map(resolveArg);
  if (a === null || typeof a !== "object") return a;
  if ("$result" in a) {
    if (!(a.$result in values)) fail(`{"$result": ${a.$result}} refers to a call that did not succeed`);
    let v = values[a.$result];
    if (a.$path) for (const p of String(a.$path).split(".")) v = v?.[p];
    if (a.$merge) Object.assign(v, resolveArg(a.$merge));
    return v;
  }
  if ("$date" in a) return new Date(a.$date);
  if ("$duration" in a) return sdk.mkDuration(a.$duration);
  if ("$undefined" in a) return undefined;
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, resolveArg(v)]));
}

// ---- describing results ----------------------------------------------------------------------
function typeName(v) {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "InvalidDate" : "Date";
  if (Array.isArray(v)) return "Array";
  if (typeof v !== "object") return typeof v;
  if (typeof v.toISOString === "function" && typeof v.asMilliseconds === "function") return "Duration";
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype ? "Object" : (proto.constructor?.name ?? "Object");
}

function describe(v, seen = new Set()) {
  const node = { type: typeName(v) };
  if (seen.has(v)) return { type: "Circular" };
  if (node.type === "Array") {
    seen.add(v);
    node.items = Array.from(v, (x) => describe(x, seen));
    seen.delete(v);
  } else if (node.type === "Object") {
    seen.add(v);
    node.props = Object.fromEntries(Object.keys(v).map((k) => [k, describe(v[k], seen)]));
    seen.delete(v);
  }
  return node;
}

function toJson(v) {
  const s = JSON.stringify(v);
  return s === undefined ? null : JSON.parse(s);
}

// ---- run -------------------------------------------------------------------------------------
const results = [];
for (const [i, call] of script.calls.entries()) {
  if (!call || typeof call.method !== "string") fail(`call ${i} has no "method"`);
  const agent = getAgent(call.agent ?? "Chat");
  if (typeof agent[call.method] !== "function") fail(`agent "${call.agent ?? "Chat"}" has no method "${call.method}"`);
  let args;
  try {
    args = resolveArg(call.args ?? []);
  } catch (e) {
    fail(`call ${i}: cannot build arguments: ${e.message}`);
  }
  lastExchange = null;
  try {
    const value = await agent[call.method](...args);
    values[i] = value;
    results.push({ ok: true, value: toJson(value), ...describe(value), http: lastExchange });
  } catch (err) {
    const response = err?.response;
    results.push({
      ok: false,
      status: response?.status ?? null,
      data: response ? toJson(response.data) ?? null : null,
      message: String(err?.message ?? err),
      name: err?.name ?? typeName(err),
      code: err?.code ?? null,
      http: lastExchange,
    });
  }
}

process.stdout.write(JSON.stringify({ results }) + "\n");
