// setup.js — what a family meets first, view → DOM like render.js: the
// welcome with its three ways in (host a household here, join one, set
// this computer up as a kitchen screen), the hosting flow (family and time
// zone, the parent's account, the children, the PIN, a starter set of
// chores and timers to keep, change or drop), joining with an invite code,
// and pairing a kitchen screen — each with the households found on the
// network and a typed address as the fallback. No listeners, no shell:
// buttons carry `data-action`, forms `data-form` (setup-actions.js).
//
// Model (model.ui.setup): {
//   way: null | 'host' | 'join' | 'pair',
//   step: 'family' | 'account' | 'children' | 'pin' | 'starters'   (hosting)
//   familyName, timeZone, defaults: HostDefaults | null,
//   joinAs: 'new' | 'signin', color: '#rrggbb' (the colour picked for a new child),
//   households: FoundHousehold[] | null, finding: bool, serverUrl: string,
//   starters: { chores: [{title, stars, keep}], templates: [{label, minutes, stars, keep}] } | null,
// }

import { h } from './dom.js';
import { formatMinutes, starsLabel } from './format.js';
import { errorSentence } from './errors.js';
import { ErrorSlot, Field, busy, isPending } from './parts.js';

/** The hosting steps, in order, with what the progress line calls them. */
export const HOST_STEPS = [
  ['family', 'Family'],
  ['account', 'You'],
  ['children', 'Children'],
  ['pin', 'PIN'],
  ['starters', 'Chores & timers'],
];

/** Steps that run once the household exists (signed in already). */
export const AFTER_HOSTING = new Set(['children', 'pin', 'starters']);


/** The colour swatches a child may have; `picked` is pressed. */
export function ColorPicker(colors, picked, action, testid) {
  return h('div', { class: 'swatches', role: 'group', 'aria-label': 'Colour', 'data-testid': testid },
    (colors || []).map((c) => h('button', {
      key: c.hex, type: 'button', class: 'swatch', 'data-action': action, 'data-color': c.hex,
      'data-testid': 'swatch', style: `--swatch: ${c.hex}`, 'aria-label': c.name,
      'aria-pressed': c.hex === picked ? 'true' : 'false',
    })));
}

// ---------------------------------------------------------------- welcome

/** The first start (nobody signed in), or a kitchen screen waiting to be
 *  paired. */
export function Welcome(model) {
  const setup = model.ui?.setup || {};
  const intro = h('div', { key: 'intro', class: 'welcome-intro' },
    h('h1', { class: 'welcome-title' }, 'Kinboard'),
    h('p', { class: 'welcome-lead' }, 'Timers, chores and stars for the whole family — on every screen, in real time.'));
  // A kitchen screen is only ever paired: no parent's password typed there.
  if (model.kiosk) {
    return h('div', { key: 'welcome', class: 'welcome', 'data-testid': 'welcome' },
      intro, PairPanel(model, false));
  }
  let body;
  if (setup.way === 'host') body = HostStep(model);
  else if (setup.way === 'join') body = JoinPanel(model);
  else if (setup.way === 'pair') body = PairPanel(model, true);
  else body = Ways(model);
  return h('div', { key: 'welcome', class: 'welcome', 'data-testid': 'welcome' }, intro, body);
}

function Ways(model) {
  const way = (testid, way, title, text) => h('button', {
    key: way, type: 'button', class: 'way', 'data-action': 'setup-way', 'data-way': way, 'data-testid': testid,
  }, h('span', { class: 'way-title' }, title), h('span', { class: 'way-text' }, text));
  return h('div', { key: 'ways', class: 'ways', role: 'group', 'aria-label': 'How to start' },
    way('way-host', 'host', 'Host a household on this computer',
      'Set up your family here. This computer keeps the household; your other screens join it.'),
    way('way-join', 'join', 'Join a household',
      'Another parent runs one already: join with the invite code they made, or sign in.'),
    way('way-pair', 'pair', 'Set this computer up as a kitchen screen',
      'A shared screen for the whole family, paired with a code from a parent’s device.'),
    ErrorSlot('welcome', model.ui?.errors?.welcome));
}

