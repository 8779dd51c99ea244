// Channel administration: sign-in, the rights check, the channel list and the routes
// (#/ list, #/new, #/channel/ID[/TAB]). The editor itself lives in editor.js.

import { api, ApiError, INSERT, rightBits, ROOT, setApiLanguage } from './api.js';
import { h, icon, mount, newId } from './dom.js';
import { Editor } from './editor.js';
import { currentLanguage, LANGUAGE_NAMES, setLanguage, t } from './i18n.js';
import { confirmDialog, errorText, scriptDialog } from './ui.js';

const app = document.getElementById('app');
const USER_KEY = 'sochat.admin.user';

const state = {
  user: sessionStorage.getItem(USER_KEY) || '',
  topics: [],
  editor: null,
  route: '',
};

function applyLanguage() {
  const lang = currentLanguage();
  document.documentElement.lang = lang;
  document.title = `${t('app.title')} · sochat`;
  const skip = document.querySelector('.skip');
  if (skip) skip.textContent = t('nav.skip');
  setApiLanguage(lang);
}

// The skip link focuses the page content without touching the hash, which holds the route.
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main')?.focus();
});

// ---------------------------------------------------------------- frame

function topbar() {
  const langId = newId('lang');
  const select = h(
    'select',
    { id: langId, class: 'lang-select', onchange: (e) => {
      setLanguage(e.target.value);
      applyLanguage();
      render();
    } },
    Object.entries(LANGUAGE_NAMES).map(([code, name]) => h('option', { value: code, text: name, selected: code === currentLanguage() })),
  );
  return h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'brand-mark' }, icon('chat')), h('span', { class: 'brand-name', text: 'sochat' }), h('span', { class: 'brand-area', text: t('app.title') })),
    h(
      'nav',
      { class: 'topnav', 'aria-label': t('nav.label') },
      h('a', { href: `${ROOT}/console/`, text: t('nav.console') }),
      h('label', { class: 'sr-only', for: langId, text: t('nav.language') }),
      select,
      state.user ? h('span', { class: 'user', text: state.user }) : null,
      state.signedIn ? h('button', { type: 'button', class: 'btn btn-quiet', text: t('nav.signOut'), onclick: signOut }) : null,
    ),
  );
}

function frame(...content) {
  mount(app, topbar(), h('main', { id: 'main', class: 'main', tabindex: '-1' }, ...content));
}

// ---------------------------------------------------------------- sign-in and rights

function signInPage(message) {
  const userId = newId('u');
  const passId = newId('p');
  const errId = newId('err');
  const error = h('p', { id: errId, class: 'form-error', role: 'alert', text: message || '' });
  const user = h('input', { id: userId, name: 'username', autocomplete: 'username', required: true, 'aria-describedby': errId });
  const pass = h('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': errId });
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: t('signin.submit') });
  const form = h(
    'form',
    { class: 'card signin', novalidate: true },
    h('h1', { text: t('signin.title') }),
    h('p', { class: 'muted', text: t('signin.intro') }),
    h('div', { class: 'field' }, h('label', { for: userId, class: 'label', text: t('signin.user') }), user),
    h('div', { class: 'field' }, h('label', { for: passId, class: 'label', text: t('signin.password') }), pass),
    error,
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!user.value.trim() || !pass.value) {
      error.textContent = t('signin.missing');
      (user.value.trim() ? pass : user).focus();
      return;
    }
    button.disabled = true;
    try {
      const who = await api.login(user.value.trim(), pass.value);
      state.user = who.UserName || user.value.trim();
      sessionStorage.setItem(USER_KEY, state.user);
      await start();
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401 ? t('signin.failed') : errorText(err);
      button.disabled = false;
      pass.select();
    }
  });
  frame(h('div', { class: 'center' }, form));
  user.focus();
}

function refusalPage(reason) {
  frame(
    h(
      'div',
      { class: 'center' },
      h(
        'section',
        { class: 'card refusal', 'aria-labelledby': 'refusal-title' },
        h('div', { class: 'refusal-icon' }, icon('warn')),
        h('h1', { id: 'refusal-title', text: t('refusal.title') }),
        h('p', { text: t('refusal.text') }),
        reason ? h('p', { class: 'muted', text: reason }) : null,
        h(
          'div',
          { class: 'row' },
          h('a', { class: 'btn', href: `${ROOT}/console/`, text: t('nav.console') }),
          h('button', { type: 'button', class: 'btn btn-primary', text: t('refusal.other'), onclick: signOut }),
        ),
      ),
    ),
  );
}

