// stars.js — what stars are for, on the board: chores waiting for a
// parent (approve or reject), spending stars on a reward (the redeem
// dialog, with the PIN pad on a kitchen screen), this week's rewards and
// the star change just made on a child's card with an Undo for the first
// seconds, and a child's history
// (stars per week as a chart, the ledger with who did what, a CSV export).
// Components only, like render.js: app.js handles their data-actions.

import { h } from './dom.js';
import { busy, isPending, possessive } from './parts.js';
import { starsLabel } from './format.js';
import { UNDO_WINDOW_MS } from './countdown.js';

/** Whether this screen still offers to undo what happened at `at`
 *  (server time): a parent always; a kitchen screen what it did itself
 *  (`mine`), for a few seconds. */
export function undoOpen(model, at, mine) {
  if (model.view?.role !== 'kiosk') return true;
  if (!mine) return false;
  const offset = Number.isFinite(model.view.serverOffsetMs) ? model.view.serverOffsetMs : 0;
  return model.now + offset - at < UNDO_WINDOW_MS;
}

/** The star change this screen just made on a child's card, with its Undo
 *  for a few seconds (`model.ui.recentStars[memberId]`, local time). */
export function RecentStars(member, model) {
  const recent = model.ui?.recentStars?.[member.id];
  const open = recent && model.now - recent.at < UNDO_WINDOW_MS;
  return h('p', { class: 'recent-stars', 'data-testid': 'recent-stars', hidden: !open },
    open ? [
      h('span', { key: 'what', class: 'recent-text' }, `${recent.amount > 0 ? '+' : '−'}★${Math.abs(recent.amount)} · ${recent.reason}`),
      h('button', {
        key: 'undo', type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'entry-undo', 'data-entry-id': recent.entryId,
        'data-member-id': member.id, 'data-testid': 'recent-stars-undo', 'aria-label': `Undo the stars for ${member.name}`,
        ...busy(isPending(model, `entry:${recent.entryId}`)),
      }, 'Undo'),
    ] : []);
}

// ---------------------------------------------------------------- approval

/** Completions waiting for a parent: parents approve or reject them here;
 *  a kitchen screen shows that they wait. Hidden when there are none. */
export function PendingList(model, names) {
  const pending = model.view?.pending || [];
  const rewards = (model.view?.redemptions || []).filter((x) => x.status === 'pending');
  const parent = model.view?.role === 'parent';
  return h('section', {
    key: 'pending', class: 'pending', 'data-testid': 'pending-list', hidden: pending.length + rewards.length === 0,
    'aria-labelledby': 'pending-title',
  },
  h('h3', { class: 'pending-title', id: 'pending-title' }, 'Waiting for a parent'),
  h('ul', { class: 'pending-items' }, rewards.map((x) => {
    const child = names.get(x.memberId)?.member?.name || 'A child';
    const key = `redemption:${x.id}`;
    return h('li', { key: x.id, class: 'pending-item', 'data-testid': 'pending-reward', 'data-redemption-id': x.id },
      h('span', { class: 'pending-text' }, `${child} would like: ${x.title}`, h('span', { class: 'chore-stars' }, `★${x.cost}`)),
      parent
        ? h('span', { class: 'pending-actions' },
          h('button', {
            type: 'button', class: 'btn btn-small', 'data-action': 'redemption-reject', 'data-testid': 'redemption-reject',
            'data-redemption-id': x.id, 'aria-label': `Say no to “${x.title}” for ${child}`, ...busy(isPending(model, key)),
          }, 'Not now'),
          h('button', {
            type: 'button', class: 'btn btn-small btn-primary', 'data-action': 'redemption-approve', 'data-testid': 'redemption-approve',
            'data-redemption-id': x.id, 'aria-label': `Give “${x.title}” to ${child}`, ...busy(isPending(model, key)),
          }, `Give it −★${x.cost}`))
        : h('span', { class: 'muted pending-note' }, 'A parent decides'));
  }), pending.map((p) => {
    const child = names.get(p.memberId)?.member?.name || 'A child';
    const key = `completion:${p.completionId}`;
    return h('li', { key: p.completionId, class: 'pending-item', 'data-testid': 'pending-item', 'data-completion-id': p.completionId },
      h('span', { class: 'pending-text' }, `${child}: ${p.choreLabel}`,
        p.stars > 0 ? h('span', { class: 'chore-stars' }, `★${p.stars}`) : null),
      parent
        ? h('span', { class: 'pending-actions' },
          h('button', {
            type: 'button', class: 'btn btn-small', 'data-action': 'completion-reject', 'data-testid': 'completion-reject',
            'data-completion-id': p.completionId, 'aria-label': `Reject “${p.choreLabel}” for ${child}`, ...busy(isPending(model, key)),
          }, 'Reject'),
          h('button', {
            type: 'button', class: 'btn btn-small btn-primary', 'data-action': 'completion-approve', 'data-testid': 'completion-approve',
            'data-completion-id': p.completionId, 'aria-label': `Approve “${p.choreLabel}” for ${child}`, ...busy(isPending(model, key)),
          }, p.stars > 0 ? `Approve +★${p.stars}` : 'Approve'))
        : h('span', { class: 'muted pending-note' }, 'A parent approves it'));
  })));
}

