// The channel's embed tag, in SuperOffice's form (ui.md 1.1), for this server's origin and
// root path: <script src='https://HOST/ROOT/CS/javascript/chat.js' data-topicId='N' ... defer>

import { ROOT } from './api.js';

const ATTR_ESCAPES = { '&': '&amp;', "'": '&#39;', '"': '&quot;', '<': '&lt;', '>': '&gt;' };
const attr = (value) => String(value).replace(/[&'"<>]/g, (c) => ATTR_ESCAPES[c]);

/** The loader URL of this server. */
export function loaderUrl() {
  return `${location.origin}${ROOT}/CS/javascript/chat.js`;
}

/**
 * The tag for a saved ``topic``. Theme is always written; colour and font only when the
 * channel sets them, so the widget otherwise follows later changes to the channel.
 */
export function embedTag(topic) {
  const w = topic.Widget || {};
  const parts = [
    `src='${attr(loaderUrl())}'`,
    `data-topicId='${attr(topic.ChatTopicId)}'`,
    `data-title='${attr(topic.Name || '')}'`,
    `data-theme='${attr(String(w.Theme || 'Classic').toLowerCase())}'`,
  ];
  if (w.Color) parts.push(`data-color='${attr(w.Color)}'`);
  if (w.Font) parts.push(`data-font='${attr(w.Font)}'`);
  parts.push("data-delay='1'");
  return `<script ${parts.join(' ')} defer></script>`;
}

/** Copy ``text``: the Clipboard API where the page is a secure context, else a selection. */
export async function copyText(text, fallbackField) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused: fall through to the selection copy.
    }
  }
  if (!fallbackField) return false;
  fallbackField.focus();
  fallbackField.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}
