// The channel dialog as data: tabs, groups and fields over ChatTopicEntity (entities.md).
// ``path`` is the wire path inside the entity ("Widget.WelcomeTitle"); the server names the
// same path in its validation errors, which is how an error finds its field.

export const LANGUAGES = ['en', 'nb', 'sv', 'da', 'de', 'nl'];
export const FONTS = [
  'Arial', 'Verdana', 'Tahoma', 'Trebuchet MS', 'Segoe UI', 'Helvetica', 'Georgia',
  'Times New Roman', 'Courier New', 'system-ui',
];
export const FONT_SIZES = ['', '12px', '13px', '14px', '15px', '16px', '18px'];
// WidgetRequiredFields flags (enums.md 2.5), in the order the forms show them.
export const FORM_FIELDS = [
  ['Name', 2],
  ['Email', 1],
  ['Company', 4],
  ['Phone', 8],
  ['Country', 16],
];
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const text = (path, max, extra = {}) => ({ path, type: 'text', max, ...extra });
const area = (path, max, extra = {}) => ({ path, type: 'textarea', max, ...extra });
const check = (path, extra = {}) => ({ path, type: 'checkbox', ...extra });
const num = (path, extra = {}) => ({ path, type: 'number', ...extra });
const colour = (path) => ({ path, type: 'color' });