// ---------------------------------------------------------------- rewards

/** How often `memberId` had `reward` this week, and whether they may again. */
export function rewardState(reward, member) {
  const had = (reward.redeemedBy || []).filter((id) => id === member.id).length;
  const limited = Number.isFinite(reward.weeklyLimit) && had >= reward.weeklyLimit;
  const short = (member.balance ?? 0) < reward.cost;
  return { had, limited, short };
}

/** The redeem dialog: the catalogue for one child, one reward chosen. */
export function RedeemContents(d, model, member, pinOk) {
  const name = member?.name || 'this child';
  const rewards = model.view?.rewards || [];
  const waiting = isPending(model, 'dialog');
  const chosen = rewards.find((r) => r.id === d.rewardId);
  // Where parents approve, a kitchen screen may ask without the PIN.
  const asks = canAsk(model) && !(d.pin || '').length;
  const main = rewards.length === 0
    ? [h('p', { class: 'muted', 'data-testid': 'rewards-empty' },
      model.view?.role === 'parent' ? 'No rewards yet — add them in Settings.' : 'No rewards yet — a parent adds them from their own screen.')]
    : [h('div', { class: 'reward-choices', role: 'radiogroup', 'aria-label': 'Reward' }, rewards.map((r) => {
      const { had, limited, short } = member ? rewardState(r, member) : { had: 0, limited: false, short: true };
      const why = limited ? `had ${had} of ${r.weeklyLimit} this week` : short ? 'not enough stars' : null;
      return h('button', {
        key: r.id, type: 'button', class: 'reward-choice', role: 'radio', 'data-action': 'reward-pick', 'data-reward-id': r.id,
        'data-testid': 'reward-choice', 'aria-checked': d.rewardId === r.id ? 'true' : 'false', disabled: limited || short,
      },
      h('span', { class: 'reward-title' }, r.title),
      h('span', { class: 'reward-cost' }, `★${r.cost}`),
      h('span', { class: 'reward-note muted' }, why
        || (Number.isFinite(r.weeklyLimit) ? `${had} of ${r.weeklyLimit} this week` : '')));
    }))];
  return {
    title: `Spend ${possessive(name)} stars`,
    sub: `${name} has ${starsLabel(member?.balance ?? 0)}.${canAsk(model) ? ' A parent types the PIN, or is asked on their screen.' : ''}`,
    main,
    submit: h('button', {
      type: 'button', class: 'btn btn-primary', 'data-action': 'dialog-submit', 'data-testid': 'redeem-submit',
      disabled: waiting || !chosen || !(pinOk || asks), 'aria-busy': waiting ? 'true' : null,
    }, waiting ? 'Spending…' : !chosen ? 'Choose a reward' : asks ? `Ask a parent for ${chosen.title}` : `${chosen.title} for ★${chosen.cost}`),
  };
}

/** Whether this kitchen screen may ask a parent instead of the PIN. */
export function canAsk(model) {
  return model.view?.role === 'kiosk' && model.view?.family?.choreApproval === 'parent';
}

/** This week's rewards on a child's card, newest first, each with an Undo
 *  while this screen may still take it back. */
export function MemberRedemptions(member, model) {
  const mine = (model.view?.redemptions || []).filter((x) => x.memberId === member.id);
  return h('ul', { class: 'redemptions', 'data-testid': 'member-redemptions', hidden: mine.length === 0, 'aria-label': 'Rewards this week' },
    mine.map((x) => h('li', { key: x.id, class: `redemption${x.status === 'pending' ? ' is-pending' : ''}`, 'data-testid': 'redemption', 'data-status': x.status },
      h('span', { class: 'redemption-text' }, x.title,
        h('span', { class: 'chore-stars' }, x.status === 'pending' ? 'waiting for a parent' : `−★${x.cost}`)),
      x.entryId && undoOpen(model, x.createdAt, x.mine) && h('button', {
        type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'entry-undo', 'data-entry-id': x.entryId,
        'data-member-id': member.id, 'data-testid': 'redemption-undo', 'aria-label': `Undo “${x.title}” for ${member.name}`,
        ...busy(isPending(model, `entry:${x.entryId}`)),
      }, 'Undo'))));
}

// ---------------------------------------------------------------- history

const WEEK_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });

function weekLabel(at, timeZone) {
  try {
    return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone }).format(at);
  } catch {
    return WEEK_LABEL.format(at);
  }
}

function whenLabel(at, timeZone) {
  const opts = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...opts, timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat('en-GB', opts).format(at);
  }
}

/** Stars earned per week as bars, oldest left; a week below zero (more
 *  taken away than earned) draws down from the line. */
