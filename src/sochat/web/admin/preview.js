// A faithful mock of the visitor widget, drawn from a ChatTopicEntity as it is being edited:
// the badge on the page and the open window (header, welcome texts, a sample conversation,
// the pre-chat, queue, offline and post-chat views) in the channel's theme, colours and font.
// It only renders; nothing here talks to the server.

import { h, icon } from './dom.js';
import { FORM_FIELDS, flagBits } from './fields.js';

export const DEFAULT_COLOR = '#0b6bcb';
const AGENT_BUBBLE = '#eef1f5';
const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

// The widget's built-in labels follow the channel language (ui.md 1.4); sample texts too.
const WIDGET_TEXTS = {
  en: {
    offlineDefault: 'Nobody can chat right now. Please try again later.', hours: 'Opening hours', lunch: 'Closed for lunch {from}–{to}',
    badge: 'Chat with us', title: 'Chat', write: 'Write a message…', send: 'Send', start: 'Start chat',
    Name: 'Name', Email: 'E-mail', Company: 'Company', Phone: 'Phone', Country: 'Country',
    consent: 'I agree that my details are stored to handle this chat.',
    question: 'Your question', sendRequest: 'Send request', queue: 'You are number {cque} in the queue. Average wait {cavw}.',
    rate: 'Rate this chat', transcript: 'E-mail me the transcript', newChat: 'Start a new chat',
    typing: '{name} is typing…', joined: '{name} joined the chat', closed: 'We are closed right now.',
    cust1: 'Hi! Can I change the delivery address of my order?', agent1: 'Of course. What is the new address?',
    cust2: 'Storgata 1, 0155 Oslo.', minimise: 'Minimise', close: 'Close', required: 'required',
    ended: 'The chat has ended.',
  },
  nb: {
    offlineDefault: 'Ingen kan chatte akkurat nå. Prøv igjen senere.', hours: 'Åpningstider', lunch: 'Stengt for lunsj {from}–{to}',
    badge: 'Chat med oss', title: 'Chat', write: 'Skriv en melding…', send: 'Send', start: 'Start chat',
    Name: 'Navn', Email: 'E-post', Company: 'Firma', Phone: 'Telefon', Country: 'Land',
    consent: 'Jeg godtar at opplysningene mine lagres for å behandle denne chatten.',
    question: 'Spørsmålet ditt', sendRequest: 'Send henvendelse', queue: 'Du er nummer {cque} i køen. Gjennomsnittlig ventetid {cavw}.',
    rate: 'Vurder chatten', transcript: 'Send meg chatloggen på e-post', newChat: 'Start ny chat',
    typing: '{name} skriver…', joined: '{name} ble med i chatten', closed: 'Vi er stengt nå.',
    cust1: 'Hei! Kan jeg endre leveringsadressen på bestillingen min?', agent1: 'Selvsagt. Hva er den nye adressen?',
    cust2: 'Storgata 1, 0155 Oslo.', minimise: 'Minimer', close: 'Lukk', required: 'påkrevd',
    ended: 'Chatten er avsluttet.',
  },
  sv: {
    offlineDefault: 'Ingen kan chatta just nu. Försök igen senare.', hours: 'Öppettider', lunch: 'Stängt för lunch {from}–{to}',
    badge: 'Chatta med oss', title: 'Chatt', write: 'Skriv ett meddelande…', send: 'Skicka', start: 'Starta chatt',
    Name: 'Namn', Email: 'E-post', Company: 'Företag', Phone: 'Telefon', Country: 'Land',
    consent: 'Jag godkänner att mina uppgifter sparas för att hantera chatten.',
    question: 'Din fråga', sendRequest: 'Skicka ärende', queue: 'Du är nummer {cque} i kön. Genomsnittlig väntetid {cavw}.',
    rate: 'Betygsätt chatten', transcript: 'Mejla mig chattloggen', newChat: 'Starta ny chatt',
    typing: '{name} skriver…', joined: '{name} anslöt till chatten', closed: 'Vi har stängt just nu.',
    cust1: 'Hej! Kan jag ändra leveransadressen för min beställning?', agent1: 'Självklart. Vilken är den nya adressen?',
    cust2: 'Storgatan 1, 111 22 Stockholm.', minimise: 'Minimera', close: 'Stäng', required: 'obligatoriskt',
    ended: 'Chatten är avslutad.',
  },
  da: {
    offlineDefault: 'Ingen kan chatte lige nu. Prøv igen senere.', hours: 'Åbningstider', lunch: 'Lukket for frokost {from}–{to}',
    badge: 'Chat med os', title: 'Chat', write: 'Skriv en besked…', send: 'Send', start: 'Start chat',
    Name: 'Navn', Email: 'E-mail', Company: 'Firma', Phone: 'Telefon', Country: 'Land',
    consent: 'Jeg accepterer, at mine oplysninger gemmes for at behandle denne chat.',
    question: 'Dit spørgsmål', sendRequest: 'Send henvendelse', queue: 'Du er nummer {cque} i køen. Gennemsnitlig ventetid {cavw}.',
    rate: 'Bedøm chatten', transcript: 'Send mig chatloggen på e-mail', newChat: 'Start ny chat',
    typing: '{name} skriver…', joined: '{name} deltager i chatten', closed: 'Vi har lukket lige nu.',
    cust1: 'Hej! Kan jeg ændre leveringsadressen på min ordre?', agent1: 'Selvfølgelig. Hvad er den nye adresse?',
    cust2: 'Strøget 1, 1160 København.', minimise: 'Minimer', close: 'Luk', required: 'påkrævet',
    ended: 'Chatten er afsluttet.',
  },
  de: {
    offlineDefault: 'Gerade ist niemand für einen Chat da. Bitte versuchen Sie es später.', hours: 'Öffnungszeiten', lunch: 'Mittagspause {from}–{to}',
    badge: 'Chatten Sie mit uns', title: 'Chat', write: 'Nachricht schreiben…', send: 'Senden', start: 'Chat starten',
    Name: 'Name', Email: 'E-Mail', Company: 'Firma', Phone: 'Telefon', Country: 'Land',
    consent: 'Ich bin einverstanden, dass meine Angaben zur Bearbeitung dieses Chats gespeichert werden.',
    question: 'Ihre Frage', sendRequest: 'Anfrage senden', queue: 'Sie sind Nummer {cque} in der Warteschlange. Durchschnittliche Wartezeit {cavw}.',
    rate: 'Chat bewerten', transcript: 'Chatverlauf per E-Mail senden', newChat: 'Neuen Chat starten',
    typing: '{name} schreibt…', joined: '{name} ist dem Chat beigetreten', closed: 'Wir haben gerade geschlossen.',
    cust1: 'Hallo! Kann ich die Lieferadresse meiner Bestellung ändern?', agent1: 'Natürlich. Wie lautet die neue Adresse?',
    cust2: 'Hauptstraße 1, 10115 Berlin.', minimise: 'Minimieren', close: 'Schließen', required: 'Pflichtfeld',
    ended: 'Der Chat wurde beendet.',
  },
  nl: {
    offlineDefault: 'Er is nu niemand beschikbaar om te chatten. Probeer het later opnieuw.', hours: 'Openingstijden', lunch: 'Gesloten voor de lunch {from}–{to}',
    badge: 'Chat met ons', title: 'Chat', write: 'Typ een bericht…', send: 'Verzenden', start: 'Chat starten',
    Name: 'Naam', Email: 'E-mail', Company: 'Bedrijf', Phone: 'Telefoon', Country: 'Land',
    consent: 'Ik ga akkoord met het opslaan van mijn gegevens voor deze chat.',
    question: 'Uw vraag', sendRequest: 'Verzoek versturen', queue: 'U bent nummer {cque} in de wachtrij. Gemiddelde wachttijd {cavw}.',
    rate: 'Beoordeel deze chat', transcript: 'Stuur mij het chatverslag', newChat: 'Nieuwe chat starten',
    typing: '{name} typt…', joined: '{name} neemt deel aan de chat', closed: 'We zijn nu gesloten.',
    cust1: 'Hallo! Kan ik het afleveradres van mijn bestelling wijzigen?', agent1: 'Natuurlijk. Wat is het nieuwe adres?',
    cust2: 'Damstraat 1, 1012 JL Amsterdam.', minimise: 'Minimaliseren', close: 'Sluiten', required: 'verplicht',
    ended: 'De chat is beëindigd.',
  },
};

