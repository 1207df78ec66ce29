// Formatting at the edges: exercise seconds as clock time, statuses as words.
export function clockTime(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const sign = seconds < 0 ? "-" : "";
  let s = Math.floor(Math.abs(seconds));
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return `${sign}${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** "in 4:10" / "4:10 ago" for a countdown to an exercise time. */
export function countdown(targetS, nowS) {
  if (targetS === null || targetS === undefined) return "";
  const diff = targetS - nowS;
  const text = clockTime(Math.abs(diff)).replace(/^0:/, "");
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

export const STATUS_WORDS = {
  pending: "Not yet due", open: "Due", overdue: "Overdue", missed: "Missed", done: "Done",
  late: "Done late", waived: "Not applicable",
};

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

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
    const r = (crypto.getRandomValues(new Uint8Array(1))[0] & 15);
    return (c === "x" ? r : (r & 3) | 8).toString(16);
  });
}
