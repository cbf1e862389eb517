// dom.js — the page's one way of turning a description of what should be
// on screen into DOM. `h(tag, props, ...children)` describes an element;
// `patch(container, children)` makes the container's children match the
// description, keeping every node it can — by `key` among siblings, else
// by position and tag — and writing only attributes and text that
// changed. So a component is one function from the model to a
// description, rendered the same way the first time and every time
// after, and re-rendering every second neither rebuilds the page nor
// steals focus.
//
// Props: a string, number or `true` sets an attribute (`true` as an empty
// one); `false`, `null` and `undefined` remove it. `key` identifies a
// node among its siblings. `value` and `checked` are the live properties
// of a form control (`value` is left alone while the control has focus,
// so typing is never overwritten); `defaultValue` and `defaultChecked`
// only set a new control's value or tick. `modal` opens (true) or closes (false) a <dialog> with
// `showModal()` / `close()`. Listeners are not props: the page handles
// events by delegation (app.js).

/** A description of one element. */
export function h(tag, props, ...children) {
  return { tag, props: props || {}, children: flatten(children) };
}

function flatten(children, out = []) {
  for (const c of children) {
    if (c == null || c === false || c === true) continue;
    if (Array.isArray(c)) flatten(c, out);
    else if (typeof c === 'string' || typeof c === 'number') out.push({ text: String(c) });
    else out.push(c);
  }
  return out;
}

/** What this module owns on a node: the attributes it set, and its key. */
const owned = new WeakMap();

function keyOf(v) {
  return v.props && v.props.key != null ? String(v.props.key) : null;
}

function matches(node, v) {
  if (v.text != null) return node.nodeType === 3;
  return node.nodeType === 1 && node.localName === v.tag;
}

/** Nodes made by this patch, whose `defaultValue` or `defaultChecked` is
 *  still to be set. */
const fresh = new WeakSet();

const SVG = 'http://www.w3.org/2000/svg';

/** A new node for `v`; inside an <svg> (or an <svg> itself) an SVG element,
 *  which the HTML namespace would leave undrawn. */
function create(doc, v, parent) {
  if (v.text != null) return doc.createTextNode(v.text);
  const svg = v.tag === 'svg' || (parent.namespaceURI === SVG && parent.localName !== 'foreignObject');
  const node = svg ? doc.createElementNS(SVG, v.tag) : doc.createElement(v.tag);
  if (v.props.defaultValue != null || v.props.defaultChecked != null) fresh.add(node);
  return node;
}

/** Makes `parent`'s children match `children` (descriptions, strings, arrays). */
export function patch(parent, children) {
  const doc = parent.ownerDocument;
  const wanted = flatten(Array.isArray(children) ? children : [children]);
  const existing = Array.from(parent.childNodes);
  const byKey = new Map();
  const free = [];
  for (const node of existing) {
    const key = owned.get(node)?.key;
    if (key != null) byKey.set(key, node);
    else free.push(node);
  }
  const used = new Set();
  const nodes = wanted.map((v) => {
    const key = v.text == null ? keyOf(v) : null;
    let node = null;
    if (key != null) {
      const candidate = byKey.get(key);
      if (candidate && matches(candidate, v)) node = candidate;
    } else {
      const i = free.findIndex((n) => !used.has(n) && matches(n, v));
      if (i >= 0) node = free[i];
    }
    if (!node) node = create(doc, v, parent);
    used.add(node);
    update(node, v);
    return node;
  });
  for (const node of existing) {
    if (!used.has(node)) parent.removeChild(node);
  }
  nodes.forEach((node, i) => {
    const at = parent.childNodes[i];
    if (at !== node) parent.insertBefore(node, at || null);
  });
  // A dialog opens once it is in the document (showModal() refuses before).
  wanted.forEach((v, i) => {
    if (v.props && v.props.modal !== undefined) setModal(nodes[i], v.props.modal);
  });
}

function setModal(node, modal) {
  if (typeof node.showModal !== 'function' || !node.isConnected) return;
  if (modal && !node.open) node.showModal();
  else if (!modal && node.open) node.close();
}

function update(node, v) {
  if (v.text != null) {
    if (node.nodeValue !== v.text) node.nodeValue = v.text;
    return;
  }
  const mine = owned.get(node) || { attrs: new Set(), key: null };
  mine.key = keyOf(v);
  const now = new Set();
  let value;
  for (const [name, raw] of Object.entries(v.props)) {
    if (name === 'key' || name === 'defaultValue' || name === 'defaultChecked') continue;
    if (name === 'value') { value = raw; continue; }
    if (name === 'modal') continue;
    if (name === 'checked') {
      if (node.checked !== Boolean(raw)) node.checked = Boolean(raw);
      continue;
    }
    if (raw == null || raw === false) continue;
    const text = raw === true ? '' : String(raw);
    now.add(name);
    if (node.getAttribute(name) !== text) node.setAttribute(name, text);
  }
  for (const name of mine.attrs) {
    if (!now.has(name) && node.hasAttribute(name)) node.removeAttribute(name);
  }
  mine.attrs = now;
  owned.set(node, mine);
  patch(node, v.children);
  // After the children: a <select>'s value needs its options.
  if (fresh.has(node)) {
    fresh.delete(node);
    if (v.props.defaultValue != null) node.value = String(v.props.defaultValue);
    if (v.props.defaultChecked != null) node.checked = Boolean(v.props.defaultChecked);
  }
  if (value !== undefined) {
    const text = value == null ? '' : String(value);
    const focused = node.ownerDocument.activeElement === node;
    if (!focused && node.value !== text) node.value = text;
  }
}
