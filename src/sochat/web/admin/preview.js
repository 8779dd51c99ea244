// A faithful mock of the visitor widget (src/sochat/web/widget/chat.js), drawn from a
// ChatTopicEntity as it is being edited: the badge and the open window with its header,
// welcome card, a sample conversation, and the pre-chat, queue, offline and ended views, in
// the channel's theme, colours, font and language. The widget is one script for host pages
// (Shadow DOM, its data from the visitor API), so it cannot draw an unsaved topic itself;
// this module repeats its markup rules, default colours and built-in texts instead. It only
// renders; nothing here talks to the server.

import { h, icon } from './dom.js';
import { FORM_FIELDS, flagBits } from './fields.js';

// The widget's defaults (chat.js: --c, --agent-bg, --fs).
export const DEFAULT_COLOR = '#2563eb';
const AGENT_BUBBLE = '#eef1f4';
const DEFAULT_FONT_SIZE = '15px';
const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

// The widget's built-in texts (chat.js TEXTS) for what the preview shows, plus sample lines.
const WIDGET_TEXTS = {
  en: {
    cust1: 'Hi! Can I change the delivery address of my order?', agent1: 'Of course. What is the new address?', cust2: 'Storgata 1, 0155 Oslo.', continue: 'Write a message to continue the chat', message: 'Message',
    badge: 'Chat with us', title: 'Chat', write: 'Write a message…', send: 'Send', start: 'Start chat', Name: 'Name', Email: 'E-mail', Company: 'Company', Phone: 'Phone', Country: 'Country', consent: 'I agree that my details are stored and used to answer my enquiry.', question: 'How can we help?', sendRequest: 'Send message', queue: 'You are number {cque} in the queue.', queueWait: 'Average wait: about {cavw} min.', rate: 'How would you rate this chat?', transcript: 'E-mail me a copy of this chat', newChat: 'Start a new chat', typing: '{name} is typing…', closed: 'We are offline right now', offMessage: 'Leave us a message and we will get back to you by e-mail.', offTexts: 'Please try again later.', hours: 'Opening hours', lunch: 'Lunch break {from}–{to}', ended: 'The chat has ended', endedBody: 'Thank you for chatting with us.', minimise: 'Minimise chat', close: 'End chat', with: 'You are chatting with {name}', optional: 'optional', welcome: 'Hi! How can we help you today?',
  },
  nb: {
    cust1: 'Hei! Kan jeg endre leveringsadressen på bestillingen min?', agent1: 'Selvsagt. Hva er den nye adressen?', cust2: 'Storgata 1, 0155 Oslo.', continue: 'Skriv en melding for å fortsette chatten', message: 'Melding',
    badge: 'Chat med oss', title: 'Chat', write: 'Skriv en melding…', send: 'Send', start: 'Start chat', Name: 'Navn', Email: 'E-post', Company: 'Firma', Phone: 'Telefon', Country: 'Land', consent: 'Jeg samtykker i at opplysningene mine lagres og brukes til å svare på henvendelsen.', question: 'Hva kan vi hjelpe deg med?', sendRequest: 'Send melding', queue: 'Du er nummer {cque} i køen.', queueWait: 'Gjennomsnittlig ventetid: ca. {cavw} min.', rate: 'Hvordan vil du vurdere chatten?', transcript: 'Send meg en kopi av chatten på e-post', newChat: 'Start en ny chat', typing: '{name} skriver…', closed: 'Vi er ikke tilgjengelige nå', offMessage: 'Legg igjen en melding, så svarer vi deg på e-post.', offTexts: 'Prøv igjen senere.', hours: 'Åpningstider', lunch: 'Lunsj {from}–{to}', ended: 'Chatten er avsluttet', endedBody: 'Takk for at du chattet med oss.', minimise: 'Minimer chatten', close: 'Avslutt chatten', with: 'Du chatter med {name}', optional: 'valgfritt', welcome: 'Hei! Hva kan vi hjelpe deg med?',
  },
  sv: {
    cust1: 'Hej! Kan jag ändra leveransadressen för min beställning?', agent1: 'Självklart. Vilken är den nya adressen?', cust2: 'Storgatan 1, 111 22 Stockholm.', continue: 'Skriv ett meddelande för att fortsätta chatten', message: 'Meddelande',
    badge: 'Chatta med oss', title: 'Chatt', write: 'Skriv ett meddelande…', send: 'Skicka', start: 'Starta chatten', Name: 'Namn', Email: 'E-post', Company: 'Företag', Phone: 'Telefon', Country: 'Land', consent: 'Jag samtycker till att mina uppgifter sparas och används för att besvara mitt ärende.', question: 'Vad kan vi hjälpa dig med?', sendRequest: 'Skicka meddelande', queue: 'Du är nummer {cque} i kön.', queueWait: 'Genomsnittlig väntetid: cirka {cavw} min.', rate: 'Vad tycker du om chatten?', transcript: 'Skicka en kopia av chatten till min e-post', newChat: 'Starta en ny chatt', typing: '{name} skriver…', closed: 'Vi är inte tillgängliga just nu', offMessage: 'Lämna ett meddelande så svarar vi dig via e-post.', offTexts: 'Försök igen senare.', hours: 'Öppettider', lunch: 'Lunch {from}–{to}', ended: 'Chatten har avslutats', endedBody: 'Tack för att du chattade med oss.', minimise: 'Minimera chatten', close: 'Avsluta chatten', with: 'Du chattar med {name}', optional: 'valfritt', welcome: 'Hej! Vad kan vi hjälpa dig med?',
  },
  da: {
    cust1: 'Hej! Kan jeg ændre leveringsadressen på min ordre?', agent1: 'Selvfølgelig. Hvad er den nye adresse?', cust2: 'Strøget 1, 1160 København.', continue: 'Skriv en besked for at fortsætte chatten', message: 'Besked',
    badge: 'Chat med os', title: 'Chat', write: 'Skriv en besked…', send: 'Send', start: 'Start chat', Name: 'Navn', Email: 'E-mail', Company: 'Firma', Phone: 'Telefon', Country: 'Land', consent: 'Jeg accepterer, at mine oplysninger gemmes og bruges til at besvare min henvendelse.', question: 'Hvad kan vi hjælpe dig med?', sendRequest: 'Send besked', queue: 'Du er nummer {cque} i køen.', queueWait: 'Gennemsnitlig ventetid: ca. {cavw} min.', rate: 'Hvordan vil du bedømme chatten?', transcript: 'Send mig en kopi af chatten på e-mail', newChat: 'Start en ny chat', typing: '{name} skriver…', closed: 'Vi er ikke til stede lige nu', offMessage: 'Efterlad en besked, så svarer vi dig på e-mail.', offTexts: 'Prøv igen senere.', hours: 'Åbningstider', lunch: 'Frokost {from}–{to}', ended: 'Chatten er afsluttet', endedBody: 'Tak fordi du chattede med os.', minimise: 'Minimer chatten', close: 'Afslut chatten', with: 'Du chatter med {name}', optional: 'valgfrit', welcome: 'Hej! Hvad kan vi hjælpe dig med?',
  },
  de: {
    cust1: 'Hallo! Kann ich die Lieferadresse meiner Bestellung ändern?', agent1: 'Natürlich. Wie lautet die neue Adresse?', cust2: 'Hauptstraße 1, 10115 Berlin.', continue: 'Schreiben Sie eine Nachricht, um den Chat fortzusetzen', message: 'Nachricht',
    badge: 'Chatten Sie mit uns', title: 'Chat', write: 'Nachricht schreiben…', send: 'Senden', start: 'Chat starten', Name: 'Name', Email: 'E-Mail', Company: 'Firma', Phone: 'Telefon', Country: 'Land', consent: 'Ich bin einverstanden, dass meine Angaben gespeichert und zur Beantwortung meiner Anfrage verwendet werden.', question: 'Wie können wir Ihnen helfen?', sendRequest: 'Nachricht senden', queue: 'Sie sind Nummer {cque} in der Warteschlange.', queueWait: 'Durchschnittliche Wartezeit: etwa {cavw} Min.', rate: 'Wie bewerten Sie diesen Chat?', transcript: 'Eine Kopie des Chats per E-Mail erhalten', newChat: 'Neuen Chat starten', typing: '{name} schreibt…', closed: 'Wir sind gerade nicht erreichbar', offMessage: 'Hinterlassen Sie uns eine Nachricht, wir antworten Ihnen per E-Mail.', offTexts: 'Bitte versuchen Sie es später noch einmal.', hours: 'Öffnungszeiten', lunch: 'Mittagspause {from}–{to}', ended: 'Der Chat wurde beendet', endedBody: 'Vielen Dank für Ihren Besuch im Chat.', minimise: 'Chat minimieren', close: 'Chat beenden', with: 'Sie chatten mit {name}', optional: 'optional', welcome: 'Hallo! Wie können wir Ihnen helfen?',
  },
  nl: {
    cust1: 'Hallo! Kan ik het afleveradres van mijn bestelling wijzigen?', agent1: 'Natuurlijk. Wat is het nieuwe adres?', cust2: 'Damstraat 1, 1012 JL Amsterdam.', continue: 'Typ een bericht om de chat voort te zetten', message: 'Bericht',
    badge: 'Chat met ons', title: 'Chat', write: 'Typ een bericht…', send: 'Versturen', start: 'Chat starten', Name: 'Naam', Email: 'E-mail', Company: 'Bedrijf', Phone: 'Telefoon', Country: 'Land', consent: 'Ik ga ermee akkoord dat mijn gegevens worden opgeslagen en gebruikt om mijn vraag te beantwoorden.', question: 'Waarmee kunnen we je helpen?', sendRequest: 'Bericht versturen', queue: 'Je bent nummer {cque} in de wachtrij.', queueWait: 'Gemiddelde wachttijd: ongeveer {cavw} min.', rate: 'Hoe beoordeel je deze chat?', transcript: 'Stuur mij een kopie van deze chat per e-mail', newChat: 'Nieuwe chat starten', typing: '{name} typt…', closed: 'We zijn nu niet bereikbaar', offMessage: 'Laat een bericht achter, dan antwoorden we je per e-mail.', offTexts: 'Probeer het later nog eens.', hours: 'Openingstijden', lunch: 'Lunchpauze {from}–{to}', ended: 'De chat is beëindigd', endedBody: 'Bedankt voor het chatten.', minimise: 'Chat minimaliseren', close: 'Chat beëindigen', with: 'Je chat met {name}', optional: 'optioneel', welcome: 'Hallo! Waarmee kunnen we je helpen?',
  },
};