function Back() {
  return h('button', { key: 'back', type: 'button', class: 'btn btn-quiet back', 'data-action': 'setup-back', 'data-testid': 'setup-back' }, '← Back');
}

// ---------------------------------------------------------------- households

/** The households found on the network, each a button that fills in the
 *  address, with the reason in words when it cannot be used. */
function Households(model, scope) {
  const setup = model.ui?.setup || {};
  const found = setup.households;
  const finding = Boolean(setup.finding);
  const chosen = setup.serverUrl || '';
  const list = (found || []).map((f) => {
    const problem = f.problem ? errorSentence(f.problem, 'check_server') : null;
    return h('li', { key: f.serverUrl + f.name },
      h('button', {
        type: 'button', class: 'household', 'data-action': 'pick-household', 'data-url': f.serverUrl,
        'data-testid': 'household', 'data-usable': problem ? 'false' : 'true', disabled: Boolean(problem),
        'aria-pressed': chosen === f.serverUrl ? 'true' : 'false',
      },
      h('span', { class: 'household-name' }, f.household || f.name),
      h('span', { class: 'household-where muted' }, f.household ? `${f.name} · ${f.serverUrl}` : f.serverUrl),
      problem && h('span', { class: 'household-problem', 'data-testid': 'household-problem' }, problem)));
  });
  let status;
  if (finding) status = 'Looking for households on this network…';
  else if (found && found.length === 0) status = 'No household found on this network. Type the address the household computer shows.';
  else status = found ? '' : '';
  return h('div', { class: 'households', 'data-testid': `${scope}-households` },
    h('div', { class: 'households-head' },
      h('span', { class: 'field-label' }, 'Households on this network'),
      h('button', {
        type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'find-households', 'data-testid': 'find-households', ...busy(finding),
      }, finding ? 'Looking…' : 'Look again')),
    h('p', { class: 'muted households-status', role: 'status', hidden: !status }, status),
    h('ul', { class: 'household-list', hidden: !list.length }, list),
    ErrorSlot('households', model.ui?.errors?.households));
}

function ServerField(model, testid) {
  const setup = model.ui?.setup || {};
  return Field('Server address', h('input', {
    name: 'serverUrl', type: 'url', required: true, autocomplete: 'url', placeholder: 'https://192.168.1.20:8080',
    value: setup.serverUrl || '', 'data-input': 'server-url', 'data-testid': testid,
  }), 'Picked from the list above, or typed.');
}

/** A certificate the core refused for this form's server: its check code,
 *  to compare with a parent's screen, and the choice to trust it. */
function CertificateCheck(model, scope) {
  const check = model.ui?.setup?.check;
  if (!check || check.scope !== scope) return null;
  return h('div', {
    class: `certificate-check${check.changed ? ' is-changed' : ''}`, role: 'alert', 'data-testid': 'certificate-check',
    'data-changed': check.changed ? 'true' : 'false',
  },
  h('p', null, check.changed
    ? 'This household server now shows a different certificate than the one this screen trusted. If the household computer was set up again, its screens show the new code below. If not, someone on the network may be pretending to be it: do not trust it.'
    : 'This screen has not met this household server before. A parent’s screen shows its check code (with the pairing or invite code, and in Settings → Kitchen screens). Trust it only if the codes are the same:'),
  h('p', { class: 'check-code check-code-large', 'data-testid': 'certificate-code' }, check.code),
  h('div', { class: 'certificate-actions' },
    h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'trust-certificate', 'data-testid': 'certificate-trust' },
      check.changed ? 'It was set up again: trust the new code' : 'The codes match: trust it'),
    h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'distrust-certificate', 'data-testid': 'certificate-distrust' },
      'They differ')));
}

// ---------------------------------------------------------------- pairing

