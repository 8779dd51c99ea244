// The channel dialog: every ChatTopicEntity setting in tabs (fields.js), the members with
// their four rights, a live widget preview, client checks, and the server's validation
// errors placed next to the field they name.

import { api, ApiError } from './api.js';
import { add, h, icon, mount, newId } from './dom.js';
import {
  FONTS, FORM_FIELDS, flagBits, flagNames, getPath, LANGUAGES, setPath, TABS, WEEKDAYS,
} from './fields.js';
import { has, LANGUAGE_NAMES, t, zoneName } from './i18n.js';
import { renderPreview, widgetColors } from './preview.js';
import { ZONES } from './timezones.js';
import { announce, confirmDialog, errorText, scriptDialog, signInAgainDialog } from './ui.js';

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const RIGHTS = ['CanRespond', 'CanNotify', 'CanListen', 'CanManage'];
const PREVIEW_STATES = ['badge', 'prechat', 'queue', 'chat', 'offline', 'postchat'];
// Read-only or per-caller parts of the entity that a save does not send back.
const NOT_SENT = ['TableRight', 'FieldProperties', '_Links', 'LastAccept', 'SecondsPrAccept'];

const clone = (v) => JSON.parse(JSON.stringify(v));

export class Editor {
  constructor({ topicId, template, topics, tab, onSaved, onDeleted, onTab }) {
    this.topicId = topicId;
    this.template = template;
    this.topics = topics;
    this.tab = TABS.some((x) => x.id === tab) ? tab : 'properties';
    this.onSaved = onSaved;
    this.onDeleted = onDeleted;
    this.onTab = onTab;
    this.previewState = null; // null: follow the tab
    this.fields = new Map(); // path → {wrap, error, tab, inputs}
    this.serverErrors = new Map(); // path → message
    this.busy = false;
  }

  // ------------------------------------------------------------ loading

  async open(main) {
    this.main = main;
    mount(main, h('p', { class: 'muted loading', text: t('list.loading') }));
    try {
      const [topic, members, candidates, member] = await Promise.all([
        this.topicId ? api.topic(this.topicId) : Promise.resolve(clone(this.template)),
        this.topicId ? api.members(this.topicId) : Promise.resolve([]),
        api.candidates(),
        api.defaultMember().catch(() => ({ CanRespond: true, CanNotify: true, CanListen: false, CanManage: false })),
      ]);
      this.load(topic, members);
      this.candidates = candidates || [];
      this.defaultRights = Object.fromEntries(RIGHTS.map((r) => [r, Boolean(member[r])]));
    } catch (err) {
      mount(
        main,
        h('div', { class: 'center' }, h('div', { class: 'card' }, h('p', { class: 'form-error', role: 'alert', text: errorText(err) }), h('a', { class: 'btn', href: '#/', text: t('editor.back') }))),
      );
      return;
    }
    this.render(main);
  }

  load(topic, members) {
    topic.Widget = topic.Widget || clone(this.template.Widget || {});
    topic.OpeningHours = topic.OpeningHours || clone(this.template.OpeningHours || {});
    topic.BotSettings = topic.BotSettings || clone(this.template.BotSettings || {});
    this.draft = topic;
    this.members = (members || []).map((m) => ({
      User: m.User,
      CanRespond: m.CanRespond,
      CanNotify: m.CanNotify,
      CanListen: m.CanListen,
      CanManage: m.CanManage,
    }));
    this.saved = this.snapshot();
  }

  snapshot() {
    const body = this.body();
    const members = this.members.map((m) => [m.User && m.User.AssociateId, ...RIGHTS.map((r) => Boolean(m[r]))]);
    return JSON.stringify([body, members]);
  }

  /** The entity as it is sent: the draft without read-only and per-caller parts. */
  body() {
    const out = clone(this.draft);
    for (const key of NOT_SENT) delete out[key];
    return out;
  }

  dirty() {
    return this.draft !== undefined && this.snapshot() !== this.saved;
  }

  discard() {
    this.saved = this.snapshot();
  }

  // ------------------------------------------------------------ frame