const SAMPLE_AGENT = { nickname: 'kari', first: 'Kari', full: 'Kari Nordmann' };

/** A readable text colour (near-black or white) on ``hex``. */
export function contrastColor(hex) {
  const rgb = parseHex(hex);
  if (!rgb) return '#ffffff';
  const lum = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
  // White wins when it contrasts at least as well as near-black (#1b1f24, L≈0.014).
  return (1.05) / (l + 0.05) >= (l + 0.05) / 0.064 ? '#ffffff' : '#1b1f24';
}

function parseHex(hex) {
  if (!HEX.test(hex || '')) return null;
  let s = hex.slice(1);
  if (s.length === 3) s = [...s].map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
}

const valid = (c) => (HEX.test(c || '') ? c : '');

/** The colours the widget would use: explicit settings, else derived from the base colour. */
export function widgetColors(w) {
  const base = valid(w.Color) || DEFAULT_COLOR;
  const badge = valid(w.BadgeColor) || base;
  const agent = valid(w.AgentMsgColor) || AGENT_BUBBLE;
  const cust = valid(w.CustMsgColor) || base;
  const button = valid(w.ButtonColor) || base;
  return {
    base,
    headerText: contrastColor(base),
    badge,
    badgeText: valid(w.BadgeTextColor) || contrastColor(badge),
    agent,
    agentText: valid(w.AgentMsgTextColor) || contrastColor(agent),
    cust,
    custText: valid(w.CustMsgTextColor) || contrastColor(cust),
    button,
    buttonText: valid(w.ButtonTextColor) || contrastColor(button),
  };
}