function PairPanel(model, withBack) {
  const pending = isPending(model, 'pair');
  return h('form', {
    key: 'pair', class: 'card welcome-card setup-card', 'data-testid': 'pair-form', 'data-form': 'pair', 'aria-labelledby': 'pair-title', novalidate: true,
  },
  withBack && Back(),
  h('h2', { id: 'pair-title' }, 'Set up this kitchen screen'),
  h('p', { class: 'muted' }, 'On a parent’s device open Settings → Kitchen screens → Pair a screen, then pick the household here and type the code it shows.'),
  Households(model, 'pair'),
  ServerField(model, 'pair-server'),
  Field('Pairing code', h('input', {
    name: 'code', type: 'text', required: true, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    placeholder: 'ABCDE-FGHJK', 'data-testid': 'pair-code-input',
  })),
  ErrorSlot('pair', model.ui?.errors?.pair),
  CertificateCheck(model, 'pair'),
  h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'pair-submit', ...busy(pending) },
    pending ? 'Pairing…' : 'Make this the kitchen screen'));
}

// ---------------------------------------------------------------- joining

function JoinPanel(model) {
  const setup = model.ui?.setup || {};
  const asNew = setup.joinAs !== 'signin';
  const pending = isPending(model, 'join');
  const tab = (value, label) => h('button', {
    key: value, type: 'button', class: 'seg', role: 'tab', 'data-action': 'join-as', 'data-as': value,
    'data-testid': `join-as-${value}`, 'aria-selected': (value === 'new') === asNew ? 'true' : 'false',
  }, label);
  return h('form', {
    key: 'join', class: 'card welcome-card setup-card', 'data-testid': 'join-form', 'data-form': asNew ? 'join' : 'signin',
    'aria-labelledby': 'join-title', novalidate: true,
  },
  Back(),
  h('h2', { id: 'join-title' }, 'Join a household'),
  h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'How you join' },
    tab('new', 'I have an invite code'), tab('signin', 'I have an account there')),
  Households(model, 'join'),
  ServerField(model, asNew ? 'join-server' : 'signin-server'),
  asNew && Field('Invite code', h('input', {
    key: 'code', name: 'code', type: 'text', required: true, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    placeholder: 'ABCD-EFGH-…', 'data-testid': 'join-code',
  }), 'The other parent makes one in Settings → Parents.'),
  asNew && Field('Your name', h('input', { key: 'name', name: 'name', type: 'text', required: true, autocomplete: 'name', 'data-testid': 'join-name' })),
  Field('Email', h('input', {
    key: 'email', name: 'email', type: 'email', required: true, autocomplete: asNew ? 'email' : 'username',
    'data-testid': asNew ? 'join-email' : 'signin-email',
  })),
  Field('Password', h('input', {
    key: 'password', name: 'password', type: 'password', required: true, autocomplete: asNew ? 'new-password' : 'current-password',
    'data-testid': asNew ? 'join-password' : 'signin-password',
  }), asNew ? 'At least 8 characters.' : null),
  ErrorSlot(asNew ? 'join' : 'signin', model.ui?.errors?.[asNew ? 'join' : 'signin']),
  CertificateCheck(model, asNew ? 'join' : 'signin'),
  h('button', {
    type: 'submit', class: 'btn btn-primary', 'data-testid': asNew ? 'join-submit' : 'signin-submit',
    ...busy(pending || isPending(model, 'signin')),
  }, asNew ? (pending ? 'Joining…' : 'Join the household') : (isPending(model, 'signin') ? 'Signing in…' : 'Sign in')));
}

// ---------------------------------------------------------------- hosting

function Progress(step) {
  const at = HOST_STEPS.findIndex(([s]) => s === step);
  return h('ol', { class: 'progress', 'aria-label': 'Setting up', 'data-testid': 'host-progress' },
    HOST_STEPS.map(([s, label], i) => h('li', {
      key: s, class: `progress-step${i < at ? ' is-done' : ''}${i === at ? ' is-current' : ''}`,
      'aria-current': i === at ? 'step' : null,
    }, label)));
}

