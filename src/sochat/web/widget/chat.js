/*! sochat chat widget. Embed: <script src="https://HOST/CS/javascript/chat.js" data-topicId="1" defer></script>
 * Plain JavaScript, no dependencies, no build step. Each tag gets its own widget in a Shadow DOM,
 * talking to the origin the script came from. Everything visitors and agents write is shown with
 * textContent, never parsed as HTML. Documentation: docs/widget.md. */
(() => {
  'use strict';

  const LOADER = '/cs/javascript/chat.js';
  const G = Symbol.for('sochat.widget');
  const shared = window[G] || (window[G] = { tags: new WeakSet(), count: 0, z: 2147483000 });

  // ---------------------------------------------------------------------------------------------
  // Built-in texts (the topic's configured texts win where it has them)

  const TEXTS = {
    en: {
      badge: 'Chat with us', title: 'Chat', minimise: 'Minimise chat', end: 'End chat',
      welcome: 'Hi! How can we help you today?', name: 'Name', email: 'E-mail', phone: 'Phone',
      company: 'Company', country: 'Country', question: 'How can we help?', message: 'Message',
      consent: 'I agree that my details are stored and used to answer my enquiry.', optional: 'optional',
      start: 'Start chat', errRequired: 'Please fill in this field.', errEmail: 'Please enter a valid e-mail address.',
      errConsent: 'Please give your consent to continue.', placeholder: 'Write a message…', send: 'Send',
      attach: 'Attach a file', drop: 'Drop a file here to send it', queue: 'You are number {cque} in the queue.',
      queueWait: 'Average wait: about {cavw} min.', waiting: 'Waiting for an agent…', leave: 'Leave a message instead',
      typing: '{name} is typing…', someone: 'The agent', with: 'You are chatting with {name}',
      offHeader: 'We are offline right now', offMessage: 'Leave us a message and we will get back to you by e-mail.',
      offTexts: 'Please try again later.', hours: 'Opening hours', lunch: 'Lunch break {from}–{to}',
      closedDay: 'Closed', timeZone: 'Times in {zone}', sendRequest: 'Send message',
      sent: 'Thank you! We have received your message.', reference: 'Your reference number',
      ended: 'The chat has ended', endedBody: 'Thank you for chatting with us.', rate: 'How would you rate this chat?',
      star: '{n} of 5 stars', rated: 'Thank you for your feedback!', transcript: 'E-mail me a copy of this chat',
      transcriptSend: 'Send copy', transcriptSent: 'A copy of the chat is on its way to {email}.',
      again: 'Start a new chat', continue: 'Write a message to continue the chat', confirm: 'End this chat?',
      confirmBody: 'You can still rate the chat and get a copy afterwards.', cancel: 'Cancel',
      dead: 'This chat is not available.', deadBody: 'The chat on this page has been switched off. Please contact us another way.',
      reconnecting: 'Connection lost. Reconnecting…', tooBig: 'The file is too large (at most {size}).',
      badType: 'This type of file cannot be sent.', download: 'Download {name}', you: 'You', failed: 'Not sent.',
      retry: 'Retry', error: 'Something went wrong. Please try again.', slow: 'Too many messages at once. Please wait a moment.',
      uploading: 'Uploading…', closedByUser: '{name} has ended the chat.', closedByCustomer: 'You ended the chat.',
      idle: 'The chat was closed after a period of inactivity.', transferred: 'You have been transferred to another agent.',
      reopened: 'The chat has been reopened.', illegal: 'A file was refused: this type of file is not allowed.',
      newMessages: '{n} new',
    },
    nb: {
      badge: 'Chat med oss', title: 'Chat', minimise: 'Minimer chatten', end: 'Avslutt chatten',
      welcome: 'Hei! Hva kan vi hjelpe deg med?', name: 'Navn', email: 'E-post', phone: 'Telefon',
      company: 'Firma', country: 'Land', question: 'Hva kan vi hjelpe deg med?', message: 'Melding',
      consent: 'Jeg samtykker i at opplysningene mine lagres og brukes til å svare på henvendelsen.', optional: 'valgfritt',
      start: 'Start chat', errRequired: 'Fyll ut dette feltet.', errEmail: 'Skriv inn en gyldig e-postadresse.',
      errConsent: 'Du må gi samtykke for å fortsette.', placeholder: 'Skriv en melding…', send: 'Send',
      attach: 'Legg ved en fil', drop: 'Slipp en fil her for å sende den', queue: 'Du er nummer {cque} i køen.',
      queueWait: 'Gjennomsnittlig ventetid: ca. {cavw} min.', waiting: 'Venter på en medarbeider…',
      leave: 'Legg igjen en melding i stedet', typing: '{name} skriver…', someone: 'Medarbeideren',
      with: 'Du chatter med {name}', offHeader: 'Vi er ikke tilgjengelige nå',
      offMessage: 'Legg igjen en melding, så svarer vi deg på e-post.', offTexts: 'Prøv igjen senere.',
      hours: 'Åpningstider', lunch: 'Lunsj {from}–{to}', closedDay: 'Stengt', timeZone: 'Tider i {zone}',
      sendRequest: 'Send melding', sent: 'Takk! Vi har mottatt meldingen din.', reference: 'Referansenummeret ditt',
      ended: 'Chatten er avsluttet', endedBody: 'Takk for at du chattet med oss.', rate: 'Hvordan vil du vurdere chatten?',
      star: '{n} av 5 stjerner', rated: 'Takk for tilbakemeldingen!', transcript: 'Send meg en kopi av chatten på e-post',
      transcriptSend: 'Send kopi', transcriptSent: 'En kopi av chatten er på vei til {email}.',
      again: 'Start en ny chat', continue: 'Skriv en melding for å fortsette chatten', confirm: 'Avslutte chatten?',
      confirmBody: 'Du kan fortsatt vurdere chatten og få en kopi etterpå.', cancel: 'Avbryt',
      dead: 'Denne chatten er ikke tilgjengelig.', deadBody: 'Chatten på denne siden er slått av. Kontakt oss på en annen måte.',
      reconnecting: 'Forbindelsen ble brutt. Kobler til på nytt…', tooBig: 'Filen er for stor (maks {size}).',
      badType: 'Denne filtypen kan ikke sendes.', download: 'Last ned {name}', you: 'Du', failed: 'Ikke sendt.',
      retry: 'Prøv igjen', error: 'Noe gikk galt. Prøv igjen.', slow: 'For mange meldinger på en gang. Vent litt.',
      uploading: 'Laster opp…', closedByUser: '{name} har avsluttet chatten.', closedByCustomer: 'Du avsluttet chatten.',
      idle: 'Chatten ble lukket etter en periode uten aktivitet.', transferred: 'Du er satt over til en annen medarbeider.',
      reopened: 'Chatten er åpnet igjen.', illegal: 'En fil ble avvist: denne filtypen er ikke tillatt.',
      newMessages: '{n} nye',
    },
    sv: {
      badge: 'Chatta med oss', title: 'Chatt', minimise: 'Minimera chatten', end: 'Avsluta chatten',
      welcome: 'Hej! Vad kan vi hjälpa dig med?', name: 'Namn', email: 'E-post', phone: 'Telefon',
      company: 'Företag', country: 'Land', question: 'Vad kan vi hjälpa dig med?', message: 'Meddelande',
      consent: 'Jag samtycker till att mina uppgifter sparas och används för att besvara mitt ärende.', optional: 'valfritt',
      start: 'Starta chatten', errRequired: 'Fyll i det här fältet.', errEmail: 'Ange en giltig e-postadress.',
      errConsent: 'Du måste ge ditt samtycke för att fortsätta.', placeholder: 'Skriv ett meddelande…', send: 'Skicka',
      attach: 'Bifoga en fil', drop: 'Släpp en fil här för att skicka den', queue: 'Du är nummer {cque} i kön.',
      queueWait: 'Genomsnittlig väntetid: cirka {cavw} min.', waiting: 'Väntar på en handläggare…',
      leave: 'Lämna ett meddelande i stället', typing: '{name} skriver…', someone: 'Handläggaren',
      with: 'Du chattar med {name}', offHeader: 'Vi är inte tillgängliga just nu',
      offMessage: 'Lämna ett meddelande så svarar vi dig via e-post.', offTexts: 'Försök igen senare.',
      hours: 'Öppettider', lunch: 'Lunch {from}–{to}', closedDay: 'Stängt', timeZone: 'Tider i {zone}',
      sendRequest: 'Skicka meddelande', sent: 'Tack! Vi har tagit emot ditt meddelande.', reference: 'Ditt referensnummer',
      ended: 'Chatten har avslutats', endedBody: 'Tack för att du chattade med oss.', rate: 'Vad tycker du om chatten?',
      star: '{n} av 5 stjärnor', rated: 'Tack för din återkoppling!', transcript: 'Skicka en kopia av chatten till min e-post',
      transcriptSend: 'Skicka kopia', transcriptSent: 'En kopia av chatten är på väg till {email}.',
      again: 'Starta en ny chatt', continue: 'Skriv ett meddelande för att fortsätta chatten', confirm: 'Avsluta chatten?',
      confirmBody: 'Du kan fortfarande betygsätta chatten och få en kopia efteråt.', cancel: 'Avbryt',
      dead: 'Den här chatten är inte tillgänglig.', deadBody: 'Chatten på den här sidan är avstängd. Kontakta oss på annat sätt.',
      reconnecting: 'Anslutningen bröts. Ansluter igen…', tooBig: 'Filen är för stor (högst {size}).',
      badType: 'Den här filtypen kan inte skickas.', download: 'Ladda ned {name}', you: 'Du', failed: 'Inte skickat.',
      retry: 'Försök igen', error: 'Något gick fel. Försök igen.', slow: 'För många meddelanden på en gång. Vänta en stund.',
      uploading: 'Laddar upp…', closedByUser: '{name} har avslutat chatten.', closedByCustomer: 'Du avslutade chatten.',
      idle: 'Chatten stängdes efter en tids inaktivitet.', transferred: 'Du har kopplats vidare till en annan handläggare.',
      reopened: 'Chatten har öppnats igen.', illegal: 'En fil avvisades: den filtypen är inte tillåten.',
      newMessages: '{n} nya',
    },
    da: {
      badge: 'Chat med os', title: 'Chat', minimise: 'Minimer chatten', end: 'Afslut chatten',
      welcome: 'Hej! Hvad kan vi hjælpe dig med?', name: 'Navn', email: 'E-mail', phone: 'Telefon',
      company: 'Firma', country: 'Land', question: 'Hvad kan vi hjælpe dig med?', message: 'Besked',
      consent: 'Jeg accepterer, at mine oplysninger gemmes og bruges til at besvare min henvendelse.', optional: 'valgfrit',
      start: 'Start chat', errRequired: 'Udfyld dette felt.', errEmail: 'Indtast en gyldig e-mailadresse.',
      errConsent: 'Du skal give dit samtykke for at fortsætte.', placeholder: 'Skriv en besked…', send: 'Send',
      attach: 'Vedhæft en fil', drop: 'Slip en fil her for at sende den', queue: 'Du er nummer {cque} i køen.',
      queueWait: 'Gennemsnitlig ventetid: ca. {cavw} min.', waiting: 'Venter på en medarbejder…',
      leave: 'Efterlad en besked i stedet', typing: '{name} skriver…', someone: 'Medarbejderen',
      with: 'Du chatter med {name}', offHeader: 'Vi er ikke til stede lige nu',
      offMessage: 'Efterlad en besked, så svarer vi dig på e-mail.', offTexts: 'Prøv igen senere.',
      hours: 'Åbningstider', lunch: 'Frokost {from}–{to}', closedDay: 'Lukket', timeZone: 'Tider i {zone}',
      sendRequest: 'Send besked', sent: 'Tak! Vi har modtaget din besked.', reference: 'Dit referencenummer',
      ended: 'Chatten er afsluttet', endedBody: 'Tak fordi du chattede med os.', rate: 'Hvordan vil du bedømme chatten?',
      star: '{n} af 5 stjerner', rated: 'Tak for din feedback!', transcript: 'Send mig en kopi af chatten på e-mail',
      transcriptSend: 'Send kopi', transcriptSent: 'En kopi af chatten er på vej til {email}.',
      again: 'Start en ny chat', continue: 'Skriv en besked for at fortsætte chatten', confirm: 'Afslut chatten?',
      confirmBody: 'Du kan stadig bedømme chatten og få en kopi bagefter.', cancel: 'Annuller',
      dead: 'Denne chat er ikke tilgængelig.', deadBody: 'Chatten på denne side er slået fra. Kontakt os på anden vis.',
      reconnecting: 'Forbindelsen blev afbrudt. Forbinder igen…', tooBig: 'Filen er for stor (højst {size}).',
      badType: 'Denne filtype kan ikke sendes.', download: 'Hent {name}', you: 'Dig', failed: 'Ikke sendt.',
      retry: 'Prøv igen', error: 'Noget gik galt. Prøv igen.', slow: 'For mange beskeder på én gang. Vent et øjeblik.',
      uploading: 'Uploader…', closedByUser: '{name} har afsluttet chatten.', closedByCustomer: 'Du afsluttede chatten.',
      idle: 'Chatten blev lukket efter en periode uden aktivitet.', transferred: 'Du er blevet stillet om til en anden medarbejder.',
      reopened: 'Chatten er åbnet igen.', illegal: 'En fil blev afvist: denne filtype er ikke tilladt.',
      newMessages: '{n} nye',
    },
    de: {
      badge: 'Chatten Sie mit uns', title: 'Chat', minimise: 'Chat minimieren', end: 'Chat beenden',
      welcome: 'Hallo! Wie können wir Ihnen helfen?', name: 'Name', email: 'E-Mail', phone: 'Telefon',
      company: 'Firma', country: 'Land', question: 'Wie können wir Ihnen helfen?', message: 'Nachricht',
      consent: 'Ich bin einverstanden, dass meine Angaben gespeichert und zur Beantwortung meiner Anfrage verwendet werden.',
      optional: 'optional', start: 'Chat starten', errRequired: 'Bitte füllen Sie dieses Feld aus.',
      errEmail: 'Bitte geben Sie eine gültige E-Mail-Adresse ein.', errConsent: 'Bitte stimmen Sie zu, um fortzufahren.',
      placeholder: 'Nachricht schreiben…', send: 'Senden', attach: 'Datei anhängen', drop: 'Datei hier ablegen, um sie zu senden',
      queue: 'Sie sind Nummer {cque} in der Warteschlange.', queueWait: 'Durchschnittliche Wartezeit: etwa {cavw} Min.',
      waiting: 'Warten auf einen Mitarbeiter…', leave: 'Stattdessen eine Nachricht hinterlassen', typing: '{name} schreibt…',
      someone: 'Der Mitarbeiter', with: 'Sie chatten mit {name}', offHeader: 'Wir sind gerade nicht erreichbar',
      offMessage: 'Hinterlassen Sie uns eine Nachricht, wir antworten Ihnen per E-Mail.',
      offTexts: 'Bitte versuchen Sie es später noch einmal.', hours: 'Öffnungszeiten', lunch: 'Mittagspause {from}–{to}',
      closedDay: 'Geschlossen', timeZone: 'Zeiten in {zone}', sendRequest: 'Nachricht senden',
      sent: 'Vielen Dank! Wir haben Ihre Nachricht erhalten.', reference: 'Ihre Referenznummer',
      ended: 'Der Chat wurde beendet', endedBody: 'Vielen Dank für Ihren Besuch im Chat.', rate: 'Wie bewerten Sie diesen Chat?',
      star: '{n} von 5 Sternen', rated: 'Vielen Dank für Ihr Feedback!', transcript: 'Eine Kopie des Chats per E-Mail erhalten',
      transcriptSend: 'Kopie senden', transcriptSent: 'Eine Kopie des Chats ist unterwegs an {email}.',
      again: 'Neuen Chat starten', continue: 'Schreiben Sie eine Nachricht, um den Chat fortzusetzen', confirm: 'Chat beenden?',
      confirmBody: 'Sie können den Chat danach noch bewerten und eine Kopie erhalten.', cancel: 'Abbrechen',
      dead: 'Dieser Chat ist nicht verfügbar.', deadBody: 'Der Chat auf dieser Seite ist abgeschaltet. Bitte kontaktieren Sie uns auf anderem Weg.',
      reconnecting: 'Verbindung unterbrochen. Verbinde neu…', tooBig: 'Die Datei ist zu groß (höchstens {size}).',
      badType: 'Dieser Dateityp kann nicht gesendet werden.', download: '{name} herunterladen', you: 'Sie',
      failed: 'Nicht gesendet.', retry: 'Erneut versuchen', error: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es noch einmal.',
      slow: 'Zu viele Nachrichten auf einmal. Bitte warten Sie einen Moment.', uploading: 'Wird hochgeladen…',
      closedByUser: '{name} hat den Chat beendet.', closedByCustomer: 'Sie haben den Chat beendet.',
      idle: 'Der Chat wurde nach längerer Inaktivität geschlossen.', transferred: 'Sie wurden an einen anderen Mitarbeiter weitergeleitet.',
      reopened: 'Der Chat wurde wieder geöffnet.', illegal: 'Eine Datei wurde abgelehnt: Dieser Dateityp ist nicht erlaubt.',
      newMessages: '{n} neu',
    },
    nl: {
      badge: 'Chat met ons', title: 'Chat', minimise: 'Chat minimaliseren', end: 'Chat beëindigen',
      welcome: 'Hallo! Waarmee kunnen we je helpen?', name: 'Naam', email: 'E-mail', phone: 'Telefoon',
      company: 'Bedrijf', country: 'Land', question: 'Waarmee kunnen we je helpen?', message: 'Bericht',
      consent: 'Ik ga ermee akkoord dat mijn gegevens worden opgeslagen en gebruikt om mijn vraag te beantwoorden.',
      optional: 'optioneel', start: 'Chat starten', errRequired: 'Vul dit veld in.', errEmail: 'Vul een geldig e-mailadres in.',
      errConsent: 'Geef toestemming om verder te gaan.', placeholder: 'Typ een bericht…', send: 'Versturen',
      attach: 'Bestand bijvoegen', drop: 'Sleep een bestand hierheen om het te versturen', queue: 'Je bent nummer {cque} in de wachtrij.',
      queueWait: 'Gemiddelde wachttijd: ongeveer {cavw} min.', waiting: 'Wachten op een medewerker…',
      leave: 'Laat liever een bericht achter', typing: '{name} typt…', someone: 'De medewerker', with: 'Je chat met {name}',
      offHeader: 'We zijn nu niet bereikbaar', offMessage: 'Laat een bericht achter, dan antwoorden we je per e-mail.',
      offTexts: 'Probeer het later nog eens.', hours: 'Openingstijden', lunch: 'Lunchpauze {from}–{to}', closedDay: 'Gesloten',
      timeZone: 'Tijden in {zone}', sendRequest: 'Bericht versturen', sent: 'Bedankt! We hebben je bericht ontvangen.',
      reference: 'Je referentienummer', ended: 'De chat is beëindigd', endedBody: 'Bedankt voor het chatten.',
      rate: 'Hoe beoordeel je deze chat?', star: '{n} van 5 sterren', rated: 'Bedankt voor je feedback!',
      transcript: 'Stuur mij een kopie van deze chat per e-mail', transcriptSend: 'Kopie versturen',
      transcriptSent: 'Een kopie van de chat is onderweg naar {email}.', again: 'Nieuwe chat starten',
      continue: 'Typ een bericht om de chat voort te zetten', confirm: 'Chat beëindigen?',
      confirmBody: 'Je kunt de chat daarna nog beoordelen en een kopie ontvangen.', cancel: 'Annuleren',
      dead: 'Deze chat is niet beschikbaar.', deadBody: 'De chat op deze pagina is uitgeschakeld. Neem op een andere manier contact met ons op.',
      reconnecting: 'Verbinding verbroken. Opnieuw verbinden…', tooBig: 'Het bestand is te groot (maximaal {size}).',
      badType: 'Dit bestandstype kan niet worden verstuurd.', download: '{name} downloaden', you: 'Jij', failed: 'Niet verstuurd.',
      retry: 'Opnieuw proberen', error: 'Er ging iets mis. Probeer het opnieuw.', slow: 'Te veel berichten tegelijk. Wacht even.',
      uploading: 'Uploaden…', closedByUser: '{name} heeft de chat beëindigd.', closedByCustomer: 'Je hebt de chat beëindigd.',
      idle: 'De chat is gesloten na een periode zonder activiteit.', transferred: 'Je bent doorverbonden met een andere medewerker.',
      reopened: 'De chat is heropend.', illegal: 'Een bestand is geweigerd: dit bestandstype is niet toegestaan.',
      newMessages: '{n} nieuw',
    },
  };
  const LANG_ALIASES = { no: 'nb', nn: 'nb', nob: 'nb', se: 'sv', swe: 'sv', dk: 'da', dan: 'da', deu: 'de', ger: 'de', nld: 'nl', dut: 'nl', eng: 'en' };

  function pickLang(...codes) {
    for (const code of codes) {
      if (!code) continue;
      const k = String(code).toLowerCase().split(/[-_]/)[0];
      const lang = LANG_ALIASES[k] || k;
      if (TEXTS[lang]) return lang;
    }
    return 'en';
  }

  const fill = (text, vars) => String(text).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  const ACTIVE = new Set(['InQueue', 'CustomerLast', 'UserLast', 'PreChatForm', 'Faq']);
  const ENDED = new Set(['Finished', 'Closed', 'ClosedFromQueue', 'RequestPosted', 'Deleted']);
  const SYSTEM = {
    ClosedByUser: 'closedByUser', ClosedByCustomer: 'closedByCustomer', ClosedByIdle: 'idle',
    TransferedSession: 'transferred', ReopenedByCustomer: 'reopened', IllegalFileType: 'illegal',
    NewSession: '', Error: 'error', SessionDeleted: 'ended', TransferRejected: '', FaqSuccessQuestion: '',
  };
  const FIELDS = [
    // key, wire name, flag, input type, autocomplete
    ['name', 'CustomerName', 'Name', 'text', 'name'],
    ['email', 'CustomerEmail', 'Email', 'email', 'email'],
    ['company', 'CustomerCompanyName', 'Company', 'text', 'organization'],
    ['phone', 'CustomerPhone', 'Phone', 'tel', 'tel'],
    ['country', 'CustomerCountry', 'Country', 'text', 'country-name'],
  ];
  const FLAG_BITS = { Email: 1, Name: 2, Company: 4, Phone: 8, Country: 16 };
  const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/;

  class ApiError extends Error {
    constructor(status, message, retryAfter) {
      super(message || 'HTTP ' + status);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  /** WidgetRequiredFields as the API writes it ("Email, Name", a number, or "None"). */
  function flagSet(value) {
    const out = new Set();
    if (typeof value === 'number') {
      for (const [name, bit] of Object.entries(FLAG_BITS)) if (value & bit) out.add(name);
    } else if (value) {
      for (const part of String(value).split(/[\s,|]+/)) if (FLAG_BITS[part]) out.add(part);
    }
    return out;
  }

  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null || v === false) continue;
        if (k === 'text') el.textContent = v;
        else if (k === 'class') el.className = v;
        else if (k === 'value') el.value = v;
        else if (typeof v === 'function') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
    return el;
  }

  const SVG = 'http://www.w3.org/2000/svg';
  const ICONS = {
    chat: 'M21 11.5a8.4 8.4 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.4 8.4 0 0 1-3.8-.9L3 21l1.9-5.7a8.4 8.4 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.4 8.4 0 0 1 3.8-.9h.5a8.5 8.5 0 0 1 8 8z',
    down: 'M6 9l6 6 6-6',
    x: 'M18 6L6 18M6 6l12 12',
    send: 'M22 2L11 13M22 2l-7 20-4-9-9-4z',
    clip: 'M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5',
    file: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6',
    download: 'M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3',
    star: 'M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.8-6.2-3.2-6.2 3.2L7 14.2 2 9.3l6.9-1z',
    clock: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2',
    check: 'M20 6L9 17l-5-5',
    mail: 'M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zM22 6l-10 7L2 6',
    alert: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 8v4M12 16h.01',
  };

  function icon(name, size = 20, filled = false) {
    const svg = document.createElementNS(SVG, 'svg');
    for (const [k, v] of Object.entries({
      viewBox: '0 0 24 24', width: size, height: size, fill: filled ? 'currentColor' : 'none', stroke: 'currentColor',
      'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false',
    })) svg.setAttribute(k, String(v));
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', ICONS[name]);
    svg.append(path);
    return svg;
  }

  /** A pre-fill attribute: a literal, or cookie:NAME, url:PARAM, variable:NAME (window.NAME, dotted). */
  function prefill(spec) {
    if (!spec) return '';
    const m = /^(cookie|url|variable):(.+)$/i.exec(spec);
    if (!m) return spec;
    const kind = m[1].toLowerCase();
    const name = m[2].trim();
    try {
      if (kind === 'cookie') {
        for (const part of document.cookie.split(';')) {
          const i = part.indexOf('=');
          if (i > 0 && part.slice(0, i).trim() === name) {
            const raw = part.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
            try { return decodeURIComponent(raw); } catch { return raw; }
          }
        }
        return '';
      }
      if (kind === 'url') return new URLSearchParams(location.search).get(name) || '';
      let value = window;
      for (const key of name.split('.')) value = value == null ? undefined : value[key];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    } catch {
      return '';
    }
  }

  const okColor = (c) => /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c) || /^(rgb|hsl)a?\([\d\s.,%/deg]+\)$/i.test(c) || /^[a-z]{3,24}$/i.test(c);

  /** Text colour for a background: white unless white would be hard to read. */
  function onColor(bg) {
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(bg || '');
    if (!m) return '#ffffff';
    let hex = m[1];
    if (hex.length === 3) hex = hex.replace(/./g, '$&$&');
    const lin = (i) => {
      const v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const lum = 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4);
    return 1.05 / (lum + 0.05) >= 3 ? '#ffffff' : '#16181d';
  }

  function parseDate(s) {
    if (!s || String(s).startsWith('0001-')) return null;
    let text = String(s);
    if (!/([zZ]|[+-]\d\d:?\d\d)$/.test(text)) text += 'Z';
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? null : d;
  }

  function randomKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function sizeText(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(bytes % 1048576 ? 1 : 0) + ' MB';
    return Math.ceil(bytes / 1024) + ' KB';
  }

  const storage = (kind) => {
    try {
      const s = window[kind];
      const probe = '__sochat';
      s.setItem(probe, '1');
      s.removeItem(probe);
      return s;
    } catch {
      const mem = new Map();
      return { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, String(v)), removeItem: (k) => mem.delete(k) };
    }
  };
  const local = storage('localStorage');
  const tab = storage('sessionStorage');

  // ---------------------------------------------------------------------------------------------
  // Styles (a constructed style sheet: host CSS cannot reach in, ours cannot leak out)

  const CSS = `
:host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;opacity:1!important;contain:style!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{--c:#2563eb;--ct:#fff;--font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;--fs:15px;
--fg:#1c2026;--muted:#5f6774;--line:#e2e6ea;--soft:#f5f7f9;--agent-bg:#eef1f4;--agent-fg:#1c2026;--cust-bg:var(--c);--cust-fg:var(--ct);
--btn-bg:var(--c);--btn-fg:var(--ct);--badge-bg:var(--c);--badge-fg:var(--ct);--r:12px;--rb:16px;--stack:0px;
font-family:var(--font);font-size:var(--fs);line-height:1.45;color:var(--fg);-webkit-font-smoothing:antialiased;text-align:left;direction:ltr}
.modern{--r:20px;--rb:20px}
button,input,textarea{font:inherit;color:inherit;margin:0}
button{cursor:pointer}
.launcher{position:fixed;right:20px;bottom:calc(20px + var(--stack));display:flex;align-items:center;gap:10px;height:52px;max-width:calc(100vw - 40px);
padding:0 20px 0 16px;border:0;border-radius:12px;background:var(--badge-bg);color:var(--badge-fg);font-weight:600;font-size:15px;letter-spacing:.01em;
box-shadow:0 8px 24px rgba(16,24,40,.2),0 2px 6px rgba(16,24,40,.12);opacity:0;transform:translateY(14px) scale(.96);pointer-events:none;
transition:opacity .3s ease,transform .3s ease,box-shadow .2s}
.launcher.show{opacity:1;transform:none;pointer-events:auto}
.launcher:hover{box-shadow:0 12px 30px rgba(16,24,40,.26),0 3px 8px rgba(16,24,40,.14);transform:translateY(-1px)}
.launcher .lt{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.modern .launcher{height:58px;border-radius:999px;padding:0 24px 0 18px;background:linear-gradient(135deg,var(--badge-bg),color-mix(in srgb,var(--badge-bg) 72%,#000))}
.unread{min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5484d;color:#fff;font-size:12px;font-weight:700;display:grid;place-items:center}
:focus-visible{outline:3px solid color-mix(in srgb,var(--c) 55%,#fff);outline-offset:2px}
.launcher:focus-visible,header :focus-visible{outline:3px solid currentColor;outline-offset:2px}
.panel{position:fixed;right:20px;bottom:calc(86px + var(--stack));width:370px;height:min(620px,calc(100vh - 110px - var(--stack)));
display:flex;flex-direction:column;background:#fff;border-radius:var(--r);overflow:hidden;
box-shadow:0 24px 60px rgba(16,24,40,.24),0 6px 16px rgba(16,24,40,.12);opacity:0;visibility:hidden;transform:translateY(18px) scale(.98);
transform-origin:bottom right;transition:opacity .22s ease,transform .22s ease,visibility 0s linear .22s}
.modern .panel{bottom:calc(92px + var(--stack))}
.panel.open{opacity:1;visibility:visible;transform:none;transition:opacity .22s ease,transform .22s ease,visibility 0s}
.large .panel{width:420px;height:min(720px,calc(100vh - 110px - var(--stack)))}
header{flex:none;display:flex;align-items:center;gap:12px;padding:14px 10px 14px 16px;background:var(--c);color:var(--ct)}
.modern header{padding:20px 12px 22px 20px;background:linear-gradient(135deg,var(--c),color-mix(in srgb,var(--c) 68%,#000))}
.avatar{flex:none;width:42px;height:42px;border-radius:50%;display:grid;place-items:center;overflow:hidden;background:rgba(255,255,255,.18);position:relative}
.avatar img{width:100%;height:100%;object-fit:cover}
.ini{font-weight:700;font-size:1.15em;text-transform:uppercase}
.avatar.logo{border-radius:10px;background:#fff}
.avatar.logo img{object-fit:contain;padding:4px}
.avatar .on{position:absolute;right:1px;bottom:1px;width:11px;height:11px;border-radius:50%;background:#3ecf6e;border:2px solid var(--c)}
.htext{flex:1;min-width:0}
h2.htitle{margin:0;font-size:1.08em;font-weight:700;line-height:1.3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.modern h2.htitle{font-size:1.2em}
.hsub{margin:2px 0 0;font-size:.86em;opacity:.92;line-height:1.35;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.ibtn{flex:none;width:36px;height:36px;border:0;border-radius:10px;background:transparent;display:grid;place-items:center;color:inherit}
.ibtn:hover{background:rgba(255,255,255,.18)}
.banner{flex:none;display:flex;gap:10px;align-items:center;padding:10px 16px;background:color-mix(in srgb,var(--c) 9%,#fff);border-bottom:1px solid var(--line);font-size:.88em}
.banner.warn{background:#fff6e5;color:#6b4500}
.banner .bt{flex:1}
.banner .link{background:none;border:0;padding:0;color:var(--c);font-weight:600;text-decoration:underline;font-size:1em}
.spin{flex:none;width:16px;height:16px;border-radius:50%;border:2px solid color-mix(in srgb,var(--c) 25%,transparent);border-top-color:var(--c);animation:spin 1s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
.main{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:16px 16px 8px;scroll-behavior:smooth}
.intro{margin:4px 0 14px;padding:14px 16px;border-radius:14px;background:var(--soft)}
.main:has(.log .msg) .intro.first{display:none}
.intro h3,.card h3{margin:0 0 4px;font-size:1em;font-weight:700}
.intro p,.card p{margin:0;color:var(--muted);font-size:.92em;white-space:pre-line}
.log{display:flex;flex-direction:column}
.msg{display:flex;flex-direction:column;max-width:82%;margin-top:10px}
.msg.cont{margin-top:3px}
.msg.me{align-self:flex-end;align-items:flex-end}
.msg.them{align-self:flex-start;align-items:flex-start}
.who{font-size:.76em;font-weight:600;color:var(--muted);margin:0 4px 3px}
.cont .who{display:none}
.bubble{padding:9px 13px;border-radius:var(--rb);white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.42}
.them .bubble{background:var(--agent-bg);color:var(--agent-fg);border-top-left-radius:5px}
.them.cont .bubble{border-top-left-radius:5px}
.me .bubble{background:var(--cust-bg);color:var(--cust-fg);border-top-right-radius:5px}
.meta{font-size:.72em;color:var(--muted);margin:3px 5px 0;display:flex;gap:6px;align-items:center}
.grouped>.meta{display:none}
.pending .bubble{opacity:.65}
.failed .bubble{opacity:.65;box-shadow:0 0 0 2px #e5484d}
.failed .meta{color:#c4262b}
.meta button{background:none;border:0;padding:0;color:inherit;text-decoration:underline;font-weight:600}
.sys{align-self:center;max-width:90%;margin:12px 0 4px;padding:4px 12px;border-radius:999px;background:var(--soft);color:var(--muted);font-size:.8em;text-align:center}
.filechip{display:flex;align-items:center;gap:10px;min-width:180px}
.filechip .fn{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}
.dl{flex:none;display:grid;place-items:center;width:32px;height:32px;border-radius:8px;border:0;background:rgba(0,0,0,.08);color:inherit}
.me .dl{background:rgba(255,255,255,.22)}
.bubble a{color:inherit;text-decoration:underline;word-break:break-all}
.typing{display:flex;align-items:center;gap:8px;margin-top:10px;color:var(--muted);font-size:.8em}
.dots{display:flex;gap:4px;padding:12px 14px;border-radius:var(--rb);border-top-left-radius:5px;background:var(--agent-bg)}
.dots i{width:7px;height:7px;border-radius:50%;background:#8a939f;animation:blink 1.2s infinite ease-in-out}
.dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}
@keyframes blink{0%,80%,100%{opacity:.3;transform:translateY(0)}40%{opacity:1;transform:translateY(-3px)}}
.composer{flex:none;display:flex;align-items:flex-end;gap:4px;padding:8px 8px 8px 6px;border-top:1px solid var(--line);background:#fff}
.composer textarea{flex:1;min-width:0;resize:none;border:0;outline:0;background:transparent;padding:9px 6px;max-height:132px;line-height:1.4;font-size:1em}
.composer textarea::placeholder{color:#8a929e;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.composer .ibtn{color:var(--muted)}
.composer .ibtn:hover{background:var(--soft);color:var(--fg)}
.composer .sendb{background:var(--btn-bg);color:var(--btn-fg);border-radius:10px}
.composer .sendb:hover{background:var(--btn-bg);filter:brightness(1.08);color:var(--btn-fg)}
.composer .sendb:disabled{opacity:.35;cursor:default;filter:none}
.form{display:flex;flex-direction:column;gap:14px;padding-bottom:8px}
.field label,.lbl{display:block;font-weight:600;font-size:.86em;margin-bottom:5px}
.opt{font-weight:400;color:var(--muted)}
.field input,.field textarea{display:block;width:100%;padding:10px 12px;border:1px solid #cdd3da;border-radius:9px;background:#fff;font-size:.95em;transition:border-color .15s,box-shadow .15s}
.field textarea{resize:vertical;min-height:84px}
.field input:focus,.field textarea:focus{outline:0;border-color:var(--c);box-shadow:0 0 0 3px color-mix(in srgb,var(--c) 22%,transparent)}
[aria-invalid=true]{border-color:#d93036!important}
.err{display:flex;gap:5px;align-items:center;margin-top:5px;color:#c4262b;font-size:.82em}
.check{display:flex;gap:10px;align-items:flex-start;font-size:.86em;color:var(--fg)}
.check input{flex:none;width:18px;height:18px;margin-top:1px;accent-color:var(--c)}
.btn{display:inline-flex;align-items:center;justify-content:center;gap:8px;min-height:44px;padding:0 18px;border:0;border-radius:10px;background:var(--btn-bg);color:var(--btn-fg);font-weight:600;font-size:.95em}
.btn:hover{filter:brightness(1.07)}
.btn:disabled{opacity:.55;cursor:default}
.btn.ghost{background:#fff;color:var(--fg);border:1px solid #cdd3da}
.btn.danger{background:#d93036;color:#fff}
.btn.wide{width:100%}
.alert{padding:10px 12px;border-radius:9px;background:#fdecec;color:#a1181d;font-size:.86em}
.card{margin:12px 0;padding:16px;border:1px solid var(--line);border-radius:14px;background:#fff;box-shadow:0 1px 2px rgba(16,24,40,.05)}
.card.center{text-align:center}
.card .sec{margin-top:14px;padding-top:14px;border-top:1px solid var(--line)}
.big{display:grid;place-items:center;width:52px;height:52px;margin:4px auto 12px;border-radius:50%;background:color-mix(in srgb,var(--c) 12%,#fff);color:var(--c)}
.ref{display:inline-block;margin-top:8px;padding:6px 14px;border-radius:8px;background:var(--soft);font:700 1.25em/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.04em;user-select:all}
.hours{margin:12px 0 0;padding:12px 14px;border-radius:12px;background:var(--soft);font-size:.86em}
.hours .lbl{display:flex;gap:6px;align-items:center;margin-bottom:6px}
.hours dl{display:grid;grid-template-columns:auto 1fr;gap:3px 16px;margin:0}
.hours dt{color:var(--muted)}
.hours dd{margin:0;font-variant-numeric:tabular-nums}
.hours .note{margin:6px 0 0;color:var(--muted)}
.intro .hours{background:none;padding:12px 0 0;border-top:1px solid var(--line);border-radius:0}
.stars{display:flex;gap:4px;justify-content:center;margin:8px 0 2px}
.stars button{border:0;background:none;padding:3px;color:#c9cfd6;border-radius:8px;transition:transform .1s,color .1s}
.stars button.on{color:#f5a524}
.stars button:hover{transform:scale(1.12)}
.inline{display:flex;gap:8px;margin-top:8px}
.inline input{flex:1;min-width:0}
.ok{display:flex;gap:6px;align-items:center;justify-content:center;color:#1d7a43;font-size:.88em;margin-top:8px}
.overlay{position:absolute;inset:0;display:flex;align-items:flex-end;background:rgba(16,24,40,.45);z-index:3}
.overlay .card{width:100%;margin:0;border-radius:var(--r) var(--r) 0 0;padding:20px}
.overlay .row{display:flex;gap:8px;margin-top:16px}
.overlay .row .btn{flex:1}
.drop{position:absolute;inset:0;z-index:4;display:grid;place-items:center;text-align:center;padding:24px;margin:8px;border:2px dashed var(--c);border-radius:var(--r);
background:color-mix(in srgb,var(--c) 8%,#fff);color:var(--c);font-weight:600;pointer-events:none}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){
.panel,.large .panel{right:0;bottom:0;width:100%;height:100%;border-radius:0;transform-origin:bottom center}
.open-now .launcher{display:none}
.field input,.field textarea,.composer textarea{font-size:16px}
.launcher{right:14px;bottom:calc(14px + var(--stack))}}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{transition:none!important;animation:none!important;scroll-behavior:auto!important}}
`;
  let sheet = null;
  function adoptStyles(root) {
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
      }
      root.adoptedStyleSheets = [sheet];
    } catch {
      root.append(h('style', { text: CSS }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // One widget per tag

  class Widget {
    constructor(tag, index) {
      const attr = (n) => (tag.getAttribute('data-' + n) || '').trim();
      const src = new URL(tag.src, document.baseURI);
      const cut = src.pathname.toLowerCase().lastIndexOf(LOADER);
      this.base = src.origin + src.pathname.slice(0, Math.max(0, cut));
      this.api = this.base + '/api/v1/Visitor';
      this.topicId = parseInt(attr('topicid'), 10) || 0;
      this.opt = {
        title: attr('title'), theme: attr('theme').toLowerCase(), color: attr('color'), font: attr('font'),
        delay: Math.min(3600, Math.max(0, parseFloat(attr('delay')) || 0)), lang: attr('language'),
      };
      this.pre = { name: attr('customername'), email: attr('customeremail'), phone: attr('customerphone'), company: attr('companyname') };
      this.index = index;
      this.storeKey = 'sochat:' + this.base + ':' + this.topicId;
      this.lang = pickLang(this.opt.lang);
      this.t = TEXTS[this.lang];
      this.topic = null;
      this.topicAt = 0;
      this.s = null;
      this.sid = 0;
      this.key = '';
      this.msgs = new Map();
      this.lastId = 0;
      this.cursor = '';
      this.isOpen = false;
      this.view = '';
      this.unread = 0;
      this.failures = 0;
      this.online = true;
      this.born = Date.now();
      this.mount();
      this.load();
    }

    // ---- API

    async call(method, path, { body, raw, headers = {}, sessionKey = true } = {}) {
      // Dates in UTC with an offset; the browser shows them in its own zone.
      const hd = { Accept: 'application/json', 'Accept-Language': this.lang, 'SO-TimeZone': 'UTC,includeTZOffset', ...headers };
      if (sessionKey && this.key) hd['SO-SessionKey'] = this.key;
      let payload = raw;
      if (body !== undefined) {
        hd['Content-Type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      let res;
      try {
        res = await fetch(this.api + path, { method, headers: hd, body: payload, mode: 'cors', credentials: 'omit', cache: 'no-store' });
      } catch {
        throw new ApiError(0, '');
      }
      if (res.status === 204) return null;
      const text = await res.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch { data = null; }
      if (!res.ok) throw new ApiError(res.status, data && data.ErrorMessage, res.headers.get('Retry-After'));
      return data;
    }

    errorText(err) {
      if (err && err.status === 429) return this.t.slow;
      if (err && err.status >= 400 && err.status < 500 && err.message && !/^HTTP /.test(err.message)) return err.message;
      return this.t.error;
    }

    // ---- Storage: the session key stays in this page origin's storage, per server and topic

    readStore() {
      try {
        const v = JSON.parse(local.getItem(this.storeKey) || 'null');
        return v && v.id && v.key ? v : null;
      } catch {
        return null;
      }
    }

    writeStore() {
      local.setItem(this.storeKey, JSON.stringify({ id: this.sid, key: this.key }));
    }

    forget() {
      local.removeItem(this.storeKey);
      this.disconnect();
      this.s = null;
      this.sid = 0;
      this.key = '';
      this.msgs.clear();
      this.lastId = 0;
      this.cursor = '';
      this.logEl = null;
    }

    // ---- Mounting

    mount() {
      this.host = document.createElement('sochat-chat');
      this.host.setAttribute('data-topic-id', String(this.topicId));
      const shadow = this.host.attachShadow({ mode: 'open' });
      adoptStyles(shadow);
      const t = this.t;
      this.root = h('div', { class: 'root', lang: this.lang });
      this.root.style.setProperty('--stack', this.index * 70 + 'px');
      this.badgeText = h('span', { class: 'lt' });
      this.unreadEl = h('span', { class: 'unread', 'aria-hidden': 'true', hidden: true });
      this.launcher = h('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'panel', onclick: () => this.toggle() },
        icon('chat', 24), this.badgeText, this.unreadEl);
      this.titleEl = h('h2', { class: 'htitle', id: 'title' });
      this.subEl = h('p', { class: 'hsub' });
      this.avatar = h('div', { class: 'avatar' }, icon('chat', 22));
      this.endBtn = h('button', { class: 'ibtn', type: 'button', hidden: true, 'aria-label': t.end, title: t.end, onclick: () => this.confirmEnd() }, icon('x'));
      this.minBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': t.minimise, title: t.minimise, onclick: () => this.toggle(false) }, icon('down'));
      this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
      this.main = h('div', { class: 'main' });
      this.input = h('textarea', { rows: 1, 'aria-label': t.message, placeholder: t.placeholder, maxlength: 4000, oninput: () => this.onInput(), onkeydown: (e) => this.onKey(e), onpaste: (e) => this.onPaste(e) });
      this.fileInput = h('input', { type: 'file', hidden: true, tabindex: -1, onchange: () => { const f = this.fileInput.files && this.fileInput.files[0]; this.fileInput.value = ''; if (f) this.upload(f); } });
      this.attachBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': t.attach, title: t.attach, onclick: () => this.fileInput.click() }, icon('clip'));
      this.sendBtn = h('button', { class: 'ibtn sendb', type: 'submit', 'aria-label': t.send, title: t.send, disabled: true }, icon('send', 18));
      this.composer = h('form', { class: 'composer', hidden: true, onsubmit: (e) => { e.preventDefault(); this.submitComposer(); } },
        this.attachBtn, this.fileInput, this.input, this.sendBtn);
      this.dropEl = h('div', { class: 'drop', hidden: true }, t.drop);
      this.panel = h('section', { class: 'panel', id: 'panel', role: 'dialog', 'aria-labelledby': 'title', inert: true,
        onkeydown: (e) => { if (e.key === 'Escape' && !this.overlay) { e.stopPropagation(); this.toggle(false); } } },
        h('header', null, this.avatar, h('div', { class: 'htext' }, this.titleEl, this.subEl), this.endBtn, this.minBtn),
        this.banner, this.main, this.composer, this.dropEl);
      this.panel.addEventListener('dragenter', (e) => this.onDrag(e, true));
      this.panel.addEventListener('dragover', (e) => this.onDrag(e, true));
      this.panel.addEventListener('dragleave', (e) => { if (!this.panel.contains(e.relatedTarget)) this.onDrag(e, false); });
      this.panel.addEventListener('drop', (e) => this.onDrop(e));
      this.root.append(this.launcher, this.panel);
      shadow.append(this.root);
      const attach = () => document.body.append(this.host);
      if (document.body) attach();
      else document.addEventListener('DOMContentLoaded', attach, { once: true });
      addEventListener('online', () => { if (this.sid) this.reconnect(); });
    }

    applyTopic() {
      const T = this.topic;
      const W = T.Widget || {};
      this.lang = pickLang(this.opt.lang, T.LanguageIsoCode, W.LanguageIsoCode);
      this.t = TEXTS[this.lang];
      const t = this.t;
      this.root.lang = this.lang;
      const theme = (this.opt.theme || W.Theme || 'classic').toLowerCase() === 'modern' ? 'modern' : 'classic';
      this.root.classList.toggle('modern', theme === 'modern');
      this.root.classList.toggle('large', String(W.Size || '').toLowerCase() === 'large');
      const st = this.root.style;
      const color = [this.opt.color, W.Color].find((c) => c && okColor(c));
      if (color) {
        st.setProperty('--c', color);
        st.setProperty('--ct', onColor(color));
      }
      const pairs = [['--badge-bg', W.BadgeColor], ['--badge-fg', W.BadgeTextColor], ['--cust-bg', W.CustMsgColor], ['--cust-fg', W.CustMsgTextColor],
        ['--agent-bg', W.AgentMsgColor], ['--agent-fg', W.AgentMsgTextColor], ['--btn-bg', W.ButtonColor], ['--btn-fg', W.ButtonTextColor]];
      for (const [name, value] of pairs) if (value && okColor(value)) st.setProperty(name, value);
      if (W.BadgeColor && !W.BadgeTextColor && okColor(W.BadgeColor)) st.setProperty('--badge-fg', onColor(W.BadgeColor));
      if (W.CustMsgColor && !W.CustMsgTextColor && okColor(W.CustMsgColor)) st.setProperty('--cust-fg', onColor(W.CustMsgColor));
      if (W.ButtonColor && !W.ButtonTextColor && okColor(W.ButtonColor)) st.setProperty('--btn-fg', onColor(W.ButtonColor));
      const font = this.opt.font || W.Font;
      if (font && /^[\w\s,'"-]{1,80}$/.test(font)) st.setProperty('--font', font + ',system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif');
      const fs = /^(\d{1,2}(\.\d+)?)(px|pt|em|rem|%)?$/.exec(String(W.FontSize || '').trim());
      if (fs) st.setProperty('--fs', fs[1] + (fs[3] || 'px'));
      this.badgeText.textContent = T.BadgeHeader || t.badge;
      this.input.placeholder = t.placeholder;
      this.input.setAttribute('aria-label', t.message);
      for (const [el, text] of [[this.endBtn, t.end], [this.minBtn, t.minimise], [this.attachBtn, t.attach], [this.sendBtn, t.send]]) {
        el.setAttribute('aria-label', text);
        el.title = text;
      }
      this.dropEl.textContent = t.drop;
      const files = T.Files || {};
      this.attachBtn.hidden = files.Enabled === false;
      this.renderHeader();
    }

    renderHeader() {
      const T = this.topic || {};
      const W = T.Widget || {};
      const t = this.t;
      const title = W.WelcomeTitle || this.opt.title || T.Name || t.title;
      const agent = this.s && ACTIVE.has(this.s.Status) && this.s.Status !== 'InQueue' && this.s.AgentName;
      const photo = agent && W.ShowAgentPhoto && /^https?:|^\//.test(this.s.AgentPhotoUrl || '') ? this.s.AgentPhotoUrl : '';
      const logo = W.LogoEnabled && /^https?:|^\//.test(T.LogoUrl || '') ? T.LogoUrl : '';
      if (agent && W.ShowAgentPhoto) {
        this.titleEl.textContent = this.s.AgentName;
        this.subEl.textContent = title;
      } else {
        this.titleEl.textContent = title;
        const quiet = ['offline', 'sent', 'dead'].includes(this.view);
        this.subEl.textContent = agent ? fill(t.with, { name: this.s.AgentName }) : quiet ? '' : W.WelcomeMessage || t.welcome;
        this.subEl.hidden = !this.subEl.textContent;
      }
      const src = photo || logo;
      const key = src + '|' + (agent || '');
      if (this.avatarKey !== key) {
        this.avatarKey = key;
        this.avatar.className = 'avatar' + (src && !photo ? ' logo' : '');
        const initial = agent && !src ? h('span', { class: 'ini', 'aria-hidden': 'true', text: [...this.s.AgentName.trim()][0] || '' }) : null;
        const img = src ? h('img', { alt: '', src: new URL(src, this.base + '/').href, referrerpolicy: 'no-referrer' }) : initial || icon('chat', 22);
        this.avatar.replaceChildren(img);
        if (agent) this.avatar.append(h('span', { class: 'on', 'aria-hidden': 'true' }));
      }
      this.endBtn.hidden = !(this.s && ACTIVE.has(this.s.Status));
    }

    // ---- Start-up

    async load() {
      const stored = this.readStore();
      for (let attempt = 0; ; attempt++) {
        try {
          await this.refreshTopic();
          break;
        } catch (err) {
          if (err.status === 404) {
            this.topic = { State: 'Deleted', Widget: {} };
            this.applyTopic();
            break;
          }
          await new Promise((r) => setTimeout(r, Math.min(60000, 2000 * 2 ** attempt)));
        }
      }
      if (stored && this.topic.State !== 'Deleted') {
        this.sid = stored.id;
        this.key = stored.key;
        try {
          this.s = await this.call('GET', '/Sessions/' + this.sid);
          if (!this.s || ['Closed', 'ClosedFromQueue', 'RequestPosted', 'Deleted'].includes(this.s.Status)) this.forget();
        } catch (err) {
          if (err.status >= 400 && err.status < 500) this.forget();
        }
      }
      if (this.s) this.renderSessionView();
      const wait = this.born + this.opt.delay * 1000 - Date.now();
      const reopen = tab.getItem(this.storeKey + ':open') === '1';
      setTimeout(() => {
        this.launcher.classList.add('show');
        if (reopen) this.toggle(true, false);
      }, reopen ? 0 : Math.max(0, wait));
    }

    async refreshTopic() {
      this.topic = await this.call('GET', '/Topics/' + this.topicId, { sessionKey: false });
      this.topicAt = Date.now();
      this.applyTopic();
    }

    // ---- Open / close

    toggle(open = !this.isOpen, focus = true) {
      if (open === this.isOpen) return;
      this.isOpen = open;
      tab.setItem(this.storeKey + ':open', open ? '1' : '0');
      this.panel.classList.toggle('open', open);
      this.panel.inert = !open;
      this.root.classList.toggle('open-now', open);
      this.launcher.setAttribute('aria-expanded', String(open));
      if (open) {
        this.panel.style.zIndex = String(++shared.z);
        this.launcher.style.zIndex = String(shared.z);
        this.setUnread(0);
        if (!this.view) this.renderFreshView();
        else if (!this.sid && Date.now() - this.topicAt > 30000 && this.view !== 'sent') {
          this.refreshTopic().then(() => { if (!this.sid && this.view !== 'sent') this.renderFreshView(); }).catch(() => {});
        }
        if (this.view === 'chat') this.scrollDown(true);
        if (focus) setTimeout(() => this.focusFirst(), 60);
      } else {
        if (focus) this.launcher.focus();
      }
    }

    focusFirst() {
      const target = this.main.querySelector('[aria-invalid=true]') || this.main.querySelector('input:not([type=hidden]):not([type=checkbox]),textarea') ||
        (!this.composer.hidden && this.input) || this.main.querySelector('button') || this.minBtn;
      if (target) target.focus({ preventScroll: true });
    }

    setUnread(n) {
      this.unread = n;
      this.unreadEl.hidden = !n;
      this.unreadEl.textContent = String(n);
      this.launcher.setAttribute('aria-label', n ? this.badgeText.textContent + ', ' + fill(this.t.newMessages, { n }) : this.badgeText.textContent);
      if (!n) this.launcher.removeAttribute('aria-label');
    }

    setView(name, ...children) {
      this.view = name;
      this.main.replaceChildren(...children);
      this.composer.hidden = name !== 'chat';
      this.setBanner(null);
      this.renderHeader();
    }

    /** The first screen when there is no session: offline, dead, pre-chat form or straight to chat. */
    renderFreshView() {
      const T = this.topic;
      if (!T) return;
      if (T.State === 'Deleted') return this.renderDead();
      if (T.State === 'Closed' || T.State === 'NoAgents' || T.OpenNow === false) return this.renderOffline();
      if (T.PreChatFormEnabled) return this.renderPreChat();
      this.renderChat();
    }

    renderDead() {
      const t = this.t;
      this.setView('dead', h('div', { class: 'card center' }, h('div', { class: 'big' }, icon('alert', 26)), h('h3', { text: t.dead }), h('p', { text: t.deadBody })));
      this.attachBtn.hidden = true;
    }

    // ---- Forms

    /** Fields for the pre-chat or offline form. Name and e-mail always; company, phone and
     * country when required (or pre-filled from the tag). */
    buildFields(required, prefix) {
      const t = this.t;
      const out = [];
      for (const [key, wire, flag, type, autocomplete] of FIELDS) {
        const value = key === 'country' ? '' : prefill(this.pre[key]);
        const need = required.has(flag);
        if (!(need || key === 'name' || key === 'email' || value)) continue;
        const id = prefix + key;
        const input = h('input', { id, name: wire, type, autocomplete, value, required: need, 'aria-required': need ? 'true' : null, maxlength: key === 'email' ? 254 : 200 });
        const label = h('label', { for: id }, t[key], need ? null : h('span', { class: 'opt' }, ' (' + t.optional + ')'));
        out.push({ key, wire, need, input, el: h('div', { class: 'field' }, label, input) });
      }
      return out;
    }

    validate(fields, consent, textField) {
      const t = this.t;
      let first = null;
      const mark = (input, holder, msg) => {
        const old = holder.querySelector('.err');
        if (old) old.remove();
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-describedby');
        if (!msg) return;
        const id = input.id + '-err';
        holder.append(h('div', { class: 'err', id }, icon('alert', 14), msg));
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', id);
        first = first || input;
      };
      for (const f of fields) {
        const v = f.input.value.trim();
        mark(f.input, f.el, f.need && !v ? t.errRequired : f.key === 'email' && v && !EMAIL.test(v) ? t.errEmail : '');
      }
      if (textField) mark(textField.input, textField.el, textField.need && !textField.input.value.trim() ? t.errRequired : '');
      if (consent) mark(consent.input, consent.el, consent.input.checked ? '' : t.errConsent);
      if (first) first.focus();
      return !first;
    }

    consentField(prefix) {
      const input = h('input', { type: 'checkbox', id: prefix + 'consent', required: true });
      return { input, el: h('div', null, h('label', { class: 'check', for: prefix + 'consent' }, input, h('span', { text: this.t.consent }))) };
    }

    textArea(prefix, label, need) {
      const input = h('textarea', { id: prefix + 'text', rows: 3, maxlength: 4000, required: need });
      return { input, need, el: h('div', { class: 'field' }, h('label', { for: prefix + 'text' }, label, need ? null : h('span', { class: 'opt' }, ' (' + this.t.optional + ')')), input) };
    }

    values(fields) {
      const body = {};
      for (const f of fields) body[f.wire] = f.input.value.trim();
      return body;
    }

    renderPreChat() {
      const T = this.topic;
      const W = T.Widget || {};
      const t = this.t;
      const fields = this.buildFields(flagSet(T.RequiredFields ?? W.RequiredFields), 'pre-');
      const consent = T.CollectConsent ? this.consentField('pre-') : null;
      const question = this.textArea('pre-', t.question, false);
      const alertEl = h('div', { class: 'alert', role: 'alert', hidden: true });
      const submit = h('button', { class: 'btn wide', type: 'submit' }, t.start);
      const form = h('form', {
        class: 'form', novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          if (!this.validate(fields, consent, question)) return;
          submit.disabled = true;
          alertEl.hidden = true;
          try {
            await this.start({ ...this.values(fields), Consent: !!(consent && consent.input.checked) }, question.input.value.trim());
          } catch (err) {
            alertEl.textContent = this.errorText(err);
            alertEl.hidden = false;
            submit.disabled = false;
          }
        },
      }, fields.map((f) => f.el), question.el, consent && consent.el, alertEl, submit);
      const intro = h('div', { class: 'intro' }, h('p', { text: W.PreFormMessage || W.WelcomeMessage || t.welcome }));
      this.setView('prechat', intro, form);
    }

    renderOffline(fromQueue = false) {
      const T = this.topic || {};
      const W = T.Widget || {};
      const t = this.t;
      const canSend = T.OfflineFormEnabled !== false && (T.OfflineFormEnabled || T.TicketEnabled);
      const head = h('div', { class: 'intro' }, h('h3', { text: W.OfflineHeader || t.offHeader }), h('p', { text: W.OfflineMessage || (canSend ? t.offMessage : t.offTexts) }));
      const hours = this.hoursBlock();
      if (hours) head.append(hours);
      if (!canSend) return this.setView('offline', head);
      const fields = this.buildFields(flagSet(T.OfflineFields ?? W.OfflineFields), 'off-');
      const consent = (T.OfflineCollectConsent ?? T.CollectConsent) ? this.consentField('off-') : null;
      const text = this.textArea('off-', t.message, true);
      const alertEl = h('div', { class: 'alert', role: 'alert', hidden: true });
      const submit = h('button', { class: 'btn wide', type: 'submit' }, t.sendRequest);
      const form = h('form', {
        class: 'form', novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          if (!this.validate(fields, consent, text)) return;
          submit.disabled = true;
          alertEl.hidden = true;
          try {
            const body = { TopicId: this.topicId, ...this.values(fields), Consent: !!(consent && consent.input.checked), Message: text.input.value.trim(), PageUrl: location.origin + location.pathname };
            if (fromQueue && this.sid) body.SessionId = this.sid;
            const res = await this.call('POST', '/OfflineRequests', { body, sessionKey: fromQueue });
            if (fromQueue) this.forget();
            this.renderSent(res && res.Reference);
          } catch (err) {
            alertEl.textContent = this.errorText(err);
            alertEl.hidden = false;
            submit.disabled = false;
          }
        },
      }, fields.map((f) => f.el), text.el, consent && consent.el, alertEl, submit);
      this.setView('offline', head, form);
    }

    renderSent(reference) {
      const t = this.t;
      const card = h('div', { class: 'card center', role: 'status' }, h('div', { class: 'big' }, icon('check', 26)), h('h3', { text: t.sent }));
      if (reference) card.append(h('p', { text: t.reference }), h('div', { class: 'ref', 'data-reference': reference, text: reference }));
      this.setView('sent', card);
      this.renderHeader();
    }

    /** Opening hours as configured, in the topic's time zone (lunch break included). */
    hoursBlock() {
      const T = this.topic || {};
      const oh = T.OpeningHours;
      if (!oh || T.OpeningHoursEnabled === false) return null;
      const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
      if (!days.some((d) => oh[d + 'Enabled'])) return null;
      const t = this.t;
      const hm = (v) => (/^\d{1,2}:\d{2}/.test(v || '') ? v.padStart(8, '0').slice(0, 5) : '00:00');
      const name = (i) => new Intl.DateTimeFormat(this.lang, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + i)));
      const rows = [];
      days.forEach((d, i) => {
        const text = oh[d + 'Enabled'] ? hm(oh[d + 'Start']) + '–' + hm(oh[d + 'Stop']) : t.closedDay;
        const last = rows[rows.length - 1];
        if (last && last.text === text && last.to === i - 1) last.to = i;
        else rows.push({ from: i, to: i, text });
      });
      const dl = h('dl');
      for (const r of rows) dl.append(h('dt', { text: r.from === r.to ? name(r.from) : name(r.from) + '–' + name(r.to) }), h('dd', { text: r.text }));
      const box = h('div', { class: 'hours' }, h('div', { class: 'lbl' }, icon('clock', 15), t.hours), dl);
      if (oh.UseLunchHours) box.append(h('p', { class: 'note', text: fill(t.lunch, { from: hm(oh.LunchStart), to: hm(oh.LunchStop) }) }));
      const zone = oh.TzLocation && (oh.TzLocation.Name || oh.TzLocation.TZLocationCode);
      if (zone) box.append(h('p', { class: 'note', text: fill(t.timeZone, { zone }) }));
      return box;
    }

    // ---- Conversation

    renderChat() {
      const T = this.topic || {};
      const W = T.Widget || {};
      if (!this.logEl) {
        this.logEl = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': this.t.title });
        this.typingEl = h('div', { class: 'typing', hidden: true }, h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span', { class: 'tt' }));
      }
      const intro = h('div', { class: 'intro first' }, W.WelcomeTitle ? h('h3', { text: W.WelcomeTitle }) : null, h('p', { text: W.WelcomeMessage || this.t.welcome }));
      this.setView('chat', intro, this.logEl, this.typingEl);
      this.updateComposer();
      this.applySessionUi();
    }

    renderSessionView() {
      const st = this.s.Status;
      if (st === 'OfflineForm') return this.renderOffline(true);
      if (this.view !== 'chat') this.renderChat();
      this.applySessionUi();
      this.connect();
    }

    updateComposer() {
      const t = this.t;
      const ended = this.s && ENDED.has(this.s.Status);
      const canReopen = this.s && this.s.Status === 'Finished';
      this.composer.hidden = this.view !== 'chat' || (ended && !canReopen);
      this.input.placeholder = canReopen ? t.continue : t.placeholder;
      this.sendBtn.disabled = !this.input.value.trim();
    }

    /** Queue banner, agent header, typing indicator and post-chat card from the session. */
    applySessionUi() {
      this.renderHeader();
      if (this.view !== 'chat') return;
      const s = this.s;
      const t = this.t;
      if (s && s.Status === 'InQueue') {
        const pos = s.QueuePosition || 1;
        const mins = s.AverageWaitSeconds > 0 ? Math.max(1, Math.round(s.AverageWaitSeconds / 60)) : 0;
        const text = s.QueueText || fill(t.queue, { cque: pos }) + (mins ? ' ' + fill(t.queueWait, { cavw: mins }) : '');
        const kids = [h('span', { class: 'spin', 'aria-hidden': 'true' }), h('span', { class: 'bt', 'data-queue-position': pos, text })];
        if (this.offerOfflineFromQueue()) kids.push(h('button', { class: 'link', type: 'button', onclick: () => this.renderOffline(true) }, t.leave));
        this.setBanner(kids);
      } else if (!this.online && this.sid) {
        this.setBanner([h('span', { class: 'spin', 'aria-hidden': 'true' }), h('span', { class: 'bt', text: t.reconnecting })], true);
      } else {
        this.setBanner(null);
      }
      const typing = !!(s && s.AgentIsTyping && ACTIVE.has(s.Status));
      if (this.typingEl) {
        const was = !this.typingEl.hidden;
        this.typingEl.hidden = !typing;
        this.typingEl.querySelector('.tt').textContent = typing ? fill(t.typing, { name: s.AgentName || t.someone }) : '';
        if (typing && !was) this.scrollDown();
      }
      this.updateComposer();
      const ended = s && ENDED.has(s.Status);
      if (ended && !this.postCard) {
        this.postCard = this.buildPostCard();
        this.main.append(this.postCard);
        this.scrollDown(true);
      } else if (!ended && this.postCard) {
        this.postCard.remove();
        this.postCard = null;
      }
    }

    setBanner(kids, warn = false) {
      if (!kids) {
        this.banner.hidden = true;
        this.banner.replaceChildren();
        return;
      }
      const sig = kids.map((k) => k.textContent).join('|');
      this.banner.className = 'banner' + (warn ? ' warn' : '');
      if (this.banner.hidden || this.bannerSig !== sig) this.banner.replaceChildren(...kids);
      this.bannerSig = sig;
      this.banner.hidden = false;
    }

    offerOfflineFromQueue() {
      const T = this.topic || {};
      const s = this.s;
      if (!s || !T.UseQueueOfflineForm || !(T.OfflineFormEnabled || T.TicketEnabled)) return false;
      if (s.OfflineFormOffered) return true;
      const started = parseDate(s.WhenRequested || s.WhenStarted);
      const waited = started ? (Date.now() - started.getTime()) / 60000 : 0;
      const byTime = T.OfflineFormTimeLimit > 0 && waited >= T.OfflineFormTimeLimit;
      const byLength = T.OfflineFormQueueLength > 0 && (s.QueuePosition || 0) >= T.OfflineFormQueueLength;
      return byTime || byLength || (!(T.OfflineFormTimeLimit > 0) && !(T.OfflineFormQueueLength > 0));
    }

    buildPostCard() {
      const T = this.topic || {};
      const W = T.Widget || {};
      const t = this.t;
      const s = this.s;
      const card = h('div', { class: 'card center post', role: 'region', 'aria-label': t.ended });
      card.append(h('h3', { text: (W.PostFormEnabled && W.PostFormHeader) || t.ended }), h('p', { text: (W.PostFormEnabled && W.PostFormMessage) || t.endedBody }));
      const canFollowUp = s.Status === 'Finished';
      if (canFollowUp && T.RatingEnabled) card.append(this.ratingBlock(T.RatingText || t.rate));
      if (canFollowUp && W.PostTranscriptEnabled && T.EmailAvailable !== false) card.append(this.transcriptBlock());
      card.append(h('div', { class: 'sec' }, h('button', { class: 'btn ghost wide', type: 'button', onclick: () => this.newChat() }, t.again)));
      return card;
    }

    ratingBlock(label) {
      const t = this.t;
      const sec = h('div', { class: 'sec' });
      const labelId = 'rate-label';
      const stars = h('div', { class: 'stars', role: 'radiogroup', 'aria-labelledby': labelId });
      const note = h('div', { class: 'ok', role: 'status' });
      let current = (this.s && this.s.Rating) || 0;
      const buttons = [];
      const paint = (n) => buttons.forEach((b, i) => { b.classList.toggle('on', i < n); b.setAttribute('aria-checked', String(i + 1 === current)); b.tabIndex = (current ? i + 1 === current : i === 0) ? 0 : -1; });
      const choose = async (n) => {
        current = n;
        paint(n);
        try {
          this.s = (await this.call('POST', '/Sessions/' + this.sid + '/Rating', { body: { Rating: n } })) || this.s;
          note.replaceChildren(icon('check', 16), t.rated);
        } catch (err) {
          note.replaceChildren(this.errorText(err));
        }
      };
      for (let n = 1; n <= 5; n++) {
        const b = h('button', { type: 'button', role: 'radio', 'aria-label': fill(t.star, { n }), 'data-rating': n,
          onclick: () => choose(n), onmouseenter: () => paint(n), onmouseleave: () => paint(current), onfocus: () => paint(current),
          onkeydown: (e) => {
            const d = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[e.key];
            if (!d) return;
            e.preventDefault();
            const next = Math.min(5, Math.max(1, (current || n) + d));
            buttons[next - 1].focus();
            choose(next);
          } }, icon('star', 30, true));
        buttons.push(b);
        stars.append(b);
      }
      paint(current);
      if (current) note.replaceChildren(icon('check', 16), t.rated);
      sec.append(h('div', { class: 'lbl', id: labelId, text: label }), stars, note);
      return sec;
    }

    transcriptBlock() {
      const t = this.t;
      const input = h('input', { type: 'email', id: 'tr-email', autocomplete: 'email', value: this.email || prefill(this.pre.email), maxlength: 254 });
      const note = h('div', { class: 'ok', role: 'status' });
      const button = h('button', { class: 'btn', type: 'submit' }, t.transcriptSend);
      const form = h('form', {
        class: 'sec field', novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          const email = input.value.trim();
          const old = form.querySelector('.err');
          if (old) old.remove();
          input.removeAttribute('aria-invalid');
          if (!EMAIL.test(email)) {
            form.append(h('div', { class: 'err', id: 'tr-err' }, icon('alert', 14), t.errEmail));
            input.setAttribute('aria-invalid', 'true');
            input.setAttribute('aria-describedby', 'tr-err');
            input.focus();
            return;
          }
          button.disabled = true;
          try {
            await this.call('POST', '/Sessions/' + this.sid + '/Transcript', { body: { Email: email } });
            note.replaceChildren(icon('mail', 16), fill(t.transcriptSent, { email }));
          } catch (err) {
            note.replaceChildren(this.errorText(err));
            button.disabled = false;
          }
        },
      }, h('label', { for: 'tr-email', text: t.transcript }), h('div', { class: 'inline' }, input, button), note);
      return form;
    }

    newChat() {
      this.forget();
      this.postCard = null;
      this.view = '';
      this.renderHeader();
      this.renderFreshView();
      setTimeout(() => this.focusFirst(), 30);
    }

    confirmEnd() {
      const t = this.t;
      const close = () => {
        this.overlay.remove();
        this.overlay = null;
        this.endBtn.focus();
      };
      const cancel = h('button', { class: 'btn ghost', type: 'button', onclick: close }, t.cancel);
      const ok = h('button', { class: 'btn danger', type: 'button', onclick: async () => {
        ok.disabled = true;
        try {
          this.applySession(await this.call('POST', '/Sessions/' + this.sid + '/End'));
        } catch (err) {
          if (err.status === 404) this.forget();
        }
        this.overlay && this.overlay.remove();
        this.overlay = null;
        if (!this.sid) this.newChat();
        this.focusFirst();
      } }, t.end);
      this.overlay = h('div', { class: 'overlay', onkeydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); close(); } } },
        h('div', { class: 'card', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'cf-t', 'aria-describedby': 'cf-b' },
          h('h3', { id: 'cf-t', text: t.confirm }), h('p', { id: 'cf-b', text: t.confirmBody }), h('div', { class: 'row' }, cancel, ok)));
      this.panel.append(this.overlay);
      cancel.focus();
    }

    // ---- Sessions

    /** Starts a session; the server posts ``Question`` as the visitor's first message. */
    async start(fields, question) {
      const body = {
        TopicId: this.topicId, CustomerName: '', CustomerEmail: '', CustomerPhone: '', CustomerCompanyName: '', CustomerCountry: '',
        Consent: false, Question: question || '', PageUrl: location.origin + location.pathname, ...fields,
      };
      this.email = body.CustomerEmail;
      const s = await this.call('POST', '/Sessions', { body, sessionKey: false });
      this.sid = s.SessionId;
      this.key = s.SessionKey;
      this.s = s;
      this.writeStore();
      this.postCard = null;
      this.renderSessionView();
      if (question) this.fetchMessages().catch(() => {});
      setTimeout(() => this.focusFirst(), 30);
    }

    /** The session, started once with the tag's pre-fill values when the first message or
     * file needs one (two quick sends share the same start). */
    ensureSession() {
      if (this.sid) return Promise.resolve();
      if (!this.starting) this.starting = this.start(this.prefillValues(), '').finally(() => { this.starting = null; });
      return this.starting;
    }

    /** Fields the visitor did not type: the tag's pre-fill values. */
    prefillValues() {
      return { CustomerName: prefill(this.pre.name), CustomerEmail: prefill(this.pre.email), CustomerPhone: prefill(this.pre.phone), CustomerCompanyName: prefill(this.pre.company) };
    }

    applySession(s) {
      if (!s) return;
      const before = this.s && this.s.Status;
      this.s = s;
      if (s.Status === 'OfflineForm' && before !== 'OfflineForm') return this.renderOffline(true);
      if (['Closed', 'ClosedFromQueue', 'RequestPosted', 'Deleted'].includes(s.Status) && before !== s.Status) this.fetchMessages().catch(() => {});
      this.applySessionUi();
      if (ENDED.has(s.Status) && s.Status !== 'Finished') this.disconnect();
    }

    async refreshSession() {
      if (!this.sid) return;
      if (this.sessionBusy) return this.sessionBusy;
      this.sessionBusy = this.call('GET', '/Sessions/' + this.sid)
        .then((s) => this.applySession(s))
        .catch((err) => {
          if (err.status === 404) {
            this.forget();
            this.newChat();
          } else throw err;
        })
        .finally(() => { this.sessionBusy = null; });
      return this.sessionBusy;
    }

    /** Messages after the newest few we hold (ids are dedupe keys, so overlap is harmless and
     * a message committed out of id order is still picked up). */
    async fetchMessages() {
      if (!this.sid) return;
      if (this.msgBusy) {
        this.msgAgain = true;
        return this.msgBusy;
      }
      const ids = [...this.msgs.keys()].sort((a, b) => a - b);
      const after = ids.length > 3 ? ids[ids.length - 4] : 0;
      this.msgBusy = this.call('GET', '/Sessions/' + this.sid + '/Messages?after=' + after)
        .then((list) => {
          for (const m of list || []) this.addMessage(m);
          this.settled = true;
        })
        .finally(() => {
          this.msgBusy = null;
          if (this.msgAgain) {
            this.msgAgain = false;
            this.fetchMessages().catch(() => {});
          }
        });
      return this.msgBusy;
    }

    // ---- Messages

    addMessage(m) {
      const id = m && m.ChatMessageId;
      if (!id || this.msgs.has(id)) return;
      if (!this.logEl) this.renderChat();
      this.msgs.set(id, m);
      if (id > this.lastId) this.lastId = id;
      let el = null;
      if (m.Type === 'ToUser') {
        // Our own message, already shown while it was being sent: keep that bubble.
        el = [...this.logEl.querySelectorAll('.msg.pending')].find((p) => p.sendText === m.Message && !p.dataset.id) || null;
        if (el) {
          el.classList.remove('pending', 'failed');
          el.querySelector('.meta').replaceChildren(this.timeEl(m.WhenPosted));
        }
      }
      if (!el) el = this.renderMessage(m);
      el.dataset.id = String(id);
      const next = [...this.logEl.children].find((c) => c !== el && c.dataset.id && Number(c.dataset.id) > id);
      if (next) this.logEl.insertBefore(el, next);
      else if (el.parentNode !== this.logEl || el.nextSibling) {
        const firstPending = this.logEl.querySelector('.msg.pending,.msg.failed');
        if (firstPending && firstPending !== el) this.logEl.insertBefore(el, firstPending);
        else this.logEl.append(el);
      }
      this.group(el);
      // History read at start-up is not news; later agent messages are, while the window is closed.
      if (m.Type === 'ToCustomer' && !this.isOpen && this.settled) this.setUnread(this.unread + 1);
      this.scrollDown(m.Type === 'ToUser');
    }

    /** Consecutive messages from the same author share the name line and the last one's time. */
    group(el) {
      const prev = el.previousElementSibling;
      const next = el.nextElementSibling;
      const same = (a, b) => a && b && a.classList.contains('msg') && b.classList.contains('msg') && a.dataset.who === b.dataset.who && a.dataset.side === b.dataset.side;
      el.classList.toggle('cont', !!same(prev, el));
      if (prev && same(prev, el)) prev.classList.add('grouped');
      if (same(el, next)) {
        el.classList.add('grouped');
        next.classList.add('cont');
      }
    }

    timeEl(iso) {
      const d = parseDate(iso);
      if (!d) return h('span');
      const today = d.toDateString() === new Date().toDateString();
      const fmt = new Intl.DateTimeFormat(this.locale(), today ? { hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
      return h('time', { datetime: d.toISOString(), text: fmt.format(d) });
    }

    /** The browser's own locale when it speaks the widget's language (en-GB writes 17:05). */
    locale() {
      const nav = navigator.language || '';
      return pickLang(nav) === this.lang ? nav : this.lang;
    }

    renderMessage(m) {
      const t = this.t;
      const special = m.SpecialType && m.SpecialType !== 'None' ? m.SpecialType : '';
      if (m.Type === 'Special' || special in SYSTEM) {
        const key = SYSTEM[special];
        const text = m.Message || (key ? fill(t[key], { name: m.Author || (this.s && this.s.AgentName) || t.someone }) : '');
        return h('div', { class: 'sys', 'data-special': special || 'None', text });
      }
      const mine = m.Type === 'ToUser';
      const who = mine ? t.you : m.Author || (this.s && this.s.AgentName) || t.someone;
      const bubble = h('div', { class: 'bubble' });
      if (special === 'Url') bubble.append(this.linkContent(m, mine));
      else bubble.textContent = m.Message;
      const el = h('div', { class: 'msg ' + (mine ? 'me' : 'them'), 'data-side': mine ? 'me' : 'them', 'data-who': who, 'data-type': m.Type },
        mine ? null : h('div', { class: 'who', text: who }), bubble, h('div', { class: 'meta' }, this.timeEl(m.WhenPosted)));
      return el;
    }

    /** A file (a path on this server) gets a download button; other links open in a new tab. */
    linkContent(m, mine) {
      const t = this.t;
      const param = m.SpecialParam || '';
      const file = /\/Files\/([^/?#]+)\/?$/i.exec(param);
      if (file) {
        const name = m.Message || decodeURIComponent(file[1]);
        const btn = h('button', { class: 'dl', type: 'button', 'aria-label': fill(t.download, { name }), title: fill(t.download, { name }),
          onclick: () => this.download(file[1], name).catch(() => {}) }, icon('download', 16));
        return h('span', { class: 'filechip', 'data-file-id': file[1] }, icon('file', 20), h('span', { class: 'fn', text: name }), btn);
      }
      let url = null;
      try { url = new URL(param || m.Message); } catch { url = null; }
      if (url && (url.protocol === 'https:' || url.protocol === 'http:')) {
        return h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', text: m.Message || url.href });
      }
      return document.createTextNode(m.Message || param);
    }

    async download(fileId, name) {
      const res = await fetch(this.api + '/Sessions/' + this.sid + '/Files/' + encodeURIComponent(fileId), {
        headers: { 'SO-SessionKey': this.key }, mode: 'cors', credentials: 'omit', cache: 'no-store',
      });
      if (!res.ok) throw new ApiError(res.status, '');
      const url = URL.createObjectURL(await res.blob());
      const a = h('a', { href: url, download: name, hidden: true });
      this.root.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    }

    scrollDown(force) {
      const el = this.main;
      if (force || el.scrollHeight - el.scrollTop - el.clientHeight < 120) requestAnimationFrame(() => { el.scrollTop = el.scrollHeight; });
    }

    // ---- Sending

    onKey(e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submitComposer();
      }
    }

    onInput() {
      const el = this.input;
      el.style.height = 'auto';
      el.style.height = Math.min(132, el.scrollHeight) + 'px';
      this.sendBtn.disabled = !el.value.trim();
      if (!this.sid || !this.s || !ACTIVE.has(this.s.Status)) return;
      const now = Date.now();
      // Renewed every 4 s while typing (the server forgets a flag after 10 s), cleared after 5 s idle.
      if (el.value.trim() && (!this.typingOn || now - this.typingAt > 4000)) {
        this.typingOn = true;
        this.typingAt = now;
        this.call('POST', '/Sessions/' + this.sid + '/Typing', { body: { IsTyping: true } }).catch(() => {});
      }
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.stopTyping(true), 5000);
    }

    stopTyping(tell) {
      clearTimeout(this.typingTimer);
      if (!this.typingOn) return;
      this.typingOn = false;
      if (tell && this.sid) this.call('POST', '/Sessions/' + this.sid + '/Typing', { body: { IsTyping: false } }).catch(() => {});
    }

    submitComposer() {
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = '';
      this.onInput();
      this.stopTyping(false);
      this.send(text);
    }

    /** Shows the message at once, then posts it with an Idempotency-Key; a network failure is
     * retried with the same key, so the server stores it once. */
    async send(text) {
      if (!this.logEl) this.renderChat();
      const el = h('div', { class: 'msg me pending', 'data-side': 'me', 'data-who': this.t.you },
        h('div', { class: 'bubble', text }), h('div', { class: 'meta' }, h('span', { text: '…' })));
      el.sendText = text;
      el.idemKey = randomKey();
      this.logEl.append(el);
      this.group(el);
      this.scrollDown(true);
      await this.post(el);
    }

    async post(el) {
      const t = this.t;
      for (let attempt = 0; attempt < 6; attempt++) {
        try {
          await this.ensureSession();
          const m = await this.call('POST', '/Sessions/' + this.sid + '/Messages', { body: { Message: el.sendText }, headers: { 'Idempotency-Key': el.idemKey } });
          if (m && this.msgs.has(m.ChatMessageId)) el.remove();
          else if (m) this.addMessage(m);
          if (this.s && this.s.Status === 'Finished') this.refreshSession().catch(() => {});
          return;
        } catch (err) {
          if (err.status && err.status !== 429 && err.status < 500) {
            this.failed(el, this.errorText(err));
            return;
          }
          await new Promise((r) => setTimeout(r, err.status === 429 ? 1000 * (Number(err.retryAfter) || 2) : 800 * 2 ** attempt));
        }
      }
      this.failed(el, t.failed);
    }

    failed(el, text) {
      el.classList.remove('pending');
      el.classList.add('failed');
      const retry = h('button', { type: 'button', onclick: () => { el.classList.remove('failed'); el.classList.add('pending'); el.querySelector('.meta').replaceChildren('…'); this.post(el); } }, this.t.retry);
      el.querySelector('.meta').replaceChildren(h('span', { text }), retry);
    }

    // ---- Files

    onDrag(e, on) {
      if (!e.dataTransfer || ![...e.dataTransfer.types].includes('Files') || this.view !== 'chat' || this.attachBtn.hidden || this.composer.hidden) return;
      e.preventDefault();
      this.dropEl.hidden = !on;
    }

    onDrop(e) {
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      e.preventDefault();
      this.dropEl.hidden = true;
      if (this.view === 'chat' && !this.attachBtn.hidden && !this.composer.hidden) for (const f of e.dataTransfer.files) this.upload(f);
    }

    onPaste(e) {
      const files = e.clipboardData && [...e.clipboardData.files];
      if (files && files.length && !this.attachBtn.hidden) {
        e.preventDefault();
        files.forEach((f) => this.upload(f));
      }
    }

    allowed(file) {
      const F = (this.topic && this.topic.Files) || {};
      const t = this.t;
      if (F.MaxBytes && file.size > F.MaxBytes) return fill(t.tooBig, { size: sizeText(F.MaxBytes) });
      const types = F.AllowedTypes || [];
      if (!types.length) return '';
      const name = file.name.toLowerCase();
      const type = (file.type || '').toLowerCase();
      const ok = types.some((raw) => {
        const a = String(raw).toLowerCase().trim();
        if (a.startsWith('.')) return name.endsWith(a);
        if (a.endsWith('/*')) return type.startsWith(a.slice(0, -1));
        return a === type;
      });
      return ok ? '' : t.badType;
    }

    async upload(file) {
      if (!this.logEl) this.renderChat();
      const refusal = this.allowed(file);
      const el = h('div', { class: 'msg me pending', 'data-side': 'me', 'data-who': this.t.you },
        h('div', { class: 'bubble' }, h('span', { class: 'filechip' }, icon('file', 20), h('span', { class: 'fn', text: file.name }))),
        h('div', { class: 'meta' }, h('span', { text: this.t.uploading })));
      this.logEl.append(el);
      this.scrollDown(true);
      if (refusal) return this.failedUpload(el, refusal);
      try {
        await this.ensureSession();
        const m = await this.call('POST', '/Sessions/' + this.sid + '/Files', {
          raw: file, headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-File-Name': encodeURIComponent(file.name) },
        });
        el.remove();
        if (m) this.addMessage(m);
      } catch (err) {
        this.failedUpload(el, err.status === 413 ? this.errorText(err) || this.t.tooBig : err.status === 415 ? this.t.badType : this.errorText(err));
        if (err.status === 415) this.fetchMessages().catch(() => {});
      }
    }

    failedUpload(el, text) {
      el.classList.remove('pending');
      el.classList.add('failed');
      el.querySelector('.meta').replaceChildren(h('span', { text }));
      setTimeout(() => el.remove(), 8000);
    }

    // ---- Live updates: the visitor event stream (a single-use token per connection), with
    // polling when streams fail; every (re)connect catches up with GET Messages.

    async connect() {
      if (!this.sid || this.es || this.connecting || this.pollTimer) return;
      this.connecting = true;
      try {
        const tok = await this.call('POST', '/Sessions/' + this.sid + '/StreamToken');
        const url = new URL(this.base + '/api/v1/ChatEvents/Visitor');
        url.searchParams.set('token', tok.Token);
        if (this.cursor) url.searchParams.set('since', this.cursor);
        const es = new EventSource(url.href);
        this.es = es;
        const seen = (e) => { if (e.lastEventId) this.cursor = e.lastEventId; };
        es.addEventListener('ready', (e) => {
          seen(e);
          this.failures = 0;
          this.setOnline(true);
          this.fetchMessages().catch(() => {});
          this.refreshSession().catch(() => {});
        });
        // An event says what changed; the visitor API says what the visitor may see (and
        // writes dates with offsets), so messages are read from it.
        es.addEventListener('chatsession.message', (e) => {
          seen(e);
          this.fetchMessages().catch(() => {});
        });
        es.addEventListener('chatsession.changed', (e) => {
          seen(e);
          this.refreshSession().catch(() => {});
        });
        es.onerror = () => {
          es.close();
          if (this.es !== es) return;
          this.es = null;
          this.failures++;
          this.retryStream();
        };
        this.startHeartbeat();
      } catch (err) {
        // No token (an older server, or a proxy in the way): poll. A network error: try again.
        this.failures = err.status ? 3 : this.failures + 1;
        this.retryStream();
      } finally {
        this.connecting = false;
      }
    }

    retryStream() {
      if (!this.sid) return;
      if (this.failures >= 3) {
        this.startPolling();
        return;
      }
      if (this.failures >= 2) this.setOnline(false);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.connect(), 500 * 2 ** this.failures);
    }

    reconnect() {
      this.disconnect();
      this.failures = 0;
      this.connect();
    }

    disconnect() {
      if (this.es) this.es.close();
      this.es = null;
      clearTimeout(this.retryTimer);
      clearTimeout(this.pollTimer);
      clearTimeout(this.streamAgain);
      clearInterval(this.beat);
      this.pollTimer = null;
      this.beat = null;
    }

    /** While streaming, a slow GET keeps the queue position fresh and tells the server the
     * visitor is still there (dead widgets are closed by the server). */
    startHeartbeat() {
      clearInterval(this.beat);
      let n = 0;
      this.beat = setInterval(() => {
        n++;
        const queued = this.s && this.s.Status === 'InQueue';
        if (queued || n % 5 === 0) this.refreshSession().catch(() => {});
      }, 5000);
    }

    startPolling() {
      if (this.pollTimer) return;
      const tick = async () => {
        try {
          await Promise.all([this.fetchMessages(), this.refreshSession()]);
          this.setOnline(true);
        } catch {
          this.setOnline(false);
        }
        if (this.sid) this.pollTimer = setTimeout(tick, 2000);
      };
      this.pollTimer = setTimeout(tick, 0);
      clearTimeout(this.streamAgain);
      this.streamAgain = setTimeout(() => {
        clearTimeout(this.pollTimer);
        this.pollTimer = null;
        this.failures = 1;
        this.connect();
      }, 60000);
    }

    setOnline(on) {
      if (this.online === on) return;
      this.online = on;
      this.applySessionUi();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Boot: this tag (document.currentScript), or every tag not started yet (several tags, or a
  // loader that runs scripts without currentScript).

  function boot(tag) {
    if (!tag || shared.tags.has(tag)) return;
    shared.tags.add(tag);
    try {
      new Widget(tag, shared.count++);
    } catch (err) {
      if (window.console) console.warn('sochat widget:', err);
    }
  }

  const current = document.currentScript;
  if (current && current.src && current.src.toLowerCase().includes(LOADER)) boot(current);
  else document.querySelectorAll('script[src*="/CS/javascript/chat.js" i]').forEach(boot);
})();