/** CSS font-family for a Widget.Font value. */
export function fontFamily(font) {
  const name = String(font || '').replace(/["\\;{}]/g, '').trim();
  if (!name) return 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  return name === 'system-ui' ? 'system-ui, sans-serif' : `"${name}", system-ui, sans-serif`;
}

function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
}

/**
 * Draw the preview of ``topic`` into ``root`` in ``state`` (badge, prechat, queue, chat,
 * offline, postchat). ``label`` names the preview region for screen readers.
 */
export function renderPreview(root, topic, state, label) {
  const w = topic.Widget || {};
  const lang = WIDGET_TEXTS[w.LanguageIsoCode] ? w.LanguageIsoCode : 'en';
  const tx = WIDGET_TEXTS[lang];
  const colors = widgetColors(w);
  const theme = String(w.Theme || 'Classic').toLowerCase() === 'modern' ? 'modern' : 'classic';
  const size = String(w.Size || 'Normal').toLowerCase() === 'large' ? 'large' : 'normal';
  const agentName = w.UseAgentFirstname ? SAMPLE_AGENT.first : SAMPLE_AGENT.nickname;

  const stage = h('div', {
    class: `pv-stage pv-${theme} pv-${size}`,
    role: 'img',
    'aria-label': label,
    lang,
    dataset: { state, theme, size },
  });
  const vars = {
    '--pv-base': colors.base,
    '--pv-header-text': colors.headerText,
    '--pv-badge': colors.badge,
    '--pv-badge-text': colors.badgeText,
    '--pv-agent': colors.agent,
    '--pv-agent-text': colors.agentText,
    '--pv-cust': colors.cust,
    '--pv-cust-text': colors.custText,
    '--pv-button': colors.button,
    '--pv-button-text': colors.buttonText,
  };
  for (const [k, v] of Object.entries(vars)) stage.style.setProperty(k, v);
  stage.style.fontFamily = fontFamily(w.Font);
  stage.style.fontSize = /^\d{1,2}(\.\d)?px$/.test(w.FontSize || '') ? w.FontSize : '14px';

  if (state !== 'badge') stage.append(windowFor(topic, w, tx, state, agentName, lang));
  stage.append(
    h('div', { class: 'pv-badge' }, icon('chat', 'pv-badge-icon'), h('span', { text: topic.BadgeHeader || tx.badge })),
  );
  root.replaceChildren(stage);
}

function windowFor(topic, w, tx, state, agentName, lang) {
  const showAgent = state === 'chat' && w.ShowAgentPhoto;
  const header = h(
    'div',
    { class: 'pv-header' },
    showAgent
      ? h('span', { class: 'pv-avatar', text: SAMPLE_AGENT.first.slice(0, 1) })
      : w.LogoEnabled
        ? h('span', { class: 'pv-logo', title: w.LogoName || '' }, logoMark(topic))
        : null,
    h(
      'div',
      { class: 'pv-header-text' },
      h('div', { class: 'pv-title', text: showAgent ? agentName : headerTitle(topic, w, tx, state) }),
      headerMessage(w, state) ? h('div', { class: 'pv-subtitle', text: headerMessage(w, state) }) : null,
    ),
    h('span', { class: 'pv-tool', title: tx.minimise }, icon('minus')),
    h('span', { class: 'pv-tool', title: tx.close }, icon('close')),
  );
  const body = h('div', { class: 'pv-body' });
  let footer = null;
  if (state === 'prechat') body.append(prechat(topic, w, tx));
  else if (state === 'offline') body.append(offline(topic, w, tx, lang));
  else if (state === 'postchat') body.append(postchat(topic, w, tx, agentName));
  else {
    body.append(conversation(topic, w, tx, state, agentName));
    footer = h(
      'div',
      { class: 'pv-composer' },
      h('span', { class: 'pv-input', text: tx.write }),
      h('span', { class: 'pv-send', title: tx.send }, icon('send')),
    );
  }
  return h('div', { class: 'pv-window' }, header, body, footer);
}

function headerTitle(topic, w, tx, state) {
  if (state === 'offline') return w.OfflineHeader || tx.closed;
  if (state === 'postchat' && w.PostFormEnabled && w.PostFormHeader) return w.PostFormHeader;
  return w.WelcomeTitle || topic.Name || tx.title;
}

function headerMessage(w, state) {
  if (state === 'offline' || state === 'postchat') return '';
  return w.WelcomeMessage || '';
}

function logoMark(topic) {
  const initials = String(topic.Name || 'S')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0].toUpperCase())
    .join('');
  return initials || 'S';
}