async function signOut() {
  if (!(await leaveEditor())) return;
  try {
    await api.logout();
  } catch {
    // Signed out locally all the same.
  }
  sessionStorage.removeItem(USER_KEY);
  state.user = '';
  state.signedIn = false;
  state.refused = undefined;
  state.template = null;
  state.editor = null;
  history.replaceState(null, '', '#/');
  signInPage();
}

/** Who is signed in, and may they administer channels? */
async function start() {
  let template;
  try {
    template = await api.defaultTopic();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      state.signedIn = false;
      signInPage();
      return;
    }
    frame(h('div', { class: 'center' }, h('p', { class: 'form-error', role: 'alert', text: errorText(err) })));
    return;
  }
  state.signedIn = true;
  const right = template.TableRight || {};
  if (!(rightBits(right.Mask) & INSERT)) {
    state.refused = right.Reason || '';
    refusalPage(state.refused);
    return;
  }
  state.refused = undefined;
  state.template = template;
  if (!state.listening) {
    state.listening = true;
    window.addEventListener('hashchange', onHashChange);
  }
  await route();
}

// ---------------------------------------------------------------- routes

let restoring = false;

async function onHashChange() {
  if (restoring) {
    restoring = false;
    return;
  }
  if (state.editor && state.editor.dirty() && location.hash !== state.route) {
    const target = location.hash;
    if (!sameChannel(target, state.route)) {
      restoring = true;
      location.hash = state.route; // stay until the user decides
      if (!(await confirmDiscard())) return;
      state.editor.discard();
      location.hash = target;
      return;
    }
  }
  await route();
}

function sameChannel(a, b) {
  const key = (hash) => (hash.match(/^#\/(new|channel\/\d+)/) || [])[1] || hash;
  return key(a) === key(b);
}

function confirmDiscard() {
  return confirmDialog({
    title: t('unsaved.title'),
    message: t('unsaved.text'),
    confirm: t('unsaved.discard'),
    danger: true,
  });
}

/** True when it is fine to leave the editor (nothing unsaved, or the user discards it). */
export async function leaveEditor() {
  if (!state.editor || !state.editor.dirty()) return true;
  if (!(await confirmDiscard())) return false;
  state.editor.discard();
  return true;
}

async function route() {
  const hash = location.hash || '#/';
  state.route = hash;
  const m = hash.match(/^#\/(?:(new)|channel\/(\d+))(?:\/(\w+))?$/);
  if (m && state.editor && sameChannel(hash, state.editor.route)) {
    state.editor.showTab(m[3]);
    return;
  }
  state.editor = null;
  if (m) {
    const editor = new Editor({
      topicId: m[2] ? Number(m[2]) : 0,
      template: state.template,
      topics: state.topics,
      tab: m[3],
      onSaved: async (topic) => {
        const target = `#/channel/${topic.ChatTopicId}/${editor.tab}`;
        if (location.hash !== target) history.replaceState(null, '', target);
        editor.route = target;
        state.route = target;
      },
      onDeleted: () => {
        state.editor = null;
        location.hash = '#/';
      },
      onTab: (tab) => {
        const base = editor.topicId ? `#/channel/${editor.topicId}` : '#/new';
        const target = `${base}/${tab}`;
        history.replaceState(null, '', target);
        editor.route = target;
        state.route = target;
      },
    });
    editor.route = hash;
    state.editor = editor;
    const main = h('main', { id: 'main', class: 'main main-editor', tabindex: '-1' });
    mount(app, topbar(), main);
    await editor.open(main);
    if (state.topics.length === 0) state.topics.push(...(await safeTopics()));
    return;
  }
  await listPage();
}

async function safeTopics() {
  try {
    return await api.topics();
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- channel list

async function listPage() {
  const headingId = newId('h');
  const body = h('div', { class: 'list-body', 'aria-busy': 'true' }, h('p', { class: 'muted', text: t('list.loading') }));
  frame(
    h(
      'section',
      { class: 'list-page', 'aria-labelledby': headingId },
      h(
        'div',
        { class: 'page-head' },
        h('div', {}, h('h1', { id: headingId, text: t('list.title') }), h('p', { class: 'muted', text: t('list.intro') })),
        h('a', { class: 'btn btn-primary', href: '#/new' }, icon('plus'), t('list.add')),
      ),
      body,
    ),
  );
  let topics;
  try {
    topics = await api.topics();
  } catch (err) {
    mount(body, h('p', { class: 'form-error', role: 'alert', text: errorText(err) }));
    body.removeAttribute('aria-busy');
    return;
  }
  state.topics.splice(0, state.topics.length, ...topics);
  body.removeAttribute('aria-busy');
  if (!topics.length) {
    mount(body, h('div', { class: 'empty card' }, h('p', { text: t('list.empty') }), h('a', { class: 'btn btn-primary', href: '#/new' }, icon('plus'), t('list.add'))));
    return;
  }
  const rows = topics.map((topic) => channelRow(topic));
  mount(
    body,
    h(
      'table',
      { class: 'table channels' },
      h('caption', { class: 'sr-only', text: t('list.title') }),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', text: t('list.name') }),
          h('th', { scope: 'col', text: t('list.language') }),
          h('th', { scope: 'col', text: t('list.hours') }),
          h('th', { scope: 'col', text: t('list.members') }),
          h('th', { scope: 'col', text: t('list.now') }),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('list.actions') })),
        ),
      ),
      h('tbody', {}, rows.map((r) => r.row)),
    ),
  );
  // Member counts and open/closed come from two calls per channel, filled in as they arrive.
  for (const r of rows) r.load();
}

