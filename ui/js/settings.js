// settings.js — the family settings a parent keeps, view → DOM like
// render.js: the family's name, time zone, chore approval and night, the
// children, chores (and the days they are due), timer templates, rewards,
// the parent PIN, the parents (and inviting one), and the
// kitchen screens. Everything shown comes from the DashboardView (its
// lists and `settings`), so a change made on another screen shows here at
// once. A kitchen screen never renders this (app.js never opens it there,
// and its view has no `settings`). No listeners: settings-actions.js.
//
// Model (model.ui.settings): {
//   section: 'family' | 'children' | 'chores' | 'timers' | 'rewards' | 'pin' | 'parents' | 'screens' | 'account',
//   editing: null | {kind: 'child'|'chore'|'template'|'reward', id, color?},
//   confirm: null | {kind: 'child'|'chore'|'template'|'reward'|'parent'|'kiosk'|'invite', id},
//   color: '#rrggbb' (picked for a new child),
//   invite: InviteCode | null (the code just made, shown once),
//   kiosks: KioskView[] | null (asked fresh: when each was last seen),
//   timeZones: string[] | null, notice: string | null (what was just saved),
// }

import { h } from './dom.js';
import { formatAgo, formatClock, formatMinutes, starsLabel } from './format.js';
import { ColorPicker } from './setup.js';
import { ErrorSlot, Field, busy, isPending } from './parts.js';

export const SECTIONS = [
  ['family', 'Family'],
  ['children', 'Children'],
  ['chores', 'Chores'],
  ['timers', 'Timers'],
  ['rewards', 'Rewards'],
  ['pin', 'PIN'],
  ['parents', 'Parents'],
  ['screens', 'Kitchen screens'],
  ['account', 'Your account'],
];


const button = (testid, action, label, props = {}) => h('button', {
  type: 'button', class: 'btn btn-small', 'data-testid': testid, 'data-action': action, ...props,
}, label);

/** "Remove Mia? …" with Keep / the verb, in place of a row's buttons. */
function Confirming(text, kind, id, verb, model) {
  return h('div', { class: 'row-confirm', role: 'group', 'data-testid': 'settings-confirm' },
    h('span', { class: 'row-confirm-text' }, text),
    button('settings-confirm-keep', 'settings-confirm-keep', 'Keep'),
    button('settings-confirm-yes', 'settings-confirm-yes', verb, {
      class: 'btn btn-small btn-danger', 'data-kind': kind, 'data-id': id, ...busy(isPending(model, `settings:${kind}:${id}`)),
    }));
}

const confirming = (model, kind, id) => model.ui?.settings?.confirm?.kind === kind && model.ui.settings.confirm.id === id;
const editing = (model, kind, id) => model.ui?.settings?.editing?.kind === kind && model.ui.settings.editing.id === id;

export function Settings(model) {
  const s = model.ui?.settings || {};
  const section = s.section || 'family';
  const body = {
    family: FamilySection, children: ChildrenSection, chores: ChoresSection, timers: TimersSection,
    rewards: RewardsSection, pin: PinSection, parents: ParentsSection, screens: ScreensSection,
    account: AccountSection,
  }[section] || FamilySection;
  return h('div', { key: 'settings', class: 'settings', 'data-testid': 'settings', 'data-section': section },
    h('header', { class: 'topbar' },
      h('div', { class: 'topbar-left' },
        h('button', { type: 'button', class: 'btn btn-quiet', 'data-action': 'settings-close', 'data-testid': 'settings-close' }, '← Board'),
        h('h1', { class: 'family-name' }, `Settings · ${model.view?.family?.name || ''}`))),
    h('div', { class: 'settings-body' },
      h('nav', { class: 'settings-nav', 'aria-label': 'Settings' },
        SECTIONS.map(([id, label]) => h('button', {
          key: id, type: 'button', class: 'nav-item', 'data-action': 'settings-section', 'data-section': id,
          'data-testid': `settings-nav-${id}`, 'aria-current': id === section ? 'page' : null,
        }, label))),
      h('section', { class: 'settings-section panel', 'aria-labelledby': 'settings-title' },
        h('p', { class: 'ok-note', role: 'status', 'data-testid': 'settings-notice', hidden: !s.notice }, s.notice || ''),
        body(model, s),
        ErrorSlot('settings', model.ui?.errors?.settings))));
}