export function WeeksChart(perWeek, timeZone) {
  const weeks = perWeek || [];
  const W = 560;
  const H = 180;
  const top = 18;
  const bottom = 28;
  const most = Math.max(1, ...weeks.map((w) => Math.abs(w.stars)));
  const anyNegative = weeks.some((w) => w.stars < 0);
  const zero = anyNegative ? top + (H - top - bottom) / 2 : H - bottom;
  const scale = (anyNegative ? (H - top - bottom) / 2 : H - top - bottom) / most;
  const slot = W / Math.max(1, weeks.length);
  const bar = Math.max(6, slot * 0.62);
  const total = weeks.reduce((sum, w) => sum + w.stars, 0);
  return h('figure', { class: 'weeks-chart', 'data-testid': 'history-chart' },
    h('svg', {
      viewBox: `0 0 ${W} ${H}`, role: 'img', width: '100%',
      'aria-label': `Stars earned per week over the last ${weeks.length} weeks: ${total} in all`,
    },
    h('line', { x1: '0', x2: String(W), y1: String(zero), y2: String(zero), class: 'chart-axis' }),
    weeks.map((w, i) => {
      const height = Math.abs(w.stars) * scale;
      const x = i * slot + (slot - bar) / 2;
      const y = w.stars >= 0 ? zero - height : zero;
      const last = i === weeks.length - 1;
      return h('g', { key: String(w.weekStart), 'data-testid': 'history-week', 'data-stars': String(w.stars) },
        h('rect', { x: x.toFixed(1), y: y.toFixed(1), width: bar.toFixed(1), height: Math.max(height, w.stars ? 1 : 0).toFixed(1), rx: '4', class: `chart-bar${last ? ' is-now' : ''}` }),
        h('text', { x: (x + bar / 2).toFixed(1), y: (w.stars >= 0 ? y - 4 : y + height + 12).toFixed(1), class: 'chart-value', 'text-anchor': 'middle' }, String(w.stars)),
        h('text', { x: (x + bar / 2).toFixed(1), y: String(H - 8), class: 'chart-week', 'text-anchor': 'middle' }, last ? 'This week' : weekLabel(w.weekStart, timeZone)));
    })),
    h('figcaption', { class: 'muted' }, `Stars earned each week, rewards left out · ${starsLabel(total)} in ${weeks.length} weeks`));
}

/** The ledger, newest first: when, why, how many, by whom; a parent can
 *  undo a line that is not an undo itself and not undone yet. */
function Ledger(entries, model, member, timeZone) {
  const parent = model.view?.role === 'parent';
  return h('ol', { class: 'ledger', 'data-testid': 'ledger' }, (entries || []).map((e) => {
    const undone = Number.isFinite(e.undoneAt);
    return h('li', { key: e.id, class: `ledger-line${undone ? ' is-undone' : ''}`, 'data-testid': 'ledger-line', 'data-kind': e.kind },
      h('span', { class: `ledger-amount ${e.amount >= 0 ? 'plus' : 'minus'}` }, `${e.amount >= 0 ? '+' : '−'}★${Math.abs(e.amount)}`),
      h('span', { class: 'ledger-text' },
        h('span', { class: 'ledger-reason' }, e.reason),
        h('span', { class: 'ledger-meta muted' }, [whenLabel(e.createdAt, timeZone), e.by ? `by ${e.by}` : null, undone ? 'undone' : null].filter(Boolean).join(' · '))),
      parent && !undone && !e.reverses && h('button', {
        type: 'button', class: 'btn btn-quiet btn-small', 'data-action': 'entry-undo', 'data-entry-id': e.id, 'data-member-id': member?.id,
        'data-testid': 'ledger-undo', 'aria-label': `Undo “${e.reason}”`, ...busy(isPending(model, `entry:${e.id}`)),
      }, 'Undo'));
  }));
}

/** The history dialog of one child: the chart, the ledger, the export. */
export function HistoryContents(d, model, member) {
  const name = member?.name || 'this child';
  const zone = model.view?.family?.timeZone;
  const data = d.history;
  const exporting = isPending(model, 'export');
  return {
    title: `${possessive(name)} stars`,
    sub: data ? `${starsLabel(data.balance)} now · ${starsLabel(data.weekly)} earned this week` : 'Loading…',
    main: data ? [
      WeeksChart(data.perWeek, zone),
      h('h3', { class: 'ledger-title' }, 'Every change'),
      Ledger(data.entries, model, member, zone),
      d.saved ? h('p', { class: 'muted', 'data-testid': 'export-saved', role: 'status' }, `Saved to ${d.saved}`) : null,
    ] : [],
    submit: h('button', {
      type: 'button', class: 'btn', 'data-action': 'history-export', 'data-testid': 'history-export', 'data-member-id': member?.id,
      ...busy(exporting || !data),
    }, exporting ? 'Saving…' : 'Save as CSV'),
  };
}