/** The hosting flow's current step (before and after the household exists). */
export function HostStep(model) {
  const setup = model.ui?.setup || {};
  const step = setup.step || 'family';
  const content = {
    family: HostFamily, account: HostAccount, children: HostChildren, pin: HostPin, starters: HostStarters,
  }[step](model, setup);
  return h('div', { key: `host-${step}`, class: 'card welcome-card setup-card host', 'data-testid': 'host-flow', 'data-step': step },
    !AFTER_HOSTING.has(step) && Back(),
    Progress(step),
    content);
}

function HostFamily(model, setup) {
  const zones = setup.defaults?.timeZones || [];
  const zone = setup.timeZone || setup.defaults?.timeZone || 'UTC';
  return h('form', { key: 'family', class: 'host-form', 'data-form': 'host-family', 'data-testid': 'host-family-form', novalidate: true },
    h('h2', null, 'Your family'),
    Field('Family name', h('input', {
      name: 'familyName', type: 'text', required: true, maxlength: '60', placeholder: 'The Parkers',
      defaultValue: setup.familyName || '', 'data-testid': 'host-family', autofocus: true,
    })),
    Field('Time zone', h('select', { key: `zone:${zone}:${zones.length}`, name: 'timeZone', 'data-testid': 'host-zone', defaultValue: zone },
      (zones.length ? zones : [zone]).map((z) => h('option', { key: z, value: z }, z.replace(/_/g, ' ')))),
    'Days and weeks start at midnight here: chores open again, weekly stars restart. This computer’s zone is chosen.'),
    ErrorSlot('host', model.ui?.errors?.host),
    h('div', { class: 'host-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'host-next' }, 'Next')));
}

function HostAccount(model, setup) {
  const pending = isPending(model, 'host');
  return h('form', { key: 'account', class: 'host-form', 'data-form': 'host-account', 'data-testid': 'host-form', novalidate: true },
    h('h2', null, 'Your account'),
    h('p', { class: 'muted' }, `You will be the first parent of ${setup.familyName || 'the family'}. Other parents join later with an invite.`),
    Field('Your name', h('input', { name: 'name', type: 'text', required: true, autocomplete: 'name', 'data-testid': 'host-name' })),
    Field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email', 'data-testid': 'host-email' })),
    Field('Password', h('input', {
      name: 'password', type: 'password', required: true, autocomplete: 'new-password', minlength: '8', 'data-testid': 'host-password',
    }), 'At least 8 characters.'),
    ErrorSlot('host', model.ui?.errors?.host),
    h('div', { class: 'host-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'host-submit', ...busy(pending) },
        pending ? 'Creating the household…' : 'Create the household')));
}

function HostChildren(model, setup) {
  const members = model.view?.members || [];
  const colors = model.view?.settings?.colors || [];
  const pending = isPending(model, 'host-child');
  return h('div', { key: 'children', class: 'host-form' },
    h('h2', null, 'Your children'),
    h('p', { class: 'muted' }, 'Each child gets a colour on the board. You can change all of this later in Settings.'),
    h('ul', { class: 'host-list', 'data-testid': 'host-children' }, members.map((m) => h('li', {
      key: m.id, class: 'host-item', 'data-testid': 'host-child', style: `--accent: ${m.color}`,
    }, h('span', { class: 'dot', 'aria-hidden': 'true' }), m.name))),
    h('form', { class: 'inline-form', 'data-form': 'host-child', 'data-testid': 'host-child-form', novalidate: true },
      Field('Child’s name', h('input', { name: 'name', type: 'text', required: true, maxlength: '40', 'data-testid': 'host-child-name' })),
      ColorPicker(colors, setup.color, 'pick-color', 'host-child-colors'),
      h('button', { type: 'submit', class: 'btn', 'data-testid': 'host-child-add', ...busy(pending) }, pending ? 'Adding…' : 'Add child')),
    ErrorSlot('host', model.ui?.errors?.host),
    h('div', { class: 'host-actions' },
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'host-step', 'data-step': 'pin', 'data-testid': 'host-next' },
        members.length ? 'Next' : 'Skip for now')));
}

function HostPin(model) {
  const pending = isPending(model, 'host-pin');
  const hasPin = Boolean(model.view?.family?.hasPin);
  return h('form', { key: 'pin', class: 'host-form', 'data-form': 'host-pin', 'data-testid': 'host-pin-form', novalidate: true },
    h('h2', null, 'The parent PIN'),
    h('p', { class: 'muted' }, 'The kitchen screen asks for it before it confirms a timer, cancels one or changes stars. 4 to 8 digits; only parents should know it.'),
    hasPin && h('p', { class: 'ok-note', 'data-testid': 'host-pin-set' }, 'The PIN is set.'),
    Field('PIN', h('input', { name: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '8', 'data-testid': 'host-pin' })),
    Field('The PIN again', h('input', { name: 'again', type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '8', 'data-testid': 'host-pin-again' })),
    ErrorSlot('host', model.ui?.errors?.host),
    h('div', { class: 'host-actions' },
      h('button', { type: 'button', class: 'btn', 'data-action': 'host-step', 'data-step': 'starters', 'data-testid': 'host-pin-later' },
        hasPin ? 'Next' : 'Later'),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'host-pin-submit', ...busy(pending) },
        pending ? 'Saving…' : 'Set the PIN')));
}

