// Shared page furniture: the status toast, modal dialogs, error texts.

import { api, ApiError } from './api.js';
import { h, icon, newId } from './dom.js';
import { copyText, embedTag } from './embed.js';
import { t } from './i18n.js';

const statusEl = () => document.getElementById('status');

/** Announce ``message`` to screen readers and show it briefly as a toast. */
export function announce(message, kind = 'ok') {
  statusEl().textContent = message;
  statusEl().dataset.kind = kind;
  statusEl().hidden = false;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => {
    statusEl().hidden = true;
  }, 4000);
}

// ---------------------------------------------------------------- dialogs

/** A modal confirmation; resolves true when the user confirms. */
export function confirmDialog({ title, message, confirm, danger = false }) {
  return new Promise((resolve) => {
    const titleId = newId('dlg');
    const msgId = newId('dlg');
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': msgId },
      h('h2', { id: titleId, text: title }),
      h('p', { id: msgId, text: message }),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', value: 'cancel', text: t('action.cancel'), onclick: () => dialog.close('cancel') }),
        h('button', {
          type: 'button',
          class: danger ? 'btn btn-danger' : 'btn btn-primary',
          text: confirm,
          onclick: () => dialog.close('ok'),
        }),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('.dialog-actions .btn').focus();
  });
}

/** The "View script" dialog: the channel's embed tag and a Copy button. */
export function scriptDialog(topic) {
  const titleId = newId('dlg');
  const fieldId = newId('tag');
  const hintId = newId('hint');
  const tag = embedTag(topic);
  const field = h('textarea', {
    id: fieldId,
    class: 'code',
    readonly: true,
    rows: 5,
    spellcheck: 'false',
    'aria-describedby': hintId,
    value: tag,
  });
  const result = h('span', { class: 'copy-result', role: 'status' });
  const copy = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'copy' }, icon('copy'), t('script.copy'));
  copy.addEventListener('click', async () => {
    const ok = await copyText(tag, field);
    result.textContent = ok ? t('script.copied') : t('script.copyFailed');
  });
  const dialog = h(
    'dialog',
    { class: 'dialog dialog-wide', 'aria-labelledby': titleId },
    h('h2', { id: titleId, text: t('script.title', { name: topic.Name }) }),
    h('p', { id: hintId, class: 'muted', text: t('script.hint') }),
    h('label', { for: fieldId, class: 'label', text: t('script.label') }),
    field,
    h(
      'div',
      { class: 'dialog-actions' },
      result,
      copy,
      h('button', { type: 'button', class: 'btn', text: t('action.close'), onclick: () => dialog.close() }),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  copy.focus();
}

/**
 * Sign in again without leaving the page (the session ended while editing): resolves true
 * once signed in, false when the user cancels. Unsaved edits stay where they are.
 */
export function signInAgainDialog(user) {
  return new Promise((resolve) => {
    const titleId = newId('dlg');
    const userId = newId('u');
    const passId = newId('p');
    const error = h('p', { class: 'form-error', role: 'alert' });
    const userInput = h('input', { id: userId, autocomplete: 'username', value: user || '' });
    const passInput = h('input', { id: passId, type: 'password', autocomplete: 'current-password' });
    let ok = false;
    const form = h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h2', { id: titleId, text: t('session.title') }),
      h('p', { text: t('session.text') }),
      h('div', { class: 'field' }, h('label', { for: userId, class: 'label', text: t('signin.user') }), userInput),
      h('div', { class: 'field' }, h('label', { for: passId, class: 'label', text: t('signin.password') }), passInput),
      error,
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', text: t('action.cancel'), onclick: () => dialog.close() }),
        h('button', { type: 'submit', class: 'btn btn-primary', text: t('signin.submit') }),
      ),
    );
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api.login(userInput.value.trim(), passInput.value);
        ok = true;
        dialog.close();
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 401 ? t('signin.failed') : errorText(err);
        passInput.select();
      }
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(ok);
    });
    document.body.append(dialog);
    dialog.showModal();
    (user ? passInput : userInput).focus();
  });
}

export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('error.network');
    return err.message;
  }
  return String(err && err.message ? err.message : err);
}