export const TABS = [
  {
    id: 'properties',
    preview: 'chat',
    groups: [
      {
        fields: [
          text('Name', 255, { required: true }),
          area('Description', 255, { rows: 2 }),
          { path: 'Widget.LanguageIsoCode', type: 'select', options: ['', ...LANGUAGES], optionLabel: 'lang' },
          text('BadgeHeader', 255),
          area('WelcomeMessage', 0, { rows: 3 }),
        ],
      },
    ],
  },
  { id: 'hours', preview: 'offline', custom: 'hours' },
  {
    id: 'queue',
    preview: 'queue',
    groups: [
      {
        legend: 'queueText',
        fields: [check('CustomQueueTextEnabled'), text('CustomQueueText', 255)],
      },
      {
        legend: 'warnings',
        columns: true,
        fields: [
          num('WarnNewChatMinutes', { unit: 'minutes' }),
          num('WarnManagerNewChatMinutes', { unit: 'minutes' }),
          num('WarnChatMessageMinutes', { unit: 'minutes' }),
          num('WarnManagerChatMessageMinutes', { unit: 'minutes' }),
        ],
      },
      {
        legend: 'queueOffline',
        columns: true,
        fields: [
          check('UseQueueOfflineForm'),
          num('OfflineFormTimeLimit', { unit: 'minutes' }),
          num('OfflineFormQueueLength', { unit: 'customers' }),
        ],
      },
      {
        legend: 'alerts',
        fields: [
          { path: 'AlertRecipient', type: 'emails', max: 255 },
          { path: 'AlertTemplate', type: 'ref', idKey: 'ReplyTemplateId', nameKey: 'Name' },
        ],
      },
    ],
  },
  {
    id: 'look',
    preview: 'chat',
    groups: [
      {
        legend: 'theme',
        fields: [
          { path: 'Widget.Theme', type: 'select', options: ['Classic', 'Modern'], optionLabel: 'theme' },
          { path: 'Widget.Size', type: 'select', options: ['Normal', 'Large'], optionLabel: 'size' },
          colour('Widget.Color'),
          { path: 'Widget.Font', type: 'font', max: 64 },
          { path: 'Widget.FontSize', type: 'select', options: FONT_SIZES, optionLabel: 'fontSize' },
        ],
      },
      {
        legend: 'header',
        fields: [
          text('Widget.WelcomeTitle', 255),
          text('Widget.WelcomeMessage', 255),
          check('Widget.LogoEnabled'),
          text('Widget.LogoName', 255),
          check('Widget.ShowAgentPhoto'),
          check('Widget.UseAgentFirstname'),
        ],
      },
      {
        legend: 'colours',
        columns: true,
        fields: [
          colour('Widget.BadgeColor'),
          colour('Widget.BadgeTextColor'),
          colour('Widget.AgentMsgColor'),
          colour('Widget.AgentMsgTextColor'),
          colour('Widget.CustMsgColor'),
          colour('Widget.CustMsgTextColor'),
          colour('Widget.ButtonColor'),
          colour('Widget.ButtonTextColor'),
        ],
      },
    ],
  },
  {
    id: 'prechat',
    preview: 'prechat',
    groups: [
      {
        fields: [
          check('Widget.PreFormEnabled'),
          area('Widget.PreFormMessage', 1024, { rows: 3 }),
          { path: 'Widget.RequiredFields', type: 'flags' },
          check('CollectConsent'),
        ],
      },
      {
        legend: 'faq',
        fields: [
          check('Widget.AutoFaqEnabled'),
          { path: 'Widget.AutoFaqCategory', type: 'ref', idKey: 'KbCategoryId', nameKey: 'Name' },
        ],
      },
    ],
  },
  {
    id: 'offline',
    preview: 'offline',
    groups: [
      {
        fields: [text('Widget.OfflineHeader', 255), area('Widget.OfflineMessage', 1024, { rows: 3 })],
      },
      {
        legend: 'requests',
        fields: [
          check('TicketEnabled'),
          { path: 'Widget.OfflineFields', type: 'flags' },
          check('OfflineCollectConsent'),
          { path: 'TicketCategory', type: 'ref', idKey: 'Id', nameKey: 'Value' },
          { path: 'TicketPriority', type: 'ref', idKey: 'Id', nameKey: 'Value' },
        ],
      },
    ],
  },
  {
    id: 'postchat',
    preview: 'postchat',
    groups: [
      {
        fields: [
          check('Widget.PostFormEnabled'),
          text('Widget.PostFormHeader', 255),
          area('Widget.PostFormMessage', 1024, { rows: 3 }),
          check('Widget.PostTranscriptEnabled'),
        ],
      },
      {
        legend: 'rating',
        fields: [check('WidgetEnableRating'), area('WidgetRatingText', 1024, { rows: 2 })],
      },
    ],
  },
  { id: 'agents', custom: 'agents' },
  {
    id: 'bot',
    preview: 'chat',
    groups: [
      {
        fields: [
          check('BotEnabled'),
          text('BotSettings.BotName', 80),
          num('BotSettings.BotRegisterScriptId'),
          num('BotSettings.BotSessionCreatedScriptId'),
          num('BotSettings.BotSessionChangedScriptId'),
          num('BotSettings.BotMessageReceivedScriptId'),
        ],
      },
    ],
  },
];

/** The value at a dotted wire path ("Widget.Color"), or undefined. */
export function getPath(obj, path) {
  return path.split('.').reduce((o, key) => (o === null || o === undefined ? undefined : o[key]), obj);
}

/** Set a dotted path, creating nested objects on the way. */
export function setPath(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const key of keys.slice(0, -1)) {
    if (o[key] === null || typeof o[key] !== 'object') o[key] = {};
    o = o[key];
  }
  o[keys[keys.length - 1]] = value;
}

/** Flags string ("Email, Name") or number → bits. */
export function flagBits(value) {
  if (typeof value === 'number') return value;
  const names = Object.fromEntries(FORM_FIELDS.map(([n, v]) => [n.toLowerCase(), v]));
  return String(value || '')
    .split(/,\s*/)
    .reduce((bits, name) => bits | (names[name.trim().toLowerCase()] || 0), 0);
}

/** Bits → the flags string the server writes ("Email, Name"; "None" for 0). */
export function flagNames(bits) {
  const names = [...FORM_FIELDS].sort((a, b) => a[1] - b[1]).filter(([, v]) => bits & v).map(([n]) => n);
  return names.length ? names.join(', ') : 'None';
}