// ---------------------------------------------------------------- family

function FamilySection(model, s) {
  const family = model.view?.family || {};
  const zones = s.timeZones || [family.timeZone || 'UTC'];
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Family'),
    // Keyed by what it shows: a change made elsewhere redraws it.
    h('form', {
      key: `form:${family.name}:${family.timeZone}:${family.choreApproval}`, class: 'settings-form', 'data-form': 'settings-family',
      'data-testid': 'settings-family-form', novalidate: true,
    },
      Field('Family name', h('input', { name: 'name', type: 'text', maxlength: '60', defaultValue: family.name || '', 'data-testid': 'settings-family-name' })),
      Field('Time zone', h('select', { name: 'timeZone', defaultValue: family.timeZone || 'UTC', 'data-testid': 'settings-family-zone' },
        zones.map((z) => h('option', { key: z, value: z }, z.replace(/_/g, ' ')))),
      'Days and weeks start at midnight here.'),
      Field('Chores done on a kitchen screen', h('select', {
        name: 'choreApproval', defaultValue: family.choreApproval || 'auto', 'data-testid': 'settings-family-approval',
      },
      h('option', { value: 'auto' }, 'Give their stars at once'),
      h('option', { value: 'parent' }, 'Wait for a parent to approve them')),
      'Chores a parent marks done always count at once.'),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-family-save', ...busy(isPending(model, 'settings-family')) }, 'Save')),
    NightForm(model, family),
  ];
}

/** When the family's kitchen screens go dark and quiet. */
function NightForm(model, family) {
  const night = family.night || null;
  return h('form', {
    key: `night:${night ? `${night.from}-${night.to}` : 'none'}`, class: 'settings-form', 'data-form': 'settings-night',
    'data-testid': 'settings-night-form', novalidate: true,
  },
  h('h3', {}, 'Kitchen screens at night'),
  h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'nightOn', defaultChecked: Boolean(night), 'data-testid': 'settings-night-on' }),
    h('span', {}, 'Dim them at night')),
  h('div', { class: 'night-hours' },
    Field('From', h('input', { name: 'from', type: 'time', defaultValue: night?.from || '21:00', 'data-testid': 'settings-night-from' })),
    Field('Until', h('input', { name: 'to', type: 'time', defaultValue: night?.to || '07:00', 'data-testid': 'settings-night-to' }))),
  h('p', { class: 'field-hint muted' },
    'Dark and quiet, and the display may turn off. A touch wakes the screen, and so does a timer that runs out.'),
  h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-night-save', ...busy(isPending(model, 'settings-night')) }, 'Save'));
}

// ---------------------------------------------------------------- children