const SAMPLE_AGENT = { nickname: 'kari', first: 'Kari' };

function parseHex(hex) {
  if (!HEX.test(hex || '')) return null;
  let s = hex.slice(1);
  if (s.length === 3) s = [...s].map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
}

/** Text colour on ``hex`` as the widget picks it: white unless white would be hard to read. */
export function contrastColor(hex) {
  const rgb = parseHex(hex);
  if (!rgb) return '#ffffff';
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (lum + 0.05) >= 3 ? '#ffffff' : '#16181d';
}

const valid = (c) => (HEX.test(c || '') ? c : '');

/** The colours the widget would use: explicit settings, else derived from the base colour. */
export function widgetColors(w) {
  const base = valid(w.Color) || DEFAULT_COLOR;
  const text = contrastColor(base);
  const badge = valid(w.BadgeColor) || base;
  const agent = valid(w.AgentMsgColor) || AGENT_BUBBLE;
  const cust = valid(w.CustMsgColor) || base;
  const button = valid(w.ButtonColor) || base;
  return {
    base,
    headerText: text,
    badge,
    badgeText: valid(w.BadgeTextColor) || (valid(w.BadgeColor) ? contrastColor(badge) : text),
    agent,
    agentText: valid(w.AgentMsgTextColor) || '#1c2026',
    cust,
    custText: valid(w.CustMsgTextColor) || (valid(w.CustMsgColor) ? contrastColor(cust) : text),
    button,
    buttonText: valid(w.ButtonTextColor) || (valid(w.ButtonColor) ? contrastColor(button) : text),
  };
}