function HostStarters(model, setup) {
  const starters = setup.starters || { chores: [], templates: [] };
  const pending = isPending(model, 'host-starters');
  const keep = (name, on, label) => h('input', { type: 'checkbox', name, checked: on, 'aria-label': label, 'data-testid': 'starter-keep' });
  const num = (name, value, min, max, label) => h('input', {
    type: 'number', name, min, max, step: '1', inputmode: 'numeric', defaultValue: String(value), 'aria-label': label, class: 'num',
  });
  return h('form', { key: 'starters', class: 'host-form', 'data-form': 'host-starters', 'data-testid': 'host-starters-form', novalidate: true },
    h('h2', null, 'Chores and timers to start with'),
    h('p', { class: 'muted' }, 'Keep what fits your week, change the names or stars, untick the rest.'),
    h('fieldset', { class: 'starters' },
      h('legend', null, 'Chores'),
      starters.chores.map((c, i) => h('div', { key: `c${i}`, class: 'starter', 'data-testid': 'starter-chore' },
        keep(`chore-${i}-keep`, c.keep, `Keep “${c.title}”`),
        h('input', { type: 'text', name: `chore-${i}-title`, defaultValue: c.title, maxlength: '80', 'aria-label': 'Chore', class: 'grow', 'data-testid': 'starter-chore-title' }),
        h('label', { class: 'inline' }, '★', num(`chore-${i}-stars`, c.stars, '0', '100', `Stars for “${c.title}”`))))),
    h('fieldset', { class: 'starters' },
      h('legend', null, 'Timers'),
      starters.templates.map((t, i) => h('div', { key: `t${i}`, class: 'starter', 'data-testid': 'starter-template' },
        keep(`template-${i}-keep`, t.keep, `Keep “${t.label}”`),
        h('input', { type: 'text', name: `template-${i}-label`, defaultValue: t.label, maxlength: '80', 'aria-label': 'Timer', class: 'grow', 'data-testid': 'starter-template-label' }),
        h('label', { class: 'inline' }, num(`template-${i}-minutes`, t.minutes, '1', '600', `Minutes for “${t.label}”`), 'min'),
        h('label', { class: 'inline' }, '★', num(`template-${i}-stars`, t.stars, '0', '100', `Stars for “${t.label}”`)),
        h('span', { class: 'muted starter-meta' }, `${formatMinutes(t.minutes * 60)}${t.stars ? `, ${starsLabel(t.stars)}` : ''}`)))),
    ErrorSlot('host', model.ui?.errors?.host),
    h('div', { class: 'host-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'host-finish', ...busy(pending) },
        pending ? 'Setting up the board…' : 'Finish and open the board')));
}
