// sample-view.js — a made-up DashboardView for the dev preview and the
// screenshots: three children, timers in every state, templates, chores
// (one waiting for a parent), rewards and this week's redemptions.
// Not loaded by the app.

export function sampleView(now = Date.now(), opts = {}) {
  const min = 60_000;
  return {
    revision: 42,
    role: opts.role || 'parent',
    family: { id: 'f_1', name: 'The Parkers', timeZone: 'Europe/London', hasPin: true, choreApproval: 'parent' },
    members: opts.empty ? [] : [
      { id: 'm_1', name: 'Ada', color: '#e4572e', balance: 12, weeklyStars: 5 },
      { id: 'm_2', name: 'Ben', color: '#3a86ff', balance: 7, weeklyStars: 3 },
      { id: 'm_3', name: 'Cleo', color: '#2a9d8f', balance: 21, weeklyStars: 9 },
    ],
    timers: opts.empty ? [] : [
      { id: 't_1', memberId: 'm_1', label: 'Homework', state: 'running', endsAt: now + 12 * min + 34_000, remainingMs: null, durationMs: 25 * min, stars: 2, templateId: 'tp_2' },
      { id: 't_2', memberId: 'm_2', label: 'Reading', state: 'paused', endsAt: null, remainingMs: 8 * min + 5_000, durationMs: 20 * min, stars: 1, templateId: 'tp_1' },
      { id: 't_3', memberId: 'm_3', label: 'Piano practice', state: 'expired', endsAt: now - 40_000, remainingMs: null, durationMs: 15 * min, stars: 3, templateId: 'tp_3' },
      { id: 't_4', memberId: 'm_2', label: 'Lego build', state: 'running', endsAt: now + 65 * min, remainingMs: null, durationMs: 90 * min, stars: 0, templateId: null },
    ],
    templates: opts.empty ? [] : [
      { id: 'tp_1', label: 'Reading', durationSeconds: 1200, stars: 1 },
      { id: 'tp_2', label: 'Homework', durationSeconds: 1800, stars: 2 },
      { id: 'tp_3', label: 'Piano', durationSeconds: 900, stars: 1 },
      { id: 'tp_4', label: 'Tidy up', durationSeconds: 600, stars: 1 },
    ],
    chores: opts.empty ? [] : [
      { id: 'c_1', memberId: 'm_1', label: 'Feed the cat', stars: 1, days: [], dueToday: true,
        done: [{ memberId: 'm_1', completionId: 'cmp_1', completedAt: now - 30 * min, status: 'approved', mine: false }] },
      { id: 'c_2', memberId: 'm_1', label: 'Make your bed', stars: 1, days: [], dueToday: true, done: [] },
      { id: 'c_3', memberId: 'm_2', label: 'Empty the dishwasher', stars: 2, days: [1, 3, 5], dueToday: true,
        done: [{ memberId: 'm_2', completionId: 'cmp_2', completedAt: now - 5 * min, status: 'pending', mine: false }] },
      { id: 'c_4', memberId: null, label: 'Water the plants', stars: 1, days: [], dueToday: true,
        done: [{ memberId: 'm_1', completionId: 'cmp_3', completedAt: now - 90 * min, status: 'approved', mine: false }] },
      { id: 'c_5', memberId: 'm_3', label: 'Set the table', stars: 1, days: [6, 7], dueToday: false, done: [] },
    ],
    pending: opts.empty ? [] : [
      { completionId: 'cmp_2', choreId: 'c_3', choreLabel: 'Empty the dishwasher', memberId: 'm_2', stars: 2, completedAt: now - 5 * min },
    ],
    rewards: opts.empty ? [] : [
      { id: 'r_1', title: 'Ice cream', cost: 5, weeklyLimit: 2, redeemedBy: ['m_3'] },
      { id: 'r_2', title: '30 minutes of screen time', cost: 8, weeklyLimit: null, redeemedBy: [] },
    ],
    redemptions: opts.empty ? [] : [
      { id: 'x_1', rewardId: 'r_1', memberId: 'm_3', title: 'Ice cream', cost: 5, status: 'approved', entryId: 'e_1', createdAt: now - 2 * 60 * min, mine: false },
    ],
    connection: { state: opts.conn || 'live', lastSyncedAt: now - (opts.conn && opts.conn !== 'live' ? 2 * min + 5_000 : 3_000) },
    serverOffsetMs: 12,
    lastError: opts.lastError || null,
  };
}