function ChildrenSection(model, s) {
  const members = model.view?.members || [];
  const colors = model.view?.settings?.colors || [];
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Children'),
    h('ul', { key: 'list', class: 'settings-list', 'data-testid': 'settings-children' }, members.map((m) => {
      if (editing(model, 'child', m.id)) {
        return h('li', { key: m.id, class: 'settings-row is-editing', 'data-testid': 'settings-child', 'data-member-id': m.id },
          h('form', { class: 'inline-form', 'data-form': 'settings-child-edit', 'data-id': m.id, novalidate: true },
            Field('Name', h('input', { name: 'name', type: 'text', maxlength: '40', defaultValue: m.name, 'data-testid': 'settings-child-edit-name' })),
            ColorPicker(colors, s.editing.color || m.color, 'edit-color', 'settings-child-edit-colors'),
            h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'settings-edit-cancel' }, 'Cancel'),
            h('button', { type: 'submit', class: 'btn btn-small btn-primary', 'data-testid': 'settings-child-save', ...busy(isPending(model, `settings:child:${m.id}`)) }, 'Save')));
      }
      return h('li', { key: m.id, class: 'settings-row', 'data-testid': 'settings-child', 'data-member-id': m.id, style: `--accent: ${m.color}` },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, m.name), h('span', { class: 'muted' }, starsLabel(m.balance))),
        confirming(model, 'child', m.id)
          ? Confirming(`Remove ${m.name} from the board? Their star history stays.`, 'child', m.id, 'Remove', model)
          : h('span', { class: 'row-actions' },
            button('settings-child-edit', 'settings-edit', 'Edit', { 'data-kind': 'child', 'data-id': m.id, 'aria-label': `Edit ${m.name}` }),
            button('settings-child-remove', 'settings-confirm', 'Remove', { 'data-kind': 'child', 'data-id': m.id, 'aria-label': `Remove ${m.name}` })));
    })),
    h('p', { key: 'empty', class: 'muted', hidden: members.length > 0 }, 'No children yet.'),
    h('form', { key: 'add', class: 'inline-form add-form', 'data-form': 'settings-child-add', 'data-testid': 'settings-child-add-form', novalidate: true },
      h('h3', null, 'Add a child'),
      Field('Name', h('input', { name: 'name', type: 'text', maxlength: '40', required: true, 'data-testid': 'settings-child-name' })),
      ColorPicker(colors, s.color, 'settings-pick-color', 'settings-child-colors'),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-child-add', ...busy(isPending(model, 'settings-child-add')) }, 'Add child')),
  ];
}

// ---------------------------------------------------------------- chores

const WEEKDAYS = [[1, 'Mon'], [2, 'Tue'], [3, 'Wed'], [4, 'Thu'], [5, 'Fri'], [6, 'Sat'], [7, 'Sun']];

/** "every day", or the days: "Mon, Wed, Fri". */
export function daysLabel(days) {
  if (!days || days.length === 0 || days.length === 7) return 'every day';
  return WEEKDAYS.filter(([d]) => days.includes(d)).map(([, name]) => name).join(', ');
}

/** The days a chore is due, as seven boxes (none ticked: every day). */
function DaysPicker(days, testid) {
  const on = new Set(days || []);
  return h('fieldset', { class: 'days', 'data-testid': testid },
    h('legend', { class: 'field-label' }, 'Days (none: every day)'),
    WEEKDAYS.map(([d, name]) => h('label', { key: String(d), class: 'day' },
      h('input', { type: 'checkbox', name: 'day', value: String(d), defaultChecked: on.has(d), 'data-testid': `${testid}-${d}` }),
      h('span', null, name))));
}

/** "Any child", then each child: a chore's "for". */
function childOptions(members) {
  return [h('option', { key: '', value: '' }, 'Any child'),
    ...members.map((m) => h('option', { key: m.id, value: m.id }, m.name))];
}

