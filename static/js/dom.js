// Building the page: elements from plain values (text is always text, never markup).

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** A new element: `attrs` become attributes (on… are listeners, `dataset` data-*), children text or nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Change a node's text only when it differs (a live region then announces changes only). */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
