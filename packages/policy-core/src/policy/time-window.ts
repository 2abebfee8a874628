import type { Day, RuleMatch } from "./types";

// Time windows, computed from the `now` the caller passes, in a named IANA time zone.
// Intl.DateTimeFormat is pure given its inputs; formatters are memoised per zone.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since midnight of "HH:MM" (24-hour), or undefined. */
export function parseClock(text: string): number | undefined {
  const m = HHMM.exec(text);
  return m === null ? undefined : Number(m[1]) * 60 + Number(m[2]);
}

/** The local weekday and minute of the day of `now` in `timeZone`. */
export function localTime(now: Date, timeZone: string): { day: Day; minutes: number } {
  let day = "";
  let hour = 0;
  let minute = 0;
  for (const part of formatter(timeZone).formatToParts(now)) {
    if (part.type === "weekday") day = part.value.toLowerCase();
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { day: day as Day, minutes: hour * 60 + minute };
}

/**
 * Whether `now` falls in the window: on one of `days` (local day), between `from`
 * (inclusive) and `to` (exclusive); a window with from > to wraps past midnight.
 * Throws on an invalid zone or clock (validatePolicy rejects both).
 */
export function inTimeWindow(time: NonNullable<RuleMatch["time"]>, now: Date): boolean {
  const local = localTime(now, time.timezone);
  if (time.days !== undefined && !time.days.includes(local.day)) return false;
  if (time.hours === undefined) return true;
  const from = parseClock(time.hours.from);
  const to = parseClock(time.hours.to);
  if (from === undefined || to === undefined) {
    throw new Error(`invalid hours ${time.hours.from}–${time.hours.to}`);
  }
  return from <= to
    ? local.minutes >= from && local.minutes < to
    : local.minutes >= from || local.minutes < to;
}