function ChoresSection(model) {
  const chores = model.view?.chores || [];
  const members = model.view?.members || [];
  const nameOf = (id) => members.find((m) => m.id === id)?.name;
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Chores'),
    h('ul', { key: 'list', class: 'settings-list', 'data-testid': 'settings-chores' }, chores.map((c) => {
      if (editing(model, 'chore', c.id)) {
        return h('li', { key: c.id, class: 'settings-row is-editing', 'data-testid': 'settings-chore', 'data-chore-id': c.id },
          h('form', { class: 'inline-form', 'data-form': 'settings-chore-edit', 'data-id': c.id, novalidate: true },
            Field('Chore', h('input', { name: 'title', type: 'text', maxlength: '80', defaultValue: c.label, 'data-testid': 'settings-chore-edit-title' })),
            Field('Stars', h('input', { name: 'stars', type: 'number', min: '0', max: '100', defaultValue: String(c.stars), 'data-testid': 'settings-chore-edit-stars' })),
            Field('For', h('select', { name: 'memberId', defaultValue: c.memberId || '', 'data-testid': 'settings-chore-edit-member' }, childOptions(members))),
            DaysPicker(c.days, 'settings-chore-edit-days'),
            h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'settings-edit-cancel' }, 'Cancel'),
            h('button', { type: 'submit', class: 'btn btn-small btn-primary', 'data-testid': 'settings-chore-save', ...busy(isPending(model, `settings:chore:${c.id}`)) }, 'Save')));
      }
      return h('li', { key: c.id, class: 'settings-row', 'data-testid': 'settings-chore', 'data-chore-id': c.id },
        h('span', { class: 'row-main' },
          h('span', { class: 'row-title' }, c.label),
          h('span', { class: 'muted', 'data-testid': 'settings-chore-meta' }, `${starsLabel(c.stars)} · ${nameOf(c.memberId) || 'any child'} · ${daysLabel(c.days)}`)),
        confirming(model, 'chore', c.id)
          ? Confirming(`Delete “${c.label}”? Stars it earned stay.`, 'chore', c.id, 'Delete', model)
          : h('span', { class: 'row-actions' },
            button('settings-chore-edit', 'settings-edit', 'Edit', { 'data-kind': 'chore', 'data-id': c.id, 'aria-label': `Edit ${c.label}` }),
            button('settings-chore-remove', 'settings-confirm', 'Delete', { 'data-kind': 'chore', 'data-id': c.id, 'aria-label': `Delete ${c.label}` })));
    })),
    h('p', { key: 'empty', class: 'muted', hidden: chores.length > 0 }, 'No chores yet.'),
    h('form', { key: 'add', class: 'inline-form add-form', 'data-form': 'settings-chore-add', 'data-testid': 'settings-chore-add-form', novalidate: true },
      h('h3', null, 'Add a chore'),
      Field('Chore', h('input', { name: 'title', type: 'text', maxlength: '80', required: true, 'data-testid': 'settings-chore-title' })),
      Field('Stars', h('input', { name: 'stars', type: 'number', min: '0', max: '100', defaultValue: '1', 'data-testid': 'settings-chore-stars' })),
      Field('For', h('select', { name: 'memberId', 'data-testid': 'settings-chore-member' }, childOptions(members))),
      DaysPicker([], 'settings-chore-days'),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-chore-add', ...busy(isPending(model, 'settings-chore-add')) }, 'Add chore')),
  ];
}

// ---------------------------------------------------------------- timers

function TimersSection(model) {
  const templates = model.view?.templates || [];
  const minutes = (t) => Math.max(1, Math.round(t.durationSeconds / 60));
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Timers'),
    h('p', { key: 'lead', class: 'muted' }, 'One-tap timers on the board: a label, how long, and the stars a confirmed one gives.'),
    h('ul', { key: 'list', class: 'settings-list', 'data-testid': 'settings-templates' }, templates.map((t) => {
      if (editing(model, 'template', t.id)) {
        return h('li', { key: t.id, class: 'settings-row is-editing', 'data-testid': 'settings-template', 'data-template-id': t.id },
          h('form', { class: 'inline-form', 'data-form': 'settings-template-edit', 'data-id': t.id, novalidate: true },
            Field('Label', h('input', { name: 'label', type: 'text', maxlength: '80', defaultValue: t.label, 'data-testid': 'settings-template-edit-label' })),
            Field('Minutes', h('input', { name: 'minutes', type: 'number', min: '1', max: '600', defaultValue: String(minutes(t)), 'data-testid': 'settings-template-edit-minutes' })),
            Field('Stars', h('input', { name: 'stars', type: 'number', min: '0', max: '100', defaultValue: String(t.stars), 'data-testid': 'settings-template-edit-stars' })),
            h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'settings-edit-cancel' }, 'Cancel'),
            h('button', { type: 'submit', class: 'btn btn-small btn-primary', 'data-testid': 'settings-template-save', ...busy(isPending(model, `settings:template:${t.id}`)) }, 'Save')));
      }
      return h('li', { key: t.id, class: 'settings-row', 'data-testid': 'settings-template', 'data-template-id': t.id },
        h('span', { class: 'row-main' },
          h('span', { class: 'row-title' }, t.label),
          h('span', { class: 'muted' }, `${formatMinutes(t.durationSeconds)} · ${starsLabel(t.stars)}`)),
        confirming(model, 'template', t.id)
          ? Confirming(`Delete “${t.label}”? Timers running from it keep going.`, 'template', t.id, 'Delete', model)
          : h('span', { class: 'row-actions' },
            button('settings-template-edit', 'settings-edit', 'Edit', { 'data-kind': 'template', 'data-id': t.id, 'aria-label': `Edit ${t.label}` }),
            button('settings-template-remove', 'settings-confirm', 'Delete', { 'data-kind': 'template', 'data-id': t.id, 'aria-label': `Delete ${t.label}` })));
    })),
    h('p', { key: 'empty', class: 'muted', hidden: templates.length > 0 }, 'No timers yet.'),
    h('form', { key: 'add', class: 'inline-form add-form', 'data-form': 'settings-template-add', 'data-testid': 'settings-template-add-form', novalidate: true },
      h('h3', null, 'Add a timer'),
      Field('Label', h('input', { name: 'label', type: 'text', maxlength: '80', required: true, 'data-testid': 'settings-template-label' })),
      Field('Minutes', h('input', { name: 'minutes', type: 'number', min: '1', max: '600', defaultValue: '20', 'data-testid': 'settings-template-minutes' })),
      Field('Stars', h('input', { name: 'stars', type: 'number', min: '0', max: '100', defaultValue: '1', 'data-testid': 'settings-template-stars' })),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-template-add', ...busy(isPending(model, 'settings-template-add')) }, 'Add timer')),
  ];
}

