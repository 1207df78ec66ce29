// Exercise times as people write them and as pages show them: the grammar of the server's
// app/engine/timefmt.py (h:mm:ss, mm:ss, 90s, 5m, 1h30m, 1h30m15s; a bare number is refused,
// since "90" could mean seconds or minutes), so a page never accepts what the server refuses.
// tests/js/test_timefmt.py runs this module over the server's own test cases.
import { t } from "./i18n.js";

// h:mm:ss or mm:ss; the first part may have any number of digits ("90:00" is 90 minutes).
const CLOCK = /^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$/;
// 1h30m15s, 2h, 90s, 1.5h; each unit at most once, largest first, spaces allowed between parts.
const UNITS = /^(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?$/;
const BARE_NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const EXAMPLES = t("write e.g. 90s, 90m or 1:30:00");

/** A time that cannot be read; the message says what to write instead. */
export class TimeFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = "TimeFormatError";
  }
}

const quoted = (text) => (text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text}'`);

/** Seconds from `hh:mm:ss`, `mm:ss` or `1h30m15s`-style text; throws TimeFormatError when unclear. */
export function parseDuration(text) {
  if (typeof text === "number") throw new TimeFormatError(t("{text} is a bare number: seconds or minutes? {EXAMPLES}", { text, EXAMPLES }));
  if (typeof text !== "string") throw new TimeFormatError(t("expected a time, got {value}; {EXAMPLES}", { value: JSON.stringify(text) ?? typeof text, EXAMPLES }));
  const trimmed = text.trim();
  const cleaned = trimmed.toLowerCase();
  if (!cleaned) throw new TimeFormatError(t("empty time; {EXAMPLES}", { EXAMPLES }));
  if (BARE_NUMBER.test(cleaned)) {
    throw new TimeFormatError(t("{value} is a bare number: seconds or minutes? {EXAMPLES}", { value: quoted(trimmed), EXAMPLES }));
  }
  if (cleaned.startsWith("-")) throw new TimeFormatError(t("time {value} is negative; exercise times start at 0", { value: quoted(trimmed) }));

  const clock = cleaned.match(CLOCK);
  if (clock) return clockSeconds(trimmed, clock[1], clock[2], clock[3]);

  const units = cleaned.match(UNITS);
  if (units && (units[1] || units[2] || units[3])) {
    const [hours, minutes, seconds] = units.slice(1).map((part) => (part ? Number(part) : 0));
    return hours * 3600 + minutes * 60 + seconds;
  }
  throw new TimeFormatError(t("cannot read {value} as a time; write h:mm:ss (1:20:00), mm:ss (08:30) or units largest first (90s, 5m, 1h30m, 1h30m15s)",
    { value: quoted(trimmed) }));
}

function clockSeconds(text, first, second, third) {
  if (third === undefined) {  // mm:ss
    if (Number(second) >= 60) throw new TimeFormatError(t("{value}: seconds must be below 60 in mm:ss", { value: quoted(text) }));
    return Number(first) * 60 + Number(second);
  }
  const [hours, minutes, seconds] = [Number(first), Number(second), Number(third)];
  if (minutes >= 60 || seconds >= 60) {
    throw new TimeFormatError(t("{value}: minutes and seconds must be below 60 in h:mm:ss", { value: quoted(text) }));
  }
  return hours * 3600 + minutes * 60 + seconds;
}

/** Seconds from what someone typed, or null when it is not a time (for hints as they type). */
export function readDuration(text) {
  try {
    return parseDuration(text);
  } catch (err) {
    if (err instanceof TimeFormatError) return null;
    throw err;
  }
}

/** Seconds as `h:mm:ss` (`0:08:00`, `-0:00:30`); fractions of a second are dropped. */
export function formatDuration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) {
    throw new TimeFormatError(`cannot format ${seconds} as a time`);
  }
  let rest = Math.floor(Math.abs(seconds));
  const sign = seconds < 0 && rest ? "-" : "";
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  return `${sign}${hours}:${String(minutes).padStart(2, "0")}:${String(rest).padStart(2, "0")}`;
}

/** An exercise time on a page: `h:mm:ss`, or a dash when there is none. */
export function clockTime(seconds) {
  return typeof seconds === "number" && Number.isFinite(seconds) ? formatDuration(seconds) : "—";
}

/** "in 4:10" / "4:10 ago" for a countdown to an exercise time. */
export function countdown(targetS, nowS) {
  if (targetS === null || targetS === undefined) return "";
  const diff = targetS - nowS;
  const text = clockTime(Math.abs(diff)).replace(/^0:/, "");
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}