/** CSS font-family for a Widget.Font value (system fonts follow as fallbacks, as in the widget). */
export function fontFamily(font) {
  const system = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  const name = String(font || '').replace(/["\\;{}]/g, '').trim();
  return name ? `"${name}", ${system}` : system;
}

function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
}

/**
 * Draw the preview of ``topic`` into ``root`` in ``state`` (badge, prechat, queue, chat,
 * offline, postchat). ``label`` names the preview for screen readers.
 */
export function renderPreview(root, topic, state, label) {
  const w = topic.Widget || {};
  const lang = WIDGET_TEXTS[w.LanguageIsoCode] ? w.LanguageIsoCode : 'en';
  const tx = WIDGET_TEXTS[lang];
  const colors = widgetColors(w);
  const theme = String(w.Theme || 'Classic').toLowerCase() === 'modern' ? 'modern' : 'classic';
  const size = String(w.Size || 'Normal').toLowerCase() === 'large' ? 'large' : 'normal';
  const ctx = { topic, w, tx, lang, state, agent: w.UseAgentFirstname ? SAMPLE_AGENT.first : SAMPLE_AGENT.nickname };

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
  const fs = /^(\d{1,2}(\.\d+)?)(px|pt|em|rem|%)?$/.exec(String(w.FontSize || '').trim());
  stage.style.fontSize = fs ? fs[1] + (fs[3] || 'px') : DEFAULT_FONT_SIZE;

  if (state !== 'badge') stage.append(panel(ctx));
  stage.append(h('div', { class: 'pv-badge' }, icon('chat', 'pv-badge-icon'), h('span', { text: topic.BadgeHeader || tx.badge })));
  root.replaceChildren(stage);
}

// ------------------------------------------------------------------ the window

function panel(ctx) {
  const { state } = ctx;
  // Conversations show their end, as a chat scrolled to the newest message does.
  const body = h('div', { class: state === 'prechat' || state === 'offline' ? 'pv-body' : 'pv-body pv-bottom' });
  let banner = null;
  let composer = null;
  if (state === 'prechat') body.append(...prechat(ctx));
  else if (state === 'offline') body.append(...offline(ctx));
  else {
    if (state === 'queue') banner = queueBanner(ctx);
    body.append(conversation(ctx));
    if (state === 'postchat') body.append(postchat(ctx));
    composer = h(
      'div',
      { class: 'pv-composer' },
      h('span', { class: 'pv-input', text: state === 'postchat' ? ctx.tx.continue : ctx.tx.write }),
      h('span', { class: 'pv-send', title: ctx.tx.send }, icon('send')),
    );
  }
  return h('div', { class: 'pv-window' }, header(ctx), banner, body, composer);
}

function header({ topic, w, tx, state, agent }) {
  const title = w.WelcomeTitle || topic.Name || tx.title;
  const withAgent = state === 'chat';
  let main = title;
  let sub = '';
  if (withAgent && w.ShowAgentPhoto) {
    main = agent;
    sub = title;
  } else if (withAgent) sub = fill(tx.with, { name: agent });
  else if (state !== 'offline') sub = w.WelcomeMessage || tx.welcome;
  // The widget shows a photo or logo from the server; the preview has neither file, so the
  // logo is a placeholder and the agent's photo their initial (as the widget does without one).
  let avatar;
  if (withAgent && w.ShowAgentPhoto) avatar = h('span', { class: 'pv-avatar pv-agent-photo' }, h('span', { class: 'pv-ini', text: agent.slice(0, 1) }), h('span', { class: 'pv-on' }));
  else if (w.LogoEnabled) avatar = h('span', { class: 'pv-avatar pv-logo', title: w.LogoName || '' }, h('span', { class: 'pv-ini', text: initials(topic.Name) }));
  else if (withAgent) avatar = h('span', { class: 'pv-avatar' }, h('span', { class: 'pv-ini', text: agent.slice(0, 1) }), h('span', { class: 'pv-on' }));
  else avatar = h('span', { class: 'pv-avatar' }, icon('chat'));
  return h(
    'div',
    { class: 'pv-header' },
    avatar,
    h('div', { class: 'pv-header-text' }, h('div', { class: 'pv-title', text: main }), sub ? h('div', { class: 'pv-subtitle', text: sub }) : null),
    h('span', { class: 'pv-tool', title: tx.minimise }, icon('chevron')),
    // As the widget: the end button only while a chat is going on.
    state === 'chat' || state === 'queue' ? h('span', { class: 'pv-tool', title: tx.close }, icon('close')) : null,
  );
}

function initials(name) {
  const out = String(name || '')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => [...p][0].toUpperCase())
    .join('');
  return out || 'S';
}