// ---------------------------------------------------------------- rewards

function RewardsSection(model) {
  const rewards = model.view?.rewards || [];
  const limit = (r) => (Number.isFinite(r.weeklyLimit) ? `${r.weeklyLimit} a week each` : 'no weekly limit');
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Rewards'),
    h('p', { key: 'lead', class: 'muted' }, 'What stars buy. A child spends them on any screen; a kitchen screen asks for the parent PIN.'),
    h('ul', { key: 'list', class: 'settings-list', 'data-testid': 'settings-rewards' }, rewards.map((r) => {
      if (editing(model, 'reward', r.id)) {
        return h('li', { key: r.id, class: 'settings-row is-editing', 'data-testid': 'settings-reward', 'data-reward-id': r.id },
          h('form', { class: 'inline-form', 'data-form': 'settings-reward-edit', 'data-id': r.id, novalidate: true },
            Field('Reward', h('input', { name: 'title', type: 'text', maxlength: '80', defaultValue: r.title, 'data-testid': 'settings-reward-edit-title' })),
            Field('Stars', h('input', { name: 'cost', type: 'number', min: '1', max: '1000', defaultValue: String(r.cost), 'data-testid': 'settings-reward-edit-cost' })),
            Field('Times a week', h('input', {
              name: 'weeklyLimit', type: 'number', min: '1', max: '100', placeholder: 'any',
              defaultValue: Number.isFinite(r.weeklyLimit) ? String(r.weeklyLimit) : '', 'data-testid': 'settings-reward-edit-limit',
            })),
            h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'settings-edit-cancel' }, 'Cancel'),
            h('button', { type: 'submit', class: 'btn btn-small btn-primary', 'data-testid': 'settings-reward-save', ...busy(isPending(model, `settings:reward:${r.id}`)) }, 'Save')));
      }
      return h('li', { key: r.id, class: 'settings-row', 'data-testid': 'settings-reward', 'data-reward-id': r.id },
        h('span', { class: 'row-main' },
          h('span', { class: 'row-title' }, r.title),
          h('span', { class: 'muted' }, `★${r.cost} · ${limit(r)}`)),
        confirming(model, 'reward', r.id)
          ? Confirming(`Take “${r.title}” off the list? What was had stays in the history.`, 'reward', r.id, 'Remove', model)
          : h('span', { class: 'row-actions' },
            button('settings-reward-edit', 'settings-edit', 'Edit', { 'data-kind': 'reward', 'data-id': r.id, 'aria-label': `Edit ${r.title}` }),
            button('settings-reward-remove', 'settings-confirm', 'Remove', { 'data-kind': 'reward', 'data-id': r.id, 'aria-label': `Remove ${r.title}` })));
    })),
    h('p', { key: 'empty', class: 'muted', hidden: rewards.length > 0 }, 'No rewards yet.'),
    h('form', { key: 'add', class: 'inline-form add-form', 'data-form': 'settings-reward-add', 'data-testid': 'settings-reward-add-form', novalidate: true },
      h('h3', null, 'Add a reward'),
      Field('Reward', h('input', { name: 'title', type: 'text', maxlength: '80', required: true, placeholder: 'Ice cream', 'data-testid': 'settings-reward-title' })),
      Field('Stars', h('input', { name: 'cost', type: 'number', min: '1', max: '1000', defaultValue: '5', 'data-testid': 'settings-reward-cost' })),
      Field('Times a week', h('input', { name: 'weeklyLimit', type: 'number', min: '1', max: '100', placeholder: 'any', 'data-testid': 'settings-reward-limit' })),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-reward-add', ...busy(isPending(model, 'settings-reward-add')) }, 'Add reward')),
  ];
}