function bubble(kind, text, meta) {
  return h(
    'div',
    { class: `pv-msg pv-${kind}` },
    meta ? h('div', { class: 'pv-meta', text: meta }) : null,
    h('div', { class: 'pv-bubble', text }),
  );
}

function conversation(topic, w, tx, state, agentName) {
  const list = h('div', { class: 'pv-conversation' });
  list.append(bubble('cust', tx.cust1, '10:02'));
  if (state === 'queue') {
    const text = topic.CustomQueueTextEnabled && topic.CustomQueueText ? topic.CustomQueueText : tx.queue;
    list.append(h('div', { class: 'pv-system pv-queue', text: fill(text, { cque: '2', cavw: '00:03' }) }));
    return list;
  }
  list.append(h('div', { class: 'pv-system', text: fill(tx.joined, { name: agentName }) }));
  if (topic.WelcomeMessage) list.append(bubble('agent', topic.WelcomeMessage, `${agentName} · 10:03`));
  list.append(bubble('agent', tx.agent1, `${agentName} · 10:03`));
  list.append(bubble('cust', tx.cust2, '10:04'));
  list.append(
    h('div', { class: 'pv-typing' }, h('span', { class: 'pv-dots' }, h('i'), h('i'), h('i')), fill(tx.typing, { name: agentName })),
  );
  return list;
}