  render(main) {
    this.main = main || this.main;
    this.fields.clear();
    const isNew = !this.draft.ChatTopicId;
    this.title = h('h1', { class: 'editor-title', text: this.heading() });
    this.dirtyChip = h('span', { class: 'chip chip-warn', text: t('editor.unsaved'), hidden: true });
    this.banner = h('div', { class: 'banner', role: 'alert', hidden: true });
    this.saveButton = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'save', onclick: () => this.save() }, icon('check'), t('action.save'));
    const actions = h(
      'div',
      { class: 'editor-actions' },
      isNew
        ? null
        : h('button', { type: 'button', class: 'btn', 'data-action': 'script', onclick: () => scriptDialog(this.draft) }, icon('code'), t('script.view')),
      isNew
        ? null
        : h('button', { type: 'button', class: 'btn btn-danger-quiet', 'data-action': 'delete', onclick: () => this.remove() }, icon('trash'), t('action.delete')),
      this.saveButton,
    );
    const head = h(
      'div',
      { class: 'editor-head' },
      h('a', { class: 'back', href: '#/' }, icon('back'), t('editor.back')),
      h('div', { class: 'editor-heading' }, this.title, this.dirtyChip),
      actions,
    );

    this.tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-orientation': 'vertical', 'aria-label': t('editor.sections') });
    this.tabButtons = new Map();
    for (const tab of TABS) {
      const button = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${tab.id}`,
          'aria-controls': `panel-${tab.id}`,
          class: 'tab',
          dataset: { tab: tab.id },
          onclick: () => this.showTab(tab.id, true),
        },
        h('span', { class: 'tab-label', text: t(`tab.${tab.id}`) }),
        h('span', { class: 'tab-warn', hidden: true }, icon('warn'), h('span', { class: 'sr-only', text: t('editor.tabHasErrors') })),
      );
      button.addEventListener('keydown', (e) => this.tabKey(e));
      this.tabButtons.set(tab.id, button);
      add(this.tablist, button);
    }
    this.panels = new Map();
    const panelsWrap = h('div', { class: 'panels' });
    for (const tab of TABS) {
      const panel = h('section', { role: 'tabpanel', id: `panel-${tab.id}`, 'aria-labelledby': `tab-${tab.id}`, class: 'panel', tabindex: '0', hidden: true });
      add(panel, h('h2', { class: 'panel-title', text: t(`tab.${tab.id}`) }));
      if (has(`intro.${tab.id}`)) add(panel, h('p', { class: 'muted panel-intro', text: t(`intro.${tab.id}`) }));
      if (tab.custom === 'hours') this.renderHours(panel);
      else if (tab.custom === 'agents') this.renderAgents(panel);
      else for (const group of tab.groups) add(panel, this.renderGroup(group, tab.id));
      this.panels.set(tab.id, panel);
      add(panelsWrap, panel);
    }

    this.previewRoot = h('div', { class: 'preview-frame' });
    this.previewButtons = new Map();
    const switcher = h('div', { class: 'preview-states', role: 'group', 'aria-label': t('preview.states') });
    for (const s of PREVIEW_STATES) {
      const b = h('button', { type: 'button', class: 'seg', 'aria-pressed': 'false', dataset: { state: s }, text: t(`preview.${s}`), onclick: () => {
        this.previewState = s;
        this.updatePreview();
      } });
      this.previewButtons.set(s, b);
      add(switcher, b);
    }
    this.previewPane = h(
      'aside',
      { class: 'preview-pane', 'aria-labelledby': 'preview-title' },
      h('div', { class: 'preview-head' }, h('h2', { id: 'preview-title', text: t('preview.title') }), h('span', { class: 'chip chip-live', text: t('preview.live') })),
      switcher,
      this.previewRoot,
      h('p', { class: 'muted small', text: t('preview.note') }),
    );
    const form = h('div', { class: 'editor-form' }, this.tablist, panelsWrap);
    const bodyEl = h('div', { class: 'editor-body' }, form, this.previewPane);
    mount(this.main, head, this.banner, bodyEl);
    this.showTab(this.tab);
    this.validate(false);
    this.changed();
  }

  heading() {
    if (this.draft.ChatTopicId) return this.draft.Name || t('list.unnamed');
    return t('editor.new');
  }

  showTab(id, focus = false) {
    const tab = TABS.find((x) => x.id === id) ? id : 'properties';
    if (this.tab !== tab) this.previewState = null;
    this.tab = tab;
    for (const [key, button] of this.tabButtons || []) {
      const on = key === tab;
      button.setAttribute('aria-selected', String(on));
      button.tabIndex = on ? 0 : -1;
      this.panels.get(key).hidden = !on;
    }
    if (!this.tabButtons) return;
    this.main.querySelector('.editor-body').classList.toggle('no-preview', tab === 'agents');
    if (focus) this.tabButtons.get(tab).focus();
    if (this.onTab) this.onTab(tab);
    this.updatePreview();
  }

  tabKey(event) {
    const ids = TABS.map((x) => x.id);
    const i = ids.indexOf(this.tab);
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    let next = null;
    if (event.key in moves) next = ids[(i + moves[event.key] + ids.length) % ids.length];
    else if (event.key === 'Home') next = ids[0];
    else if (event.key === 'End') next = ids[ids.length - 1];
    if (next) {
      event.preventDefault();
      this.showTab(next, true);
    }
  }

  // ------------------------------------------------------------ fields

  renderGroup(group, tabId) {
    const children = group.fields.map((f) => this.renderField(f, tabId));
    if (!group.legend) return h('div', { class: 'group' }, children);
    return h(
      'fieldset',
      { class: group.columns ? 'group group-columns' : 'group' },
      h('legend', { text: t(`group.${group.legend}`) }),
      has(`groupHelp.${group.legend}`) ? h('p', { class: 'muted small group-help', text: t(`groupHelp.${group.legend}`) }) : null,
      children,
    );
  }

  renderField(f, tabId) {
    const id = newId('f');
    const errId = `${id}-err`;
    const helpId = `${id}-help`;
    const label = t(`field.${f.path}`);
    const help = has(`help.${f.path}`) ? t(`help.${f.path}`) : '';
    const describedBy = [help ? helpId : '', errId].filter(Boolean).join(' ');
    const error = h('p', { id: errId, class: 'field-error' });
    const value = getPath(this.draft, f.path);
    const wrap = h('div', { class: `field field-${f.type}`, dataset: { path: f.path } });
    const entry = { wrap, error, tab: tabId, field: f, inputs: [] };
    this.fields.set(f.path, entry);
    const helpEl = help ? h('p', { id: helpId, class: 'help', text: help }) : null;

    if (f.type === 'checkbox') {
      const input = h('input', { type: 'checkbox', id, checked: Boolean(value), 'aria-describedby': describedBy });
      input.addEventListener('change', () => this.set(f.path, input.checked));
      entry.inputs.push(input);
      add(wrap, h('div', { class: 'check' }, input, h('label', { for: id, text: label })), helpEl, error);
      return wrap;
    }
    if (f.type === 'flags') return this.renderFlags(f, entry, label, helpEl, error, describedBy);
    if (f.type === 'ref') return this.renderRef(f, entry, label, helpEl, error);

    let control;
    if (f.type === 'textarea') {
      control = h('textarea', { id, rows: f.rows || 3, maxlength: f.max || null, 'aria-describedby': describedBy, value: value || '' });
    } else if (f.type === 'select') {
      control = h(
        'select',
        { id, 'aria-describedby': describedBy },
        f.options.map((o) => h('option', { value: o, text: this.optionText(f, o), selected: (value || '') === o })),
      );
    } else if (f.type === 'number') {
      control = h('input', { id, type: 'number', min: 0, step: 1, inputmode: 'numeric', 'aria-describedby': describedBy, value: value === undefined || value === null ? '' : String(value) });
    } else if (f.type === 'color') {
      return this.renderColor(f, entry, id, label, helpEl, error, describedBy);
    } else {
      const listId = f.type === 'font' ? `${id}-fonts` : null;
      control = h('input', {
        id,
        type: f.type === 'emails' ? 'text' : 'text',
        maxlength: f.max || null,
        list: listId,
        autocomplete: 'off',
        required: f.required || null,
        'aria-required': f.required ? 'true' : null,
        'aria-describedby': describedBy,
        value: value || '',
      });
      if (listId) add(wrap, h('datalist', { id: listId }, FONTS.map((name) => h('option', { value: name }))));
    }
    const counter = f.max && (f.type === 'text' || f.type === 'textarea' || f.type === 'emails') ? h('span', { class: 'counter', 'aria-hidden': 'true' }) : null;
    const update = () => {
      if (counter) counter.textContent = `${control.value.length} / ${f.max}`;
    };
    control.addEventListener('input', () => {
      let v = control.value;
      if (f.type === 'number') v = control.value === '' ? 0 : Number(control.value);
      this.set(f.path, v);
      update();
    });
    if (f.type === 'select') control.addEventListener('change', () => this.set(f.path, control.value));
    update();
    entry.inputs.push(control);
    entry.counter = counter;
    const labelEl = h('label', { for: id, class: 'label' }, label, f.required ? h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null);
    const unit = f.unit ? h('span', { class: 'unit', text: t(`unit.${f.unit}`) }) : null;
    add(wrap, h('div', { class: 'label-row' }, labelEl, counter), h('div', { class: 'control-row' }, control, unit), helpEl, error);
    return wrap;
  }

  optionText(f, value) {
    if (f.optionLabel === 'lang') return value ? LANGUAGE_NAMES[value] : t('opt.lang.default');
    if (f.optionLabel === 'fontSize') return value ? value : t('opt.fontSize.default');
    return t(`opt.${f.optionLabel}.${value}`);
  }

  renderColor(f, entry, id, label, helpEl, error, describedBy) {
    const value = getPath(this.draft, f.path) || '';
    const text = h('input', {
      id,
      type: 'text',
      class: 'color-text',
      maxlength: 16,
      spellcheck: 'false',
      autocomplete: 'off',
      placeholder: t('field.auto'),
      'aria-describedby': describedBy,
      value,
    });
    const picker = h('input', { type: 'color', class: 'color-picker', 'aria-label': t('field.pick', { name: label }), tabindex: '-1' });
    const clear = h('button', { type: 'button', class: 'btn btn-small btn-quiet icon-only', title: t('field.resetNamed', { name: label }), 'aria-label': t('field.resetNamed', { name: label }) }, icon('close'));
    const sync = () => {
      const v = text.value.trim();
      picker.value = HEX.test(v) && v.length === 7 ? v.toLowerCase() : this.effectiveColor(f.path);
    };
    text.addEventListener('input', () => {
      this.set(f.path, text.value.trim());
      sync();
    });
    picker.addEventListener('input', () => {
      text.value = picker.value;
      this.set(f.path, picker.value);
    });
    clear.addEventListener('click', () => {
      text.value = '';
      this.set(f.path, '');
      sync();
      text.focus();
    });
    entry.inputs.push(text);
    entry.sync = sync;
    sync();
    add(entry.wrap, h('label', { for: id, class: 'label', text: label }), h('div', { class: 'control-row color-row' }, picker, text, clear), helpEl, error);
    return entry.wrap;
  }

  effectiveColor(path) {
    const c = widgetColors(this.draft.Widget || {});
    const map = {
      'Widget.Color': c.base, 'Widget.BadgeColor': c.badge, 'Widget.BadgeTextColor': c.badgeText,
      'Widget.AgentMsgColor': c.agent, 'Widget.AgentMsgTextColor': c.agentText, 'Widget.CustMsgColor': c.cust,
      'Widget.CustMsgTextColor': c.custText, 'Widget.ButtonColor': c.button, 'Widget.ButtonTextColor': c.buttonText,
    };
    const v = map[path] || '#000000';
    return v.length === 4 ? `#${[...v.slice(1)].map((x) => x + x).join('')}` : v;
  }

  renderFlags(f, entry, label, helpEl, error) {
    const bits = flagBits(getPath(this.draft, f.path));
    const boxes = FORM_FIELDS.map(([name, bit]) => {
      const id = newId('flag');
      const input = h('input', { type: 'checkbox', id, checked: (bits & bit) !== 0, dataset: { flag: name } });
      input.addEventListener('change', () => {
        const now = flagBits(getPath(this.draft, f.path));
        this.set(f.path, flagNames(input.checked ? now | bit : now & ~bit));
      });
      entry.inputs.push(input);
      return h('div', { class: 'check' }, input, h('label', { for: id, text: t(`form.${name}`) }));
    });
    mount(entry.wrap, h('fieldset', { class: 'inline-set' }, h('legend', { text: label }), h('div', { class: 'checks-row' }, boxes)), helpEl, error);
    return entry.wrap;
  }

  renderRef(f, entry, label, helpEl, error) {
    const value = getPath(this.draft, f.path);
    const idInput = h('input', { type: 'number', min: 0, step: 1, id: newId('ref'), value: value ? String(value[f.idKey] || '') : '' });
    const nameInput = h('input', { type: 'text', id: newId('ref'), maxlength: 255, value: value ? value[f.nameKey] || '' : '' });
    const update = () => {
      const n = Number(idInput.value || 0);
      if (!n) this.set(f.path, null);
      else {
        const ref = { [f.idKey]: n, [f.nameKey]: nameInput.value };
        if (f.nameKey === 'Value') ref.Tooltip = '';
        this.set(f.path, ref);
      }
    };
    idInput.addEventListener('input', update);
    nameInput.addEventListener('input', update);
    entry.inputs.push(idInput, nameInput);
    mount(
      entry.wrap,
      h(
        'fieldset',
        { class: 'inline-set' },
        h('legend', { text: label }),
        h(
          'div',
          { class: 'ref-row' },
          h('div', { class: 'ref-id' }, h('label', { for: idInput.id, class: 'label small', text: t('field.refId') }), idInput),
          h('div', { class: 'ref-name' }, h('label', { for: nameInput.id, class: 'label small', text: t('field.refName') }), nameInput),
        ),
      ),
      helpEl,
      error,
    );
    return entry.wrap;
  }

  // ------------------------------------------------------------ opening hours

  renderHours(panel) {
    const hours = this.draft.OpeningHours;
    const enabledId = newId('oh');
    const enabled = h('input', { type: 'checkbox', id: enabledId, checked: Boolean(this.draft.OpeningHoursEnabled) });
    enabled.addEventListener('change', () => this.set('OpeningHoursEnabled', enabled.checked));
    const enabledEntry = { wrap: h('div', { class: 'field', dataset: { path: 'OpeningHoursEnabled' } }), error: h('p', { class: 'field-error' }), tab: 'hours', inputs: [enabled] };
    add(enabledEntry.wrap, h('div', { class: 'check' }, enabled, h('label', { for: enabledId, text: t('field.OpeningHoursEnabled') })), h('p', { class: 'help', text: t('help.OpeningHoursEnabled') }), enabledEntry.error);
    this.fields.set('OpeningHoursEnabled', enabledEntry);

    const zoneId = newId('tz');
    const current = hours.TzLocation ? hours.TzLocation.TZLocationID : 0;
    const zone = h(
      'select',
      { id: zoneId },
      h('option', { value: '0', text: t('hours.serverZone'), selected: !current }),
      ZONES.map(([code, zid, name, iana]) => h('option', { value: String(zid), text: `${zoneName(code, name)} (${code}) · ${iana}`, selected: zid === current })),
    );
    zone.addEventListener('change', () => {
      const n = Number(zone.value);
      this.set('OpeningHours.TzLocation', n ? { TZLocationID: n } : null);
    });
    const zoneEntry = { wrap: h('div', { class: 'field', dataset: { path: 'OpeningHours.TzLocation' } }), error: h('p', { class: 'field-error' }), tab: 'hours', inputs: [zone] };
    add(zoneEntry.wrap, h('label', { for: zoneId, class: 'label', text: t('field.OpeningHours.TzLocation') }), zone, h('p', { class: 'help', text: t('help.OpeningHours.TzLocation') }), zoneEntry.error);
    this.fields.set('OpeningHours.TzLocation', zoneEntry);

    const rows = WEEKDAYS.map((day) => this.dayRow(day));
    const table = h(
      'table',
      { class: 'table hours' },
      h('caption', { class: 'sr-only', text: t('hours.caption') }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('hours.day') }), h('th', { scope: 'col', text: t('hours.open') }), h('th', { scope: 'col', text: t('hours.from') }), h('th', { scope: 'col', text: t('hours.to') }))),
      h('tbody', {}, rows),
    );
    const lunch = this.lunchRow();
    add(panel,
      h('div', { class: 'group' }, enabledEntry.wrap, zoneEntry.wrap),
      h('fieldset', { class: 'group' }, h('legend', { text: t('hours.week') }), table),
      lunch,
    );
  }

  timeInput(path, label) {
    // Text in 24-hour hh:mm rather than type=time, whose 12/24-hour display follows the
    // browser's own locale and not the page language.
    const value = String(getPath(this.draft, path) || '00:00:00').slice(0, 5);
    const input = h('input', {
      type: 'text',
      class: 'time',
      inputmode: 'numeric',
      maxlength: 5,
      placeholder: 'hh:mm',
      autocomplete: 'off',
      value,
      'aria-label': label,
      dataset: { path },
    });
    input.addEventListener('input', () => {
      const m = input.value.trim().match(/^(\d{1,2})[:.](\d{2})$/);
      const ok = m && Number(m[1]) < 24 && Number(m[2]) < 60;
      this.set(path, ok ? `${m[1].padStart(2, '0')}:${m[2]}:00` : `invalid:${input.value}`);
    });
    return input;
  }

  dayRow(day) {
    const name = t(`day.${day}`);
    const base = `OpeningHours.${day}`;
    const openId = newId('day');
    const open = h('input', { type: 'checkbox', id: openId, checked: Boolean(getPath(this.draft, `${base}Enabled`)), 'aria-label': t('hours.openOn', { day: name }) });
    const start = this.timeInput(`${base}Start`, t('hours.opensAt', { day: name }));
    const stop = this.timeInput(`${base}Stop`, t('hours.closesAt', { day: name }));
    const error = h('p', { class: 'field-error' });
    const row = h('tr', { dataset: { day } }, h('th', { scope: 'row', text: name }), h('td', {}, open), h('td', {}, start), h('td', {}, stop, error));
    row.classList.toggle('day-off', !open.checked);
    open.addEventListener('change', () => {
      row.classList.toggle('day-off', !open.checked);
      this.set(`${base}Enabled`, open.checked);
    });
    this.fields.set(`${base}Stop`, { wrap: row, error, tab: 'hours', inputs: [stop] });
    this.fields.set(`${base}Start`, { wrap: row, error, tab: 'hours', inputs: [start] });
    this.fields.set(`${base}Enabled`, { wrap: row, error, tab: 'hours', inputs: [open] });
    return row;
  }

  lunchRow() {
    const id = newId('lunch');
    const use = h('input', { type: 'checkbox', id, checked: Boolean(this.draft.OpeningHours.UseLunchHours) });
    use.addEventListener('change', () => this.set('OpeningHours.UseLunchHours', use.checked));
    const start = this.timeInput('OpeningHours.LunchStart', t('hours.lunchFrom'));
    const stop = this.timeInput('OpeningHours.LunchStop', t('hours.lunchTo'));
    const error = h('p', { class: 'field-error' });
    const wrap = h(
      'fieldset',
      { class: 'group', dataset: { path: 'OpeningHours.LunchStop' } },
      h('legend', { text: t('hours.lunch') }),
      h('div', { class: 'check' }, use, h('label', { for: id, text: t('field.OpeningHours.UseLunchHours') })),
      h('div', { class: 'lunch-times' }, h('label', {}, h('span', { class: 'label small', text: t('hours.from') }), start), h('label', {}, h('span', { class: 'label small', text: t('hours.to') }), stop)),
      h('p', { class: 'help', text: t('help.OpeningHours.UseLunchHours') }),
      error,
    );
    this.fields.set('OpeningHours.LunchStop', { wrap, error, tab: 'hours', inputs: [stop] });
    this.fields.set('OpeningHours.LunchStart', { wrap, error, tab: 'hours', inputs: [start] });
    this.fields.set('OpeningHours.UseLunchHours', { wrap, error, tab: 'hours', inputs: [use] });
    return wrap;
  }

  // ------------------------------------------------------------ members

  renderAgents(panel) {
    this.agentsBody = h('tbody');
    this.agentsError = h('p', { class: 'field-error', role: 'alert' });
    const addId = newId('add');
    this.addSelect = h('select', { id: addId });
    const addButton = h('button', { type: 'button', class: 'btn', 'data-action': 'add-member', onclick: () => this.addMember() }, icon('plus'), t('agents.add'));
    const legend = h(
      'dl',
      { class: 'rights-legend' },
      RIGHTS.map((r) => [h('dt', { text: t(`right.${r}`) }), h('dd', { text: t(`rightHelp.${r}`) })]),
    );
    add(panel,
      h('div', { class: 'add-member' }, h('label', { for: addId, class: 'label', text: t('agents.user') }), h('div', { class: 'control-row' }, this.addSelect, addButton)),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table members' },
          h('caption', { class: 'sr-only', text: t('agents.caption') }),
          h(
            'thead',
            {},
            h('tr', {}, h('th', { scope: 'col', text: t('agents.user') }), RIGHTS.map((r) => h('th', { scope: 'col', class: 'right-col', text: t(`right.${r}`) })), h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('list.actions') }))),
          ),
          this.agentsBody,
        ),
      ),
      this.agentsError,
      legend,
    );
    this.fillAgents();
  }

  fillAgents() {
    const taken = new Set(this.members.map((m) => m.User && m.User.AssociateId));
    const free = this.candidates.filter((c) => !taken.has(c.Id) && !c.Deleted);
    mount(
      this.addSelect,
      free.length
        ? free.map((c) => h('option', { value: String(c.Id), text: c.ExtraInfo && c.ExtraInfo !== c.Name ? `${c.Name} (${c.ExtraInfo})` : c.Name }))
        : h('option', { value: '', text: t('agents.noneLeft') }),
    );
    this.addSelect.disabled = !free.length;
    if (!this.members.length) {
      mount(this.agentsBody, h('tr', {}, h('td', { colspan: 6, class: 'muted', text: t('agents.empty') })));
      return;
    }
    mount(
      this.agentsBody,
      this.members.map((m, index) => {
        const who = m.User ? m.User.FullName || m.User.Name : '?';
        const login = m.User ? m.User.UserName || m.User.Name : '';
        return h(
          'tr',
          { dataset: { user: login } },
          h('th', { scope: 'row' }, h('span', { class: 'member-name', text: who }), login && login !== who ? h('span', { class: 'muted small', text: ` ${login}` }) : null),
          RIGHTS.map((r) => {
            const box = h('input', { type: 'checkbox', checked: Boolean(m[r]), 'aria-label': t('agents.rightFor', { right: t(`right.${r}`), name: who }), dataset: { right: r } });
            box.addEventListener('change', () => {
              m[r] = box.checked;
              this.changed();
            });
            return h('td', { class: 'right-col', 'data-label': t(`right.${r}`) }, box);
          }),
          h(
            'td',
            { class: 'actions' },
            h('button', { type: 'button', class: 'btn btn-small btn-quiet', 'aria-label': t('agents.removeNamed', { name: who }), onclick: () => {
              this.members.splice(index, 1);
              this.fillAgents();
              this.changed();
              this.addSelect.focus();
            } }, icon('trash'), h('span', { class: 'btn-text', text: t('agents.remove') })),
          ),
        );
      }),
    );
  }

  addMember() {
    const id = Number(this.addSelect.value);
    const c = this.candidates.find((x) => x.Id === id);
    if (!c) return;
    const user = c.ExtraInfo || c.ToolTip || '';
    this.members.push({ User: { AssociateId: c.Id, Name: user, UserName: user, FullName: c.Name }, ...this.defaultRights });
    this.fillAgents();
    this.changed();
    announce(t('agents.added', { name: c.Name }));
    const boxes = this.agentsBody.querySelectorAll('tr:last-child input');
    if (boxes.length) boxes[0].focus();
  }

  // ------------------------------------------------------------ changes and checks

  set(path, value) {
    setPath(this.draft, path, value);
    if (this.serverErrors.delete(path)) this.showErrors();
    this.changed();
  }

  changed() {
    if (this.dirtyChip) this.dirtyChip.hidden = !this.dirty();
    this.validate(false);
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.updatePreview());
  }

  updatePreview() {
    if (!this.previewRoot) return;
    const tab = TABS.find((x) => x.id === this.tab);
    const state = this.previewState || (tab && tab.preview) || 'chat';
    for (const [s, b] of this.previewButtons) b.setAttribute('aria-pressed', String(s === state));
    renderPreview(this.previewRoot, this.draft, state, t('preview.label', { state: t(`preview.${state}`) }));
    for (const entry of this.fields.values()) if (entry.sync) entry.sync();
  }

  /** Client checks; ``show`` also writes them next to the fields. Returns path → message. */
  validate(show = true) {
    const errors = new Map();
    const d = this.draft;
    const name = (d.Name || '').trim();
    if (!name) errors.set('Name', t('error.required'));
    else {
      const clash = this.topics.find((x) => x.ChatTopicId !== d.ChatTopicId && (x.Name || '').trim().toLowerCase() === name.toLowerCase());
      if (clash) errors.set('Name', t('error.nameTaken'));
    }
    for (const [path, entry] of this.fields) {
      const f = entry.field;
      if (!f) continue;
      const v = getPath(d, path);
      if (f.type === 'color' && v && !HEX.test(v)) errors.set(path, t('error.color'));
      if (f.type === 'number' && (!Number.isInteger(v) || v < 0 || (entry.inputs[0] && entry.inputs[0].validity.badInput))) errors.set(path, t('error.number'));
      if (f.type === 'emails' && v) {
        const bad = v.split(/[,;\s]+/).filter((x) => x && !EMAIL.test(x));
        if (bad.length) errors.set(path, t('error.emails', { list: bad.join(', ') }));
      }
    }
    const hours = d.OpeningHours || {};
    const times = WEEKDAYS.flatMap((day) => [`${day}Start`, `${day}Stop`]).concat(['LunchStart', 'LunchStop']);
    for (const key of times) {
      if (String(hours[key] || '').startsWith('invalid:')) errors.set(`OpeningHours.${key}`, t('error.time'));
    }
    for (const day of WEEKDAYS) {
      if (errors.has(`OpeningHours.${day}Start`) || errors.has(`OpeningHours.${day}Stop`)) continue;
      if (hours[`${day}Enabled`] && String(hours[`${day}Stop`]) <= String(hours[`${day}Start`])) {
        errors.set(`OpeningHours.${day}Stop`, t('error.hoursOrder'));
      }
    }
    if (hours.UseLunchHours && !errors.has('OpeningHours.LunchStart') && !errors.has('OpeningHours.LunchStop') && String(hours.LunchStop) <= String(hours.LunchStart)) {
      errors.set('OpeningHours.LunchStop', t('error.hoursOrder'));
    }
    this.clientErrors = errors;
    // Mandatory fields are framed red and their tab warned about at all times (ui.md C2);
    // other messages appear once the user tries to save.
    for (const [path, entry] of this.fields) {
      const missing = entry.field && entry.field.required && !String(getPath(d, path) || '').trim();
      entry.wrap.classList.toggle('missing', Boolean(missing));
    }
    if (show) this.shown = true;
    this.showErrors();
    return errors;
  }

  showErrors() {
    const messages = new Map();
    if (this.shown) for (const [p, m] of this.clientErrors || []) messages.set(p, m);
    else if (this.clientErrors && this.clientErrors.has('Name') && !(this.draft.Name || '').trim()) messages.set('Name', '');
    for (const [p, m] of this.serverErrors) messages.set(p, m);
    const badTabs = new Set();
    const seen = new Set();
    for (const [path, entry] of this.fields) {
      const msg = messages.get(path);
      if (seen.has(entry.error) && msg === undefined) continue;
      seen.add(entry.error);
      entry.error.textContent = msg || '';
      entry.wrap.classList.toggle('invalid', msg !== undefined && msg !== '');
      for (const input of entry.inputs) {
        if (msg !== undefined) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      }
      if (msg !== undefined) badTabs.add(entry.tab);
    }
    if (this.agentsError && this.agentsError.textContent) badTabs.add('agents');
    for (const [id, button] of this.tabButtons || []) {
      const bad = badTabs.has(id);
      button.classList.toggle('has-error', bad);
      button.querySelector('.tab-warn').hidden = !bad;
    }
    return badTabs;
  }

  showBanner(message) {
    this.banner.hidden = !message;
    mount(this.banner, message ? [icon('warn'), h('span', { text: message })] : []);
  }

  focusFirstError() {
    const order = TABS.map((x) => x.id);
    const entries = [...this.fields.entries()].filter(([p]) => (this.shown && this.clientErrors.has(p)) || this.serverErrors.has(p));
    entries.sort((a, b) => order.indexOf(a[1].tab) - order.indexOf(b[1].tab));
    if (!entries.length) return;
    const [, entry] = entries[0];
    this.showTab(entry.tab);
    const input = entry.inputs.find((i) => i.getAttribute('aria-invalid') === 'true') || entry.inputs[0];
    if (input) input.focus();
  }

  /** The field a server message names: every language writes "… {field}: {detail}". */
  fieldOf(message) {
    const named = message.match(/([A-Za-z][\w.]*)\s*:/);
    if (named && this.fields.has(named[1])) return named[1];
    const tokens = message.match(/[A-Za-z]+(?:\.[A-Za-z]+)+/g) || [];
    return tokens.find((token) => this.fields.has(token)) || null;
  }

  // ------------------------------------------------------------ save and delete

  async save() {
    if (this.busy) return;
    this.serverErrors.clear();
    this.showBanner('');
    const errors = this.validate(true);
    if (errors.size) {
      this.showBanner(t('error.fix', { count: errors.size }));
      this.focusFirstError();
      return;
    }
    this.busy = true;
    this.saveButton.disabled = true;
    this.saveButton.setAttribute('aria-busy', 'true');
    const isNew = !this.draft.ChatTopicId;
    let topic;
    try {
      topic = isNew ? await api.createTopic(this.body()) : await api.saveTopic(this.draft.ChatTopicId, this.body());
    } catch (err) {
      this.failed(err);
      return;
    }
    this.topicId = topic.ChatTopicId;
    this.draft.ChatTopicId = topic.ChatTopicId;
    let members = null;
    try {
      members = await api.setMembers(topic.ChatTopicId, this.members.map((m) => ({ User: { AssociateId: m.User.AssociateId }, ...Object.fromEntries(RIGHTS.map((r) => [r, Boolean(m[r])])) })));
    } catch (err) {
      this.agentsError.textContent = errorText(err);
    }
    this.busy = false;
    this.saveButton.disabled = false;
    this.saveButton.removeAttribute('aria-busy');
    const index = this.topics.findIndex((x) => x.ChatTopicId === topic.ChatTopicId);
    if (index >= 0) this.topics[index] = topic;
    else this.topics.push(topic);
    const tab = this.tab;
    this.load(topic, members || this.members);
    if (!members) this.saved = ''; // members still unsaved
    await this.onSaved(topic);
    this.render();
    this.showTab(tab);
    if (members) {
      announce(t('editor.saved', { name: topic.Name }));
    } else {
      this.agentsError.textContent = this.agentsError.textContent || t('error.members');
      this.showErrors();
      this.showBanner(t('error.members'));
    }
  }

  async failed(err) {
    this.busy = false;
    this.saveButton.disabled = false;
    this.saveButton.removeAttribute('aria-busy');
    if (err instanceof ApiError && err.status === 401) {
      // The session ended while editing: sign in again here and save, keeping the edits.
      if (await signInAgainDialog(sessionStorage.getItem('sochat.admin.user') || '')) this.save();
      else this.showBanner(t('session.lost'));
      return;
    }
    const message = errorText(err);
    const path = err instanceof ApiError ? this.fieldOf(message) : null;
    if (path) {
      this.serverErrors.set(path, message);
      this.showErrors();
      this.showBanner(t('error.server'));
      this.focusFirstError();
    } else {
      this.showBanner(message);
    }
  }

  async remove() {
    const ok = await confirmDialog({
      title: t('delete.title', { name: this.draft.Name }),
      message: t('delete.text'),
      confirm: t('action.delete'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteTopic(this.draft.ChatTopicId);
    } catch (err) {
      this.showBanner(errorText(err));
      return;
    }
    const index = this.topics.findIndex((x) => x.ChatTopicId === this.draft.ChatTopicId);
    if (index >= 0) this.topics.splice(index, 1);
    announce(t('delete.done', { name: this.draft.Name }));
    this.saved = this.snapshot();
    this.onDeleted();
  }
}
