const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export const DURATION_HINT = 'use a number and a unit, e.g. "45s", "30m", "1h" or "1h30m"';

/** Milliseconds of a duration such as "45s", "30m", "1h", "1h30m", "2d"; undefined if invalid. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null || text === "") return undefined;
  const [, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const ms = ((((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60 + (s ?? 0)) * 1000;
  return ms > 0 ? ms : undefined;
}
