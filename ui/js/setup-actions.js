// setup-actions.js — what the welcome, the hosting flow, joining and
// pairing do (setup.js draws them): clicks and form submits turned into
// the bridge's commands, with each step's checks in plain words before
// anything is sent. A typed or picked server address is checked first, so
// a wrong one says why (not reachable, not Kinboard, another version).

import { errorSentence, normalizeError } from './errors.js';

const PASSWORD_MIN = 8;
const PIN_RE = /^[0-9]{4,8}$/;

/** A scheme in front of an address typed without one: `https://` (a
 *  household server on the network serves HTTPS), `http://` for this
 *  computer's own loopback. */
export function withScheme(url) {
  const u = String(url || '').trim();
  if (!u) return '';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) return u;
  const local = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?(\/.*)?$/i.test(u);
  return `${local ? 'http' : 'https'}://${u}`;
}

/** The starter set as the form edits it (minutes, and what to keep). */
export function startersFrom(defaults) {
  const s = defaults?.starters || { chores: [], templates: [] };
  return {
    chores: s.chores.map((c) => ({ title: c.title, stars: c.stars, keep: true })),
    templates: s.templates.map((t) => ({
      label: t.label, minutes: Math.max(1, Math.round(t.durationSeconds / 60)), stars: t.stars, keep: true,
    })),
  };
}