function channelRow(topic) {
  const id = topic.ChatTopicId;
  const members = h('td', { 'data-label': t('list.members'), text: '…' });
  const now = h('td', { 'data-label': t('list.now'), text: '…' });
  const lang = (topic.Widget && topic.Widget.LanguageIsoCode) || '';
  const row = h(
    'tr',
    { dataset: { topicId: String(id) } },
    h(
      'th',
      { scope: 'row', class: 'channel-name' },
      h('a', { href: `#/channel/${id}`, text: topic.Name || t('list.unnamed') }),
      topic.Description ? h('div', { class: 'muted small', text: topic.Description }) : null,
    ),
    h('td', { 'data-label': t('list.language'), text: lang ? LANGUAGE_NAMES[lang] || lang : t('list.default') }),
    h('td', { 'data-label': t('list.hours'), text: topic.OpeningHoursEnabled ? t('list.hoursOn') : t('list.hoursOff') }),
    members,
    now,
    h(
      'td',
      { class: 'actions' },
      h('a', { class: 'btn btn-small', href: `#/channel/${id}`, 'aria-label': t('list.editNamed', { name: topic.Name }) , text: t('action.edit') }),
      h(
        'button',
        { type: 'button', class: 'btn btn-small', 'aria-label': t('script.viewNamed', { name: topic.Name }), onclick: () => scriptDialog(topic) },
        icon('code'),
        t('script.view'),
      ),
    ),
  );
  return {
    row,
    load: async () => {
      const [list, open] = await Promise.allSettled([api.members(id), api.isOpen(id)]);
      members.textContent = list.status === 'fulfilled' ? String(list.value.length) : '–';
      if (open.status === 'fulfilled') {
        mount(now, h('span', { class: open.value ? 'pill pill-open' : 'pill pill-closed', text: open.value ? t('list.open') : t('list.closed') }));
      } else now.textContent = '–';
    },
  };
}

function render() {
  if (!state.signedIn) signInPage();
  else if (state.refused !== undefined) refusalPage(state.refused);
  else if (!state.template) start();
  else if (state.editor && state.editor.draft) {
    // Rebuilt in the new language from the editor's draft: unsaved edits stay.
    const main = h('main', { id: 'main', class: 'main main-editor', tabindex: '-1' });
    mount(app, topbar(), main);
    state.editor.render(main);
  } else route();
}

// Ctrl+S / Cmd+S saves the open channel, wherever the focus is.
document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's' && state.editor && state.editor.draft) {
    event.preventDefault();
    if (!document.querySelector('dialog[open]')) state.editor.save();
  }
});

window.addEventListener('beforeunload', (event) => {
  if (state.editor && state.editor.dirty()) {
    event.preventDefault();
    event.returnValue = '';
  }
});

applyLanguage();
start();