function intro(heading, text, extra) {
  return h('div', { class: 'pv-intro' }, heading ? h('h3', { text: heading }) : null, h('p', { text }), extra || null);
}

function msg(kind, text, who, time) {
  return h(
    'div',
    { class: `pv-msg pv-${kind}` },
    who ? h('div', { class: 'pv-who', text: who }) : null,
    h('div', { class: 'pv-bubble', text }),
    h('div', { class: 'pv-meta', text: time }),
  );
}

function queueBanner({ topic, tx }) {
  const text = topic.CustomQueueTextEnabled && topic.CustomQueueText
    ? fill(topic.CustomQueueText, { cque: '2', cavw: '00:03' })
    : `${fill(tx.queue, { cque: '2' })} ${fill(tx.queueWait, { cavw: '3' })}`;
  return h('div', { class: 'pv-banner' }, h('span', { class: 'pv-spin' }), h('span', { class: 'pv-queue', text }));
}

function conversation({ topic, tx, state, agent }) {
  const log = h('div', { class: 'pv-conversation' });
  log.append(msg('cust', tx.cust1, '', '10:02'));
  if (state === 'queue') return log;
  if (topic.WelcomeMessage) log.append(msg('agent', topic.WelcomeMessage, agent, '10:03'));
  log.append(msg('agent', tx.agent1, topic.WelcomeMessage ? '' : agent, '10:03'));
  if (state === 'postchat') return log;
  log.append(msg('cust', tx.cust2, '', '10:04'));
  log.append(h('div', { class: 'pv-typing' }, h('span', { class: 'pv-dots' }, h('i'), h('i'), h('i')), fill(tx.typing, { name: agent })));
  return log;
}