// ---------------------------------------------------------------- PIN

function PinSection(model) {
  const hasPin = Boolean(model.view?.family?.hasPin);
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Parent PIN'),
    h('p', { key: 'state', class: hasPin ? 'ok-note' : 'warn-note', 'data-testid': 'settings-pin-state' },
      hasPin ? 'A PIN is set. The kitchen screen asks for it to confirm timers, cancel them and change stars.'
        : 'No PIN yet: the kitchen screen cannot confirm timers, cancel them or change stars until one is set.'),
    h('form', { key: 'form', class: 'settings-form', 'data-form': 'settings-pin', 'data-testid': 'settings-pin-form', novalidate: true },
      Field(hasPin ? 'New PIN' : 'PIN', h('input', { name: 'pin', type: 'password', inputmode: 'numeric', maxlength: '8', autocomplete: 'off', 'data-testid': 'settings-pin-new' }), '4 to 8 digits.'),
      Field('The new PIN again', h('input', { name: 'again', type: 'password', inputmode: 'numeric', maxlength: '8', autocomplete: 'off', 'data-testid': 'settings-pin-again' })),
      hasPin && Field('Current PIN', h('input', { name: 'currentPin', type: 'password', inputmode: 'numeric', maxlength: '8', autocomplete: 'off', 'data-testid': 'settings-pin-current' })),
      hasPin && Field('…or your password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', 'data-testid': 'settings-pin-password' }),
        'Forgot the PIN? Your account password works instead.'),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-pin-save', ...busy(isPending(model, 'settings-pin')) },
        hasPin ? 'Change the PIN' : 'Set the PIN')),
  ];
}

// ---------------------------------------------------------------- parents

