// The pages' words in the page's language (docs/translating.md).
//
// The page says its language on <html lang dir data-catalogue>: data-catalogue is the URL of
// static/i18n/<lang>.json, generated from the same gettext catalogues as the server's words. It
// is loaded once, before any module that shows a word runs (a top-level await: every module that
// imports this one waits for it). English needs no catalogue; a catalogue that cannot be loaded
// leaves the English words, never an empty page.
//
//   t("Send to control")                  a message
//   t("Offline since {since}", {since})   with {placeholders}
//   tn("{n} waiting", "{n} waiting", n)   with plural forms: the language's own rules (Intl)

const root = globalThis.document?.documentElement;  // none when a module runs under Node (tests)
export const language = root?.lang || "en";
export const direction = root?.dir || "ltr";

async function load(url) {
  if (!url) return null;
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    return response.ok ? await response.json() : null;
  } catch {
    return null; // offline without the catalogue cached: the English words
  }
}

const catalogue = (await load(root?.dataset.catalogue)) || { messages: {}, plural_tags: ["one", "other"] };
const messages = catalogue.messages || {};
const rules = new Intl.PluralRules(language);

function fill(text, params) {
  return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;
}

/** `message` in the page's language, with {placeholders} filled from `params`. */
export function t(message, params) {
  const found = messages[message];
  return fill(typeof found === "string" && found ? found : message, params);
}

/** The form of a message for the number `n` (also given to the text as {n}). */
export function tn(singular, plural, n, params) {
  const found = messages[singular];
  let text = n === 1 ? singular : plural;
  if (Array.isArray(found)) {
    const index = catalogue.plural_tags.indexOf(rules.select(n));
    text = found[index >= 0 ? index : found.length - 1] || text;
  }
  return fill(text, { n, ...params });
}

/** A number written the page's language's way. */
export function number(value, options) {
  return new Intl.NumberFormat(language, options).format(value);
}

/** A message with elements in it: the translated text split at its {placeholders}, each replaced by
 *  its value (a string or a DOM node), for `el(tag, attrs, ...tParts(...))`. */
export function tParts(message, params) {
  const found = messages[message];
  const text = typeof found === "string" && found ? found : message;
  return text.split(/(\{\w+\})/).filter((part) => part !== "").map((part) => {
    const name = part.match(/^\{(\w+)\}$/)?.[1];
    return name && name in params ? params[name] : part;
  });
}