function fields({ tx }, bits, consent, textLabel) {
  const out = [];
  for (const [name, bit] of FORM_FIELDS) {
    const need = (bits & bit) !== 0;
    // As the widget: name and e-mail always, the others only when required.
    if (!need && name !== 'Name' && name !== 'Email') continue;
    out.push(
      h(
        'div',
        { class: 'pv-field', dataset: { field: name } },
        h('span', { class: 'pv-label' }, tx[name], need ? null : h('span', { class: 'pv-opt', text: ` (${tx.optional})` })),
        h('span', { class: 'pv-control' }),
      ),
    );
  }
  if (textLabel) out.push(h('div', { class: 'pv-field' }, h('span', { class: 'pv-label' }, textLabel), h('span', { class: 'pv-control pv-area' })));
  if (consent) out.push(h('div', { class: 'pv-consent' }, h('span', { class: 'pv-box' }), h('span', { text: tx.consent })));
  return out;
}

function prechat(ctx) {
  const { topic, w, tx } = ctx;
  if (!w.PreFormEnabled) {
    // Without a pre-chat form the visitor writes at once: the welcome card and the composer.
    return [intro(w.WelcomeTitle, w.WelcomeMessage || tx.welcome), h('div', { class: 'pv-composer pv-inline' }, h('span', { class: 'pv-input', text: tx.write }), h('span', { class: 'pv-send' }, icon('send')))];
  }
  const question = h('span', {}, tx.question, h('span', { class: 'pv-opt', text: ` (${tx.optional})` }));
  return [
    intro('', w.PreFormMessage || w.WelcomeMessage || tx.welcome),
    h('div', { class: 'pv-form' }, fields(ctx, flagBits(w.RequiredFields), topic.CollectConsent, question), h('span', { class: 'pv-button', text: tx.start })),
  ];
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hhmm = (v) => (/^\d\d:\d\d/.test(String(v || '')) ? String(v).slice(0, 5) : '');

/** The opening hours as the widget lists them: runs of weekdays with the same hours. */
function hoursBox(hours, tx, lang) {
  let names;
  try {
    const fmt = new Intl.DateTimeFormat(lang, { weekday: 'short' });
    names = DAYS.map((_, i) => fmt.format(new Date(Date.UTC(2024, 0, 1 + i, 12))));
  } catch {
    names = DAYS;
  }
  const spans = DAYS.map((d) => (hours[`${d}Enabled`] ? `${hhmm(hours[`${d}Start`])}–${hhmm(hours[`${d}Stop`])}` : ''));
  const rows = [];
  for (let i = 0; i < 7; ) {
    let j = i;
    while (j + 1 < 7 && spans[j + 1] === spans[i]) j += 1;
    if (spans[i]) rows.push(h('dt', { text: j > i ? `${names[i]}–${names[j]}` : names[i] }), h('dd', { text: spans[i] }));
    i = j + 1;
  }
  return h(
    'div',
    { class: 'pv-hours' },
    h('div', { class: 'pv-hours-label' }, icon('clock'), tx.hours),
    h('dl', {}, rows),
    hours.UseLunchHours ? h('p', { class: 'pv-note', text: fill(tx.lunch, { from: hhmm(hours.LunchStart), to: hhmm(hours.LunchStop) }) }) : null,
  );
}

function offline(ctx) {
  const { topic, w, tx, lang } = ctx;
  const canSend = Boolean(topic.TicketEnabled);
  const out = [
    intro(w.OfflineHeader || tx.closed, w.OfflineMessage || (canSend ? tx.offMessage : tx.offTexts), topic.OpeningHoursEnabled ? hoursBox(topic.OpeningHours || {}, tx, lang) : null),
  ];
  if (canSend) {
    out.push(h('div', { class: 'pv-form' }, fields(ctx, flagBits(w.OfflineFields), topic.OfflineCollectConsent || topic.CollectConsent, tx.message), h('span', { class: 'pv-button', text: tx.sendRequest })));
  }
  return out;
}

function postchat({ topic, w, tx }) {
  return h(
    'div',
    { class: 'pv-card' },
    h('h3', { text: (w.PostFormEnabled && w.PostFormHeader) || tx.ended }),
    h('p', { text: (w.PostFormEnabled && w.PostFormMessage) || tx.endedBody }),
    topic.WidgetEnableRating
      ? h('div', { class: 'pv-sec pv-rating' }, h('span', { class: 'pv-label', text: topic.WidgetRatingText || tx.rate }), h('span', { class: 'pv-stars' }, [1, 2, 3, 4, 5].map((n) => icon('star', n <= 4 ? 'pv-star on' : 'pv-star'))))
      : null,
    w.PostTranscriptEnabled
      ? h('div', { class: 'pv-sec pv-transcript' }, h('span', { class: 'pv-label', text: tx.transcript }), h('span', { class: 'pv-inline-row' }, h('span', { class: 'pv-control' }), h('span', { class: 'pv-button pv-small', text: tx.send })))
      : null,
    h('div', { class: 'pv-sec' }, h('span', { class: 'pv-button pv-ghost', text: tx.newChat })),
  );
}
