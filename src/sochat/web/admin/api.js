// sochat's documented REST API, called with the browser session (cookie + X-XSRF-TOKEN).

/** The server's root path (``--root-path``), taken from where this page is served. */
export const ROOT = location.pathname.replace(/\/console\/admin(\/.*)?$/i, '');
const API = `${ROOT}/api`;

let language = 'en';
/** Server texts (error messages) follow the page language. */
export function setApiLanguage(lang) {
  language = lang;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.ErrorMessage) || `HTTP ${status}`);
    this.status = status;
    this.type = (body && body.ErrorType) || '';
  }
}

function xsrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)XSRF-TOKEN=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : '';
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json', 'SO-Language': language };
  const token = xsrfToken();
  if (token) headers['X-XSRF-TOKEN'] = token;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(API + path, init);
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const TOPIC = '/v1/ChatTopic';
const id = (n) => encodeURIComponent(String(n));

export const api = {
  login: (username, password) => call('POST', '/login', { username, password }),
  logout: () => call('POST', '/logout'),
  defaultTopic: () => call('GET', `${TOPIC}/default`),
  topics: () => call('GET', `${TOPIC}/ForCurrentUser`),
  topic: (topicId) => call('GET', `${TOPIC}/${id(topicId)}`),
  createTopic: (entity) => call('POST', TOPIC, entity),
  saveTopic: (topicId, entity) => call('PUT', `${TOPIC}/${id(topicId)}`, entity),
  deleteTopic: (topicId) => call('DELETE', `${TOPIC}/${id(topicId)}`),
  isOpen: (topicId) => call('GET', `${TOPIC}/${id(topicId)}/IsOpen`),
  members: (topicId) => call('GET', `${TOPIC}/${id(topicId)}/UserAgent`),
  setMembers: (topicId, agents) => call('PUT', `${TOPIC}/${id(topicId)}/UserAgent`, agents),
  candidates: () => call('GET', `${TOPIC}/UserAgents?flat=true`),
  defaultMember: () => call('POST', '/v1/Agents/Chat/CreateDefaultChatTopicAgent', null),
};

// ETableRight names (enums.md 4.1) → bits; a mask arrives as "Select, Update" or "FULL".
const TABLE_RIGHT = {
  none: 0, select: 1, r: 1, update: 2, ur: 3, insert: 4, ri: 5, uri: 7, delete: 8, udr: 11,
  full: 15, filtering: 16, f: 16, rf: 17, fi: 20, restrictedupdate: 32, uru: 34, write: 38,
};

/** The bits of a TableRight mask string. */
export function rightBits(mask) {
  if (typeof mask === 'number') return mask;
  return String(mask || '')
    .split(/,\s*/)
    .reduce((bits, name) => bits | (TABLE_RIGHT[name.trim().toLowerCase()] || 0), 0);
}
export const INSERT = 4;
