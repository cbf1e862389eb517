// fake-dom.js — the smallest DOM that render.js needs, for tests under Node:
// elements with attributes, children, textContent, insertBefore/removeChild,
// and querySelector(All) for simple selectors (tag, #id, .class, [attr],
// [attr="value"], descendant combinator). It counts created elements so a
// test can prove a re-render reused nodes instead of rebuilding them.

class FakeText {
  constructor(data, doc) {
    this.nodeType = 3;
    this.data = String(data);
    this.parentNode = null;
    this.ownerDocument = doc;
  }

  get textContent() { return this.data; }
  set textContent(v) { this.data = String(v); }
}

export class FakeElement {
  constructor(tag, doc) {
    this.nodeType = 1;
    this.tagName = String(tag).toUpperCase();
    this.ownerDocument = doc;
    this.attributes = new Map();
    this.childNodes = [];
    this.parentNode = null;
    this.listeners = {};
    this.value = '';
  }

  get children() { return this.childNodes.filter((n) => n.nodeType === 1); }
  get firstChild() { return this.childNodes[0] || null; }
  get isConnected() {
    let n = this;
    while (n.parentNode) n = n.parentNode;
    return n === this.ownerDocument.documentElement;
  }

  setAttribute(name, value) {
    this.ownerDocument.mutations++;
    this.attributes.set(name, String(value));
  }
  getAttribute(name) { return this.attributes.has(name) ? this.attributes.get(name) : null; }
  hasAttribute(name) { return this.attributes.has(name); }
  removeAttribute(name) {
    this.ownerDocument.mutations++;
    this.attributes.delete(name);
  }

  appendChild(child) { return this.insertBefore(child, null); }

  insertBefore(child, ref) {
    if (child.parentNode) child.parentNode.removeChild(child);
    this.ownerDocument.mutations++;
    child.parentNode = this;
    if (ref == null) this.childNodes.push(child);
    else {
      const i = this.childNodes.indexOf(ref);
      if (i < 0) throw new Error('insertBefore: reference is not a child');
      this.childNodes.splice(i, 0, child);
    }
    return child;
  }

  removeChild(child) {
    const i = this.childNodes.indexOf(child);
    if (i < 0) throw new Error('removeChild: not a child');
    this.ownerDocument.mutations++;
    this.childNodes.splice(i, 1);
    child.parentNode = null;
    return child;
  }

  get textContent() { return this.childNodes.map((n) => n.textContent).join(''); }
  set textContent(v) {
    this.ownerDocument.mutations++;
    for (const n of this.childNodes) n.parentNode = null;
    this.childNodes = [];
    const s = String(v);
    if (s !== '') {
      const t = new FakeText(s, this.ownerDocument);
      t.parentNode = this;
      this.childNodes.push(t);
    }
  }

  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }

  querySelectorAll(selector) {
    const chain = parseSelector(selector);
    const out = [];
    walk(this, (n) => { if (n !== this && matchesChain(n, chain, this)) out.push(n); });
    return out;
  }

  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
}

export class FakeDocument {
  constructor() {
    this.created = 0;
    this.mutations = 0;
    this.activeElement = null;
    this.documentElement = new FakeElement('html', this);
    this.body = new FakeElement('body', this);
    this.documentElement.appendChild(this.body);
  }

  createElement(tag) {
    this.created++;
    return new FakeElement(tag, this);
  }

  querySelector(sel) { return this.documentElement.querySelector(sel); }
  querySelectorAll(sel) { return this.documentElement.querySelectorAll(sel); }
}

/** Shorthand: a fresh document and a mounted root element. */
export function mount() {
  const doc = new FakeDocument();
  const root = doc.createElement('div');
  root.setAttribute('id', 'app');
  doc.body.appendChild(root);
  return { doc, root };
}

/** True when neither the node nor any ancestor carries `hidden`. */
export function isVisible(node) {
  for (let n = node; n; n = n.parentNode) if (n.hasAttribute && n.hasAttribute('hidden')) return false;
  return true;
}

export const byTestId = (root, id) => root.querySelectorAll(`[data-testid="${id}"]`);

// ------------------------------------------------------------ selectors

function walk(node, fn) {
  for (const c of node.children) {
    fn(c);
    walk(c, fn);
  }
}

function parseSelector(selector) {
  return selector.trim().split(/\s+/).map(parseCompound);
}

function parseCompound(text) {
  const parts = { tag: null, id: null, classes: [], attrs: [] };
  const re = /([a-zA-Z][\w-]*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:=(?:"([^"]*)"|'([^']*)'|([^\]]*)))?\]/g;
  let m;
  let consumed = 0;
  while ((m = re.exec(text))) {
    if (m.index !== consumed) throw new Error(`fake-dom: unsupported selector "${text}"`);
    consumed = re.lastIndex;
    if (m[1]) parts.tag = m[1].toUpperCase();
    else if (m[2]) parts.id = m[2];
    else if (m[3]) parts.classes.push(m[3]);
    else parts.attrs.push({ name: m[4], value: m[5] ?? m[6] ?? m[7] ?? null });
  }
  if (consumed !== text.length) throw new Error(`fake-dom: unsupported selector "${text}"`);
  return parts;
}

function matchesCompound(n, c) {
  if (c.tag && n.tagName !== c.tag) return false;
  if (c.id && n.getAttribute('id') !== c.id) return false;
  if (c.classes.length) {
    const cls = (n.getAttribute('class') || '').split(/\s+/);
    if (!c.classes.every((k) => cls.includes(k))) return false;
  }
  for (const a of c.attrs) {
    const v = n.getAttribute(a.name);
    if (v === null) return false;
    if (a.value !== null && v !== a.value) return false;
  }
  return true;
}

function matchesChain(n, chain, scope) {
  if (!matchesCompound(n, chain[chain.length - 1])) return false;
  let i = chain.length - 2;
  let p = n.parentNode;
  while (i >= 0 && p && p !== scope.parentNode) {
    if (matchesCompound(p, chain[i])) i--;
    p = p.parentNode;
  }
  return i < 0;
}