function ParentsSection(model, s) {
  const settings = model.view?.settings || { parents: [], invites: [] };
  const tz = model.view?.family?.timeZone;
  const invite = s.invite;
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Parents'),
    h('ul', { key: 'list', class: 'settings-list', 'data-testid': 'settings-parents' }, settings.parents.map((p) => h('li', {
      key: p.id, class: 'settings-row', 'data-testid': 'settings-parent', 'data-user-id': p.id, 'data-you': p.you ? 'true' : 'false',
    },
    h('span', { class: 'row-main' },
      h('span', { class: 'row-title' }, p.you ? `${p.name} (you)` : p.name),
      h('span', { class: 'muted' }, `joined ${formatAgo(p.joinedAt, model.now)}`)),
    p.you ? null : confirming(model, 'parent', p.id)
      ? Confirming(`Remove ${p.name}? This family leaves their screens, and their invites and pairing codes stop working.`, 'parent', p.id, 'Remove', model)
      : h('span', { class: 'row-actions' },
        button('settings-parent-remove', 'settings-confirm', 'Remove', { 'data-kind': 'parent', 'data-id': p.id, 'aria-label': `Remove ${p.name}` }))))),
    h('div', { key: 'invite', class: 'invite-box' },
      h('h3', null, 'Invite another parent'),
      h('p', { class: 'muted' }, 'Make a one-time code and give it to them; on their computer they choose “Join a household”. It works once, for 48 hours.'),
      invite && h('div', { class: 'invite-code', 'data-testid': 'invite-result' },
        h('output', { class: 'pair-code', 'data-testid': 'invite-code' }, invite.code),
        h('p', { 'data-testid': 'invite-server-url' }, `Server address: ${invite.serverUrl}`),
        invite.certificateCode && h('p', { 'data-testid': 'invite-check-code' },
          'Check code: ', h('strong', { class: 'check-code' }, invite.certificateCode),
          h('span', { class: 'muted' }, ' — their app shows it when it first reaches the server; they trust it only if it matches.')),
        h('p', { class: 'muted' }, `Until ${formatClock(invite.expiresAt, tz)} the day after tomorrow, at the latest.`)),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'settings-invite', 'data-testid': 'settings-invite', ...busy(isPending(model, 'settings-invite')) },
        invite ? 'Make another code' : 'Make an invite code')),
    settings.invites.length > 0 && h('div', { key: 'open', class: 'open-invites' },
      h('h3', null, 'Invites not used yet'),
      h('ul', { class: 'settings-list', 'data-testid': 'settings-invites' }, settings.invites.map((i) => h('li', {
        key: i.id, class: 'settings-row', 'data-testid': 'settings-invite-row', 'data-invite-id': i.id,
      },
      h('span', { class: 'row-main' },
        h('span', { class: 'row-title' }, `Made by ${i.madeBy}`),
        h('span', { class: 'muted' }, `made ${formatAgo(i.createdAt, model.now)}`)),
      confirming(model, 'invite', i.id)
        ? Confirming('Revoke this invite? Its code stops working.', 'invite', i.id, 'Revoke', model)
        : h('span', { class: 'row-actions' },
          button('settings-invite-revoke', 'settings-confirm', 'Revoke', { 'data-kind': 'invite', 'data-id': i.id })))))),
    h('form', { key: 'join', class: 'invite-box', 'data-form': 'settings-join', 'data-testid': 'settings-join-form', novalidate: true },
      h('h3', null, 'Join another family'),
      h('p', { class: 'muted' }, 'A parent of another family on this household server gave you an invite code? Type it here; then pick the family at the top of the board.'),
      Field('Invite code', h('input', {
        name: 'code', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'ABCD-EFGH-…', 'data-testid': 'settings-join-code',
      })),
      h('button', { type: 'submit', class: 'btn', 'data-testid': 'settings-join-submit', ...busy(isPending(model, 'settings-join')) }, 'Join')),
  ];
}

// ---------------------------------------------------------------- your account

