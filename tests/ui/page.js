// page.js — the page's tests run on happy-dom, a real DOM implementation
// (a document, events, <dialog> with showModal, MutationObserver): a fresh
// window per test, and the few helpers the tests share.
import { Window } from 'happy-dom';

/** A fresh window whose page has the app's root, as index.html does. */
export function mount() {
  const window = new Window({ url: 'http://localhost/' });
  // No network: the page's fetches (the chime) fail at once, the same way
  // on every machine, instead of reaching whatever serves localhost:80.
  window.fetch = async () => {
    throw new TypeError('no network in the page tests');
  };
  const doc = window.document;
  doc.body.innerHTML = '<div id="app" class="app"></div>';
  return { window, doc, root: doc.getElementById('app') };
}

/** Shown: it is there, neither it nor an ancestor is hidden, and any
 *  dialog it is in is open. */
export function isVisible(node) {
  if (!node) return false;
  for (let n = node; n; n = n.parentElement) {
    if (n.hasAttribute('hidden')) return false;
    if (n.localName === 'dialog' && !n.open) return false;
  }
  return true;
}

export const byTestId = (root, id) => Array.from(root.querySelectorAll(`[data-testid="${id}"]`));

/** Starts recording every change under `root`; the returned function
 *  hands over what changed since. */
export function recordChanges(root) {
  const observer = new root.ownerDocument.defaultView.MutationObserver(() => {});
  observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  return () => observer.takeRecords();
}
