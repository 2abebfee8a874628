import { UsageError } from "../errors";

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90s`, `30m`, `1h`, `1h30m`, `2d`, `1w` → milliseconds; undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const text = value.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) {
    total += Number(amount) * (UNIT_MS[unit ?? ""] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}

/**
 * `--since 1h` (that long before `now`) or `--since 2025-11-25T10:00:00Z` (an ISO date or
 * time; without a zone it is local time, a date alone is local midnight) → the ISO instant
 * for the API's `from`/`to`.
 */
export function parseSince(value: string, now: Date, flag = "--since"): string {
  const span = parseDuration(value);
  if (span !== undefined) return new Date(now.getTime() - span).toISOString();
  const text = value.trim();
  const iso = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}(:?\d{2})?)?)?$/i.test(text);
  const time = iso ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00` : text) : NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(
      `${flag}: expected a duration like 30m, 1h, 2d or 1h30m, or an ISO time like 2025-11-25T10:00:00Z; got "${value}"`,
    );
  }
  return new Date(time).toISOString();
}