function AccountSection(model, s) {
  // Asked fresh when the section opens: sessions change on other devices.
  const sessions = s.sessions || [];
  const tz = model.view?.family?.timeZone;
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Your account'),
    h('h3', { key: 'signed-in' }, 'Where you are signed in'),
    h('ul', { key: 'list', class: 'settings-list', 'data-testid': 'settings-sessions' }, sessions.map((x) => h('li', {
      key: x.id, class: 'settings-row', 'data-testid': 'settings-session', 'data-session-id': x.id, 'data-current': x.current ? 'true' : 'false',
    },
    h('span', { class: 'row-main' },
      h('span', { class: 'row-title' }, x.current ? 'This computer' : 'Another screen'),
      h('span', { class: 'muted' }, `signed in ${formatAgo(x.signedInAt, model.now)} · until ${formatClock(x.expiresAt, tz)} ${formatDay(x.expiresAt, tz)}`)),
    x.current ? null : confirming(model, 'session', x.id)
      ? Confirming('Sign that screen out? It will need your password again.', 'session', x.id, 'Sign out', model)
      : h('span', { class: 'row-actions' },
        button('settings-session-end', 'settings-confirm', 'Sign out', { 'data-kind': 'session', 'data-id': x.id }))))),
    h('p', { key: 'empty', class: 'muted', hidden: s.sessions == null || sessions.length > 1 }, 'You are signed in on this computer only.'),
    h('form', { key: 'password', class: 'settings-form', 'data-form': 'settings-password', 'data-testid': 'settings-password-form', novalidate: true },
      h('h3', null, 'Change your password'),
      h('p', { class: 'muted' }, 'Every other screen you are signed in on is signed out; this one stays.'),
      Field('Current password', h('input', { name: 'current', type: 'password', autocomplete: 'current-password', 'data-testid': 'settings-password-current' })),
      Field('New password', h('input', { name: 'next', type: 'password', autocomplete: 'new-password', 'data-testid': 'settings-password-new' }), 'At least 8 characters.'),
      Field('The new password again', h('input', { name: 'again', type: 'password', autocomplete: 'new-password', 'data-testid': 'settings-password-again' })),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-password-save', ...busy(isPending(model, 'settings-password')) }, 'Change the password')),
    h('div', { key: 'diagnostics', class: 'invite-box' },
      h('h3', null, 'Something not working?'),
      h('p', { class: 'muted' }, 'Copy what this app knows about itself — versions, the server’s address, the connection, the last error; never your password or sign-in — to send along.'),
      button('settings-diagnostics', 'settings-diagnostics', 'Copy diagnostics'),
      s.diagnostics && h('textarea', { class: 'diagnostics-text', readonly: true, rows: '10', 'data-testid': 'settings-diagnostics-text' }, s.diagnostics)),
  ];
}

/** "on 4 Jan" for a time, in the family's zone. */
function formatDay(at, timeZone) {
  try {
    return `on ${new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: timeZone || 'UTC' }).format(new Date(at))}`;
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- kitchen screens

function ScreensSection(model, s) {
  // Asked fresh when the section opens (last-seen times change without
  // events); until then, and for screens paired since, the view's list.
  const fresh = new Map((s.kiosks || []).map((k) => [k.id, k]));
  const kiosks = (model.view?.settings?.kiosks || []).map((k) => fresh.get(k.id) || k);
  const seen = (k) => (Number.isFinite(k.lastSeenAt) ? `last seen ${formatAgo(k.lastSeenAt, model.now)}` : 'not seen yet');
  return [
    h('h2', { key: 'title', id: 'settings-title' }, 'Kitchen screens'),
    h('ul', { key: 'list', class: 'settings-list', 'data-testid': 'settings-kiosks' }, kiosks.map((k) => h('li', {
      key: k.id, class: 'settings-row', 'data-testid': 'settings-kiosk', 'data-kiosk-id': k.id,
    },
    h('span', { class: 'row-main' },
      h('span', { class: 'row-title' }, k.name),
      h('span', { class: 'muted', 'data-testid': 'settings-kiosk-seen' }, `paired ${formatAgo(k.pairedAt, model.now)} · ${seen(k)}`)),
    confirming(model, 'kiosk', k.id)
      ? Confirming(`Revoke “${k.name}”? It goes back to the pairing screen.`, 'kiosk', k.id, 'Revoke', model)
      : h('span', { class: 'row-actions' },
        button('settings-kiosk-revoke', 'settings-confirm', 'Revoke', { 'data-kind': 'kiosk', 'data-id': k.id, 'aria-label': `Revoke ${k.name}` }))))),
    h('p', { key: 'empty', class: 'muted', hidden: kiosks.length > 0 }, 'No kitchen screen is paired.'),
    h('button', { key: 'pair', type: 'button', class: 'btn btn-primary', 'data-action': 'pair-open', 'data-testid': 'pair-open' }, 'Pair a screen'),
    model.session?.certificateCode && h('p', { key: 'check', class: 'muted', 'data-testid': 'settings-check-code' },
      'This household’s check code: ', h('strong', { class: 'check-code' }, model.session.certificateCode),
      '. A screen meeting the household server for the first time shows it; trust it there only if it is the same.'),
  ];
}
