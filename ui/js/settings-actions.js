// settings-actions.js — what the family settings do (settings.js draws
// them): each save, add, edit and removal turned into the bridge's
// command, with the form's checks in plain words first. What a change
// does shows by itself: the core applies its events to the view, and the
// view redraws the settings, here and on every other screen.

import { errorSentence, normalizeError } from './errors.js';

const PIN_RE = /^[0-9]{4,8}$/;

const REMOVALS = {
  child: ['remove_child', (b, id) => b.removeChild(id)],
  chore: ['remove_chore', (b, id) => b.removeChore(id)],
  template: ['remove_template', (b, id) => b.removeTemplate(id)],
  reward: ['remove_reward', (b, id) => b.removeReward(id)],
  parent: ['remove_parent', (b, id) => b.removeParent(id)],
  kiosk: ['revoke_kiosk', (b, id) => b.revokeKiosk(id)],
  invite: ['revoke_invite', (b, id) => b.revokeInvite(id)],
  session: ['end_session', (b, id) => b.endSession(id)],
};

export function createSettingsActions({ state, bridge, run, setError, clearError }) {
  const settings = () => state.ui.settings;
  const value = (form, name) => {
    const input = form.elements.namedItem(name);
    return input ? String(input.value || '').trim() : '';
  };
  const whole = (text, min, max) => {
    const n = Number(text);
    return Number.isInteger(n) && n >= min && n <= max ? n : null;
  };
  /** Runs a settings change; on success says `notice` and closes what was open. */
  async function change(key, command, fn, notice) {
    const s = settings();
    if (s) s.notice = null;
    const ok = await run(key, 'settings', command, fn);
    if (ok && settings()) {
      settings().notice = notice;
      settings().editing = null;
      settings().confirm = null;
    }
    return ok;
  }

  async function loadKiosks() {
    try {
      const kiosks = await bridge.listKiosks();
      if (settings()) settings().kiosks = kiosks;
    } catch (raw) {
      const err = normalizeError(raw);
      setError('settings', errorSentence(err, 'list_kiosks'), err.code);
    }
  }

  async function loadSessions() {
    try {
      const sessions = await bridge.listSessions();
      if (settings()) settings().sessions = sessions;
    } catch (raw) {
      const err = normalizeError(raw);
      setError('settings', errorSentence(err, 'list_sessions'), err.code);
    }
  }

  async function action(name, el) {
    const s = settings();
    const kind = el.getAttribute('data-kind');
    const id = el.getAttribute('data-id');
    switch (name) {
      case 'settings-open': {
        state.ui.settings = { section: 'family', editing: null, confirm: null, notice: null, invite: null, kiosks: null, timeZones: null };
        clearError('settings');
        try {
          const defaults = await bridge.hostDefaults();
          if (settings()) settings().timeZones = defaults.timeZones;
        } catch (raw) {
          setError('settings', errorSentence(raw, 'host_defaults'));
        }
        return true;
      }
      case 'settings-close':
        state.ui.settings = null;
        clearError('settings');
        return true;
      default:
    }
    if (!s) return false;
    switch (name) {
      case 'settings-section':
        s.section = el.getAttribute('data-section');
        s.editing = null;
        s.confirm = null;
        s.notice = null;
        clearError('settings');
        if (s.section === 'screens') await loadKiosks();
        if (s.section === 'account') await loadSessions();
        return true;
      case 'settings-edit':
        s.editing = { kind, id };
        s.confirm = null;
        return true;
      case 'settings-edit-cancel':
        s.editing = null;
        return true;
      case 'edit-color':
        if (s.editing) s.editing.color = el.getAttribute('data-color');
        return true;
      case 'settings-pick-color':
        s.color = el.getAttribute('data-color');
        return true;
      case 'settings-confirm':
        s.confirm = { kind, id };
        s.editing = null;
        return true;
      case 'settings-confirm-keep':
        s.confirm = null;
        return true;
      case 'settings-confirm-yes': {
        const removal = REMOVALS[kind];
        if (!removal) return true;
        const [command, fn] = removal;
        const ok = await change(`settings:${kind}:${id}`, command, () => fn(bridge, id), 'Done.');
        if (ok && kind === 'kiosk') await loadKiosks();
        if (ok && kind === 'session') await loadSessions();
        return true;
      }
      case 'settings-diagnostics': {
        s.notice = null;
        await run('settings-diagnostics', 'settings', 'diagnostics', async () => {
          const text = await bridge.diagnostics();
          let copied = false;
          try {
            await globalThis.navigator.clipboard.writeText(text);
            copied = true;
          } catch {
            // No clipboard here: the text is shown to copy by hand.
          }
          if (settings()) {
            settings().diagnostics = copied ? null : text;
            settings().notice = copied ? 'The diagnostics are copied: paste them into a message.' : 'Select the diagnostics below and copy them.';
          }
        });
        return true;
      }
      case 'settings-invite': {
        s.notice = null;
        await run('settings-invite', 'settings', 'create_invite', async () => {
          const invite = await bridge.createInvite();
          if (settings()) settings().invite = invite;
        });
        return true;
      }
      default:
        return false;
    }
  }

  async function submit(kind, form) {
    const s = settings();
    if (!s || !kind.startsWith('settings-')) return false;
    const id = form.getAttribute('data-id');
    const members = state.view?.members || [];
    switch (kind) {
      case 'settings-join': {
        const code = value(form, 'code');
        if (!code) { setError('settings', 'Type the invite code you were given.'); return true; }
        // Joined with this session: no account to make, no password.
        const ok = await change('settings-join', 'join_household',
          () => bridge.joinHousehold(state.session?.serverUrl ?? null, code, null, '', ''), 'You joined the family: pick it at the top of the board.');
        if (ok) form.elements.namedItem('code').value = '';
        return true;
      }
      case 'settings-family': {
        const name = value(form, 'name');
        const timeZone = value(form, 'timeZone');
        const approval = value(form, 'choreApproval');
        if (!name) { setError('settings', 'Give the family a name.'); return true; }
        await change('settings-family', 'update_family',
          () => bridge.updateFamily(name, timeZone || undefined, approval || undefined), 'The family is saved.');
        return true;
      }
      case 'settings-night': {
        const on = Boolean(form.elements.namedItem('nightOn')?.checked);
        const from = value(form, 'from');
        const to = value(form, 'to');
        const time = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
        if (on && (!time.test(from) || !time.test(to))) { setError('settings', 'Give the night a start and an end, like 21:00 and 07:00.'); return true; }
        if (on && from === to) { setError('settings', 'The night must end at another time than it starts.'); return true; }
        await change('settings-night', 'set_night', () => bridge.setNight(on ? { from, to } : null),
          on ? `Kitchen screens dim from ${from} until ${to}.` : 'Kitchen screens stay lit all night.');
        return true;
      }
      case 'settings-child-add': {
        const name = value(form, 'name');
        if (!name) { setError('settings', 'Type the child’s name.'); return true; }
        const ok = await change('settings-child-add', 'add_child', () => bridge.addChild(name, s.color || undefined), `${name} is on the board.`);
        if (ok) { form.elements.namedItem('name').value = ''; s.color = null; }
        return true;
      }
      case 'settings-child-edit': {
        const name = value(form, 'name');
        const color = s.editing?.color || members.find((m) => m.id === id)?.color;
        if (!name) { setError('settings', 'Type the child’s name.'); return true; }
        await change(`settings:child:${id}`, 'update_child', () => bridge.updateChild(id, name, color), 'Saved.');
        return true;
      }
      case 'settings-chore-add':
      case 'settings-chore-edit': {
        const title = value(form, 'title');
        const stars = whole(value(form, 'stars') || '0', 0, 100);
        const memberId = value(form, 'memberId') || null;
        // None ticked is every day; so is all seven.
        const days = Array.from(form.querySelectorAll('input[name="day"]:checked'), (box) => Number(box.value));
        if (!title) { setError('settings', 'Give the chore a name, like “Feed the cat”.'); return true; }
        if (stars === null) { setError('settings', 'Stars are a whole number from 0 to 100.'); return true; }
        if (kind === 'settings-chore-add') {
          const ok = await change('settings-chore-add', 'add_chore', () => bridge.addChore(title, stars, memberId, days), `“${title}” is added.`);
          if (ok) {
            form.elements.namedItem('title').value = '';
            for (const box of form.querySelectorAll('input[name="day"]')) box.checked = false;
          }
        } else {
          await change(`settings:chore:${id}`, 'update_chore', () => bridge.updateChore(id, title, stars, memberId, days), 'Saved.');
        }
        return true;
      }
      case 'settings-template-add':
      case 'settings-template-edit': {
        const label = value(form, 'label');
        const minutes = whole(value(form, 'minutes'), 1, 600);
        const stars = whole(value(form, 'stars') || '0', 0, 100);
        if (!label) { setError('settings', 'Give the timer a label, like “Reading”.'); return true; }
        if (minutes === null) { setError('settings', 'Minutes are a whole number from 1 to 600.'); return true; }
        if (stars === null) { setError('settings', 'Stars are a whole number from 0 to 100.'); return true; }
        if (kind === 'settings-template-add') {
          const ok = await change('settings-template-add', 'add_template', () => bridge.addTemplate(label, minutes * 60, stars), `“${label}” is added.`);
          if (ok) form.elements.namedItem('label').value = '';
        } else {
          await change(`settings:template:${id}`, 'update_template', () => bridge.updateTemplate(id, label, minutes * 60, stars), 'Saved.');
        }
        return true;
      }
      case 'settings-reward-add':
      case 'settings-reward-edit': {
        const title = value(form, 'title');
        const cost = whole(value(form, 'cost'), 1, 1000);
        const limitText = value(form, 'weeklyLimit');
        const weeklyLimit = limitText ? whole(limitText, 1, 100) : null;
        if (!title) { setError('settings', 'Give the reward a name, like “Ice cream”.'); return true; }
        if (cost === null) { setError('settings', 'A reward costs a whole number of stars from 1 to 1,000.'); return true; }
        if (limitText && weeklyLimit === null) { setError('settings', 'Times a week is a whole number from 1 to 100, or empty for any.'); return true; }
        if (kind === 'settings-reward-add') {
          const ok = await change('settings-reward-add', 'add_reward', () => bridge.addReward(title, cost, weeklyLimit), `“${title}” is added.`);
          if (ok) { form.elements.namedItem('title').value = ''; form.elements.namedItem('weeklyLimit').value = ''; }
        } else {
          await change(`settings:reward:${id}`, 'update_reward', () => bridge.updateReward(id, title, cost, weeklyLimit), 'Saved.');
        }
        return true;
      }
      case 'settings-pin': {
        const field = (n) => form.elements.namedItem(n);
        const pin = field('pin').value;
        const again = field('again').value;
        const currentPin = field('currentPin')?.value || '';
        const password = field('password')?.value || '';
        if (!PIN_RE.test(pin)) { setError('settings', 'The PIN is 4 to 8 digits.'); return true; }
        if (pin !== again) { setError('settings', 'The two new PINs are not the same. Type them again.'); return true; }
        if (state.view?.family?.hasPin && !currentPin && !password) {
          setError('settings', 'Type the current PIN, or your password, to change it.');
          return true;
        }
        const ok = await change('settings-pin', 'set_pin',
          () => bridge.setPin(pin, currentPin || undefined, password || undefined), 'The PIN is set.');
        for (const n of ['pin', 'again', 'currentPin', 'password']) if (field(n)) field(n).value = '';
        return ok || true;
      }
      case 'settings-password': {
        const field = (n) => form.elements.namedItem(n);
        const current = field('current').value;
        const next = field('next').value;
        if (!current) { setError('settings', 'Type your current password.'); return true; }
        if (next.length < 8) { setError('settings', 'The new password needs at least 8 characters.'); return true; }
        if (next !== field('again').value) { setError('settings', 'The two new passwords are not the same. Type them again.'); return true; }
        let ended = 0;
        const ok = await change('settings-password', 'change_password', async () => {
          ended = await bridge.changePassword(current, next);
        }, 'The password is changed.');
        for (const n of ['current', 'next', 'again']) field(n).value = '';
        if (ok) {
          if (settings()) {
            settings().notice = ended > 0
              ? `The password is changed; ${ended === 1 ? 'one other screen was' : `${ended} other screens were`} signed out.`
              : 'The password is changed.';
          }
          await loadSessions();
        }
        return true;
      }
      default:
        return false;
    }
  }

  return { action, submit };
}
