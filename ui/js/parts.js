// parts.js — the small pieces every screen is built from, defined once:
// an inline error slot, a labelled field, the busy state of a button,
// whether an action is in flight, and a name's possessive.

import { h } from './dom.js';

/** Whether the action keyed `key` is in flight. */
export const isPending = (model, key) => Boolean(model.ui?.pending?.has(key));

/** A button's props while its action runs. */
export const busy = (on) => ({ disabled: on, 'aria-busy': on ? 'true' : null });

/** An inline error next to what failed; hidden while there is none. */
export function ErrorSlot(scope, sentence) {
  return h('p', {
    class: 'inline-error', 'data-testid': 'error-banner', 'data-scope': scope, role: 'alert', hidden: !sentence,
  }, sentence || '');
}

/** A labelled input, with a hint under it when given. */
export function Field(label, input, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label' }, label),
    input,
    hint && h('span', { class: 'field-hint muted' }, hint));
}

/** "Ada’s", "James’". */
export const possessive = (name) => (/s$/i.test(name) ? `${name}’` : `${name}’s`);