export function createSetupActions({ state, bridge, run, setError, clearError, paint, afterSignIn }) {
  const setup = () => state.ui.setup || (state.ui.setup = { way: null });

  async function findHouseholds() {
    const s = setup();
    if (s.finding) return;
    s.finding = true;
    clearError('households');
    paint();
    try {
      s.households = await bridge.findHouseholds();
      // One usable household and nothing typed: that is the one.
      const usable = s.households.filter((f) => !f.problem);
      if (!s.serverUrl && usable.length === 1) s.serverUrl = usable[0].serverUrl;
    } catch (raw) {
      s.households = [];
      setError('households', errorSentence(raw, 'find_households'));
    } finally {
      s.finding = false;
    }
  }

  async function loadDefaults() {
    const s = setup();
    if (s.defaults) return;
    try {
      s.defaults = await bridge.hostDefaults();
      s.timeZone = s.timeZone || s.defaults.timeZone;
    } catch (raw) {
      setError('host', errorSentence(raw, 'host_defaults'));
    }
  }

  /** The server to use: the one picked or typed, checked; `null` (with the
   *  reason shown in `scope`) when it cannot be used. */
  async function checkedServer(form, scope) {
    const s = setup();
    const typed = form.elements.namedItem('serverUrl');
    const url = withScheme((typed && typed.value) || s.serverUrl);
    if (!url) {
      setError(scope, 'Pick a household from the list, or type its address.');
      return null;
    }
    s.serverUrl = url;
    try {
      await bridge.checkServer(url);
      return url;
    } catch (raw) {
      const err = normalizeError(raw);
      setError(scope, errorSentence(err, 'check_server'), err.code);
      return null;
    }
  }

  /** Runs `fn` with the certificate a person trusted for `url` (its
   *  fingerprint, or undefined). A certificate the core refused is kept
   *  for `scope`'s form to show its check code, with a button to trust it
   *  once a person has compared it with a parent's screen. */
  async function withTrust(url, scope, fn) {
    const s = setup();
    const trusted = s.trusted && s.trusted.url === url ? s.trusted.fingerprint : undefined;
    try {
      await fn(trusted);
      s.check = null;
    } catch (raw) {
      const err = normalizeError(raw);
      if (err.certificate && (err.code === 'certificate_unconfirmed' || err.code === 'certificate_changed')) {
        s.check = { url, scope, changed: err.code === 'certificate_changed', ...err.certificate };
      }
      throw raw;
    }
  }

  const value = (form, name) => {
    const input = form.elements.namedItem(name);
    return input ? String(input.value || '').trim() : '';
  };

  async function action(name, el) {
    const s = setup();
    switch (name) {
      case 'setup-way': {
        const way = el.getAttribute('data-way');
        state.ui.setup = { way, step: 'family', joinAs: 'new', households: null, serverUrl: '' };
        clearError('welcome');
        paint();
        if (way === 'host') await loadDefaults();
        else await findHouseholds();
        return true;
      }
      case 'setup-back':
        if (s.way === 'host' && s.step === 'account') s.step = 'family';
        else state.ui.setup = { way: null };
        return true;
      case 'find-households':
        await findHouseholds();
        return true;
      case 'pick-household':
        s.serverUrl = el.getAttribute('data-url');
        return true;
      case 'trust-certificate': {
        // A person compared the check codes: trust this certificate for
        // this address, and send what the form holds again.
        const check = s.check;
        if (!check) return true;
        s.trusted = { url: check.url, fingerprint: check.fingerprint };
        s.check = null;
        clearError(check.scope);
        const form = el.closest('form');
        if (form) await submit(form.getAttribute('data-form'), form);
        return true;
      }
      case 'distrust-certificate': {
        const check = s.check;
        if (!check) return true;
        s.check = null;
        setError(check.scope, 'Not trusted, and nothing was sent. Check the address, and that this screen is on the household’s own network.');
        return true;
      }
      case 'join-as':
        s.joinAs = el.getAttribute('data-as') === 'signin' ? 'signin' : 'new';
        return true;
      case 'pick-color':
        s.color = el.getAttribute('data-color');
        return true;
      case 'host-step':
        s.step = el.getAttribute('data-step');
        if (s.step === 'starters' && !s.starters) s.starters = startersFrom(s.defaults);
        clearError('host');
        return true;
      default:
        return false;
    }
  }

  async function submit(kind, form) {
    const s = setup();
    switch (kind) {
      case 'host-family': {
        const familyName = value(form, 'familyName');
        if (!familyName) { setError('host', 'Give the family a name, like “The Parkers”.'); return true; }
        s.familyName = familyName;
        s.timeZone = value(form, 'timeZone') || s.timeZone;
        s.step = 'account';
        clearError('host');
        return true;
      }
      case 'host-account': {
        const name = value(form, 'name');
        const email = value(form, 'email');
        const password = form.elements.namedItem('password').value;
        if (!name || !email || !password) { setError('host', 'Fill in your name, email and a password.'); return true; }
        if (password.length < PASSWORD_MIN) { setError('host', `Choose a password of at least ${PASSWORD_MIN} characters.`); return true; }
        // The session arrives before the reply: while `hosting` holds, the
        // page stays on this flow instead of showing the board for a moment.
        s.hosting = true;
        const ok = await run('host', 'host', 'host_household',
          () => bridge.hostHousehold(s.familyName, s.timeZone, name, email, password));
        s.hosting = false;
        if (ok) {
          form.elements.namedItem('password').value = '';
          s.step = 'children';
          await afterSignIn();
        }
        return true;
      }
      case 'host-child': {
        const name = value(form, 'name');
        if (!name) { setError('host', 'Type the child’s name.'); return true; }
        const ok = await run('host-child', 'host', 'add_child', () => bridge.addChild(name, s.color || undefined));
        if (ok) { form.elements.namedItem('name').value = ''; s.color = null; }
        return true;
      }
      case 'host-pin': {
        const pin = form.elements.namedItem('pin').value;
        const again = form.elements.namedItem('again').value;
        if (!PIN_RE.test(pin)) { setError('host', 'The PIN is 4 to 8 digits.'); return true; }
        if (pin !== again) { setError('host', 'The two PINs are not the same. Type them again.'); return true; }
        const ok = await run('host-pin', 'host', 'set_pin', () => bridge.setPin(pin));
        if (ok) {
          s.step = 'starters';
          if (!s.starters) s.starters = startersFrom(s.defaults);
        }
        return true;
      }
      case 'host-starters': {
        const starters = s.starters || { chores: [], templates: [] };
        // Read what the form says now (names, stars, ticks).
        starters.chores.forEach((c, i) => {
          c.keep = form.elements.namedItem(`chore-${i}-keep`).checked;
          c.title = value(form, `chore-${i}-title`);
          c.stars = Number(value(form, `chore-${i}-stars`) || 0);
        });
        starters.templates.forEach((t, i) => {
          t.keep = form.elements.namedItem(`template-${i}-keep`).checked;
          t.label = value(form, `template-${i}-label`);
          t.minutes = Number(value(form, `template-${i}-minutes`) || 0);
          t.stars = Number(value(form, `template-${i}-stars`) || 0);
        });
        const bad = [...starters.chores.filter((c) => c.keep && (!c.title || !(c.stars >= 0 && c.stars <= 100))),
          ...starters.templates.filter((t) => t.keep && (!t.label || !(t.minutes >= 1 && t.minutes <= 600) || !(t.stars >= 0 && t.stars <= 100)))];
        if (bad.length) { setError('host', 'Each kept chore and timer needs a name; minutes from 1 to 600; stars from 0 to 100.'); return true; }
        const ok = await run('host-starters', 'host', 'add_chore', async () => {
          // One at a time; what is in already is not added again on a retry.
          for (const c of starters.chores) {
            if (c.keep && !c.added) { await bridge.addChore(c.title, c.stars, null); c.added = true; }
          }
          for (const t of starters.templates) {
            if (t.keep && !t.added) { await bridge.addTemplate(t.label, t.minutes * 60, t.stars); t.added = true; }
          }
        });
        if (ok) state.ui.setup = null;
        return true;
      }
      case 'pair': {
        const code = value(form, 'code');
        if (!code) { setError('pair', 'Type the pairing code a parent’s device shows.'); return true; }
        const url = await checkedServer(form, 'pair');
        if (!url) return true;
        const ok = await run('pair', 'pair', 'pair_kiosk', () => withTrust(url, 'pair', (cert) => bridge.pairKiosk(url, code, cert)));
        if (ok) { form.elements.namedItem('code').value = ''; state.ui.setup = null; await afterSignIn(); }
        return true;
      }
      case 'join': {
        const code = value(form, 'code');
        const name = value(form, 'name');
        const email = value(form, 'email');
        const password = form.elements.namedItem('password').value;
        if (!code || !name || !email || !password) { setError('join', 'Fill in the invite code, your name, email and a password.'); return true; }
        if (password.length < PASSWORD_MIN) { setError('join', `Choose a password of at least ${PASSWORD_MIN} characters.`); return true; }
        const url = await checkedServer(form, 'join');
        if (!url) return true;
        const ok = await run('join', 'join', 'join_household', () => withTrust(url, 'join', (cert) => bridge.joinHousehold(url, code, name, email, password, cert)));
        if (ok) { form.elements.namedItem('password').value = ''; state.ui.setup = null; await afterSignIn(); }
        return true;
      }
      case 'signin': {
        const email = value(form, 'email');
        const password = form.elements.namedItem('password').value;
        if (!email || !password) { setError('signin', 'Enter the server address, your email and your password.'); return true; }
        const url = await checkedServer(form, 'signin');
        if (!url) return true;
        const ok = await run('signin', 'signin', 'sign_in', () => withTrust(url, 'signin', (cert) => bridge.signIn(url, email, password, cert)));
        if (ok) { form.elements.namedItem('password').value = ''; state.ui.setup = null; await afterSignIn(); }
        return true;
      }
      default:
        return false;
    }
  }

  function input(el) {
    if (el.getAttribute('data-input') === 'server-url') {
      setup().serverUrl = el.value;
      return true;
    }
    return false;
  }

  return { action, submit, input, findHouseholds };
}
