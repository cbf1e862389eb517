// preview-actions.js — dev only: replays clicks from the query string so a
// headless screenshot can show a dialog or an error state, e.g.
// ?click=[data-testid="stars-add"]|[data-digit="1"] (selectors split on |).
// Not loaded by the app.

const q = new URLSearchParams(location.search);
const clicks = (q.get('click') || '').split('|').filter(Boolean);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  if (!clicks.length) return;
  await wait(600);
  for (const sel of clicks) {
    const el = document.querySelector(sel);
    if (el) el.click();
    else console.warn('preview-actions: nothing matches', sel);
    await wait(250);
  }
})();