function formFields(bits, tx, withConsent, extra) {
  const out = [];
  for (const [name, bit] of FORM_FIELDS) {
    const required = (bits & bit) !== 0;
    out.push(
      h(
        'div',
        { class: 'pv-field' },
        h('span', { class: 'pv-label' }, tx[name], required ? h('b', { class: 'pv-req', title: tx.required, text: ' *' }) : null),
        h('span', { class: 'pv-control' }),
      ),
    );
  }
  if (extra) out.push(h('div', { class: 'pv-field' }, h('span', { class: 'pv-label', text: extra }), h('span', { class: 'pv-control pv-area' })));
  if (withConsent) out.push(h('div', { class: 'pv-consent' }, h('span', { class: 'pv-box' }), h('span', { text: tx.consent })));
  return out;
}

function prechat(topic, w, tx) {
  if (!w.PreFormEnabled) return conversation(topic, w, tx, 'queue', '');
  return h(
    'div',
    { class: 'pv-form' },
    w.PreFormMessage ? h('p', { class: 'pv-text', text: w.PreFormMessage }) : null,
    formFields(flagBits(w.RequiredFields), tx, topic.CollectConsent, null),
    h('span', { class: 'pv-button', text: tx.start }),
  );
}

function offline(topic, w, tx, lang) {
  return h(
    'div',
    { class: 'pv-form' },
    h('p', { class: 'pv-text', text: w.OfflineMessage || tx.offlineDefault }),
    topic.OpeningHoursEnabled ? hoursSummary(topic.OpeningHours || {}, tx, lang) : null,
    topic.TicketEnabled
      ? [
          formFields(flagBits(w.OfflineFields), tx, topic.OfflineCollectConsent, tx.question),
          h('span', { class: 'pv-button', text: tx.sendRequest }),
        ]
      : null,
  );
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hhmm = (v) => (/^\d\d:\d\d/.test(String(v || '')) ? String(v).slice(0, 5) : '');

/** "Mon–Fri 08:00–16:00" lines: runs of weekdays with the same hours. */
function hoursSummary(hours, tx, lang) {
  let names;
  try {
    const fmt = new Intl.DateTimeFormat(lang, { weekday: 'short' });
    names = DAYS.map((_, i) => fmt.format(new Date(Date.UTC(2024, 0, 1 + i, 12))));
  } catch {
    names = DAYS;
  }
  const spans = DAYS.map((d) => (hours[`${d}Enabled`] ? `${hhmm(hours[`${d}Start`])}–${hhmm(hours[`${d}Stop`])}` : ''));
  const lines = [];
  for (let i = 0; i < 7; ) {
    let j = i;
    while (j + 1 < 7 && spans[j + 1] === spans[i]) j += 1;
    if (spans[i]) lines.push(`${names[i]}${j > i ? `–${names[j]}` : ''} ${spans[i]}`);
    i = j + 1;
  }
  if (hours.UseLunchHours) lines.push(fill(tx.lunch, { from: hhmm(hours.LunchStart), to: hhmm(hours.LunchStop) }));
  return h('div', { class: 'pv-hours' }, h('span', { class: 'pv-label', text: tx.hours }), lines.map((l) => h('div', { text: l })));
}

function postchat(topic, w, tx, agentName) {
  return h(
    'div',
    { class: 'pv-form' },
    h('div', { class: 'pv-system', text: tx.ended }),
    w.PostFormEnabled && w.PostFormMessage ? h('p', { class: 'pv-text', text: w.PostFormMessage }) : null,
    topic.WidgetEnableRating
      ? h(
          'div',
          { class: 'pv-rating' },
          h('span', { class: 'pv-label', text: topic.WidgetRatingText || tx.rate }),
          h('span', { class: 'pv-stars' }, [1, 2, 3, 4, 5].map((n) => icon('star', n <= 4 ? 'pv-star on' : 'pv-star'))),
        )
      : null,
    w.PostTranscriptEnabled
      ? h('div', { class: 'pv-field' }, h('span', { class: 'pv-label', text: tx.transcript }), h('span', { class: 'pv-control' }))
      : null,
    h('span', { class: 'pv-button', text: tx.newChat }),
  );
}
