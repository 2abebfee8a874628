/** `850ms`, `4.2s`, `42s`, `3m 05s`, `2h 07m`, `3d 4h`: a span for people. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  const totalSeconds = Math.floor(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}m ${pad(totalSeconds % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A command's duration: `0.42ms`, `3.10ms`, `12.4ms`, `340ms`, then as formatDuration. */
export function formatMillis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 100) return `${ms.toFixed(1)}ms`;
  return formatDuration(ms);
}

/** The time between two ISO instants, or from `startedAt` to `now` while still running. */
export function spanBetween(
  startedAt: string,
  endedAt: string | null | undefined,
  now: Date,
): number | undefined {
  const start = Date.parse(startedAt);
  const end = endedAt ? Date.parse(endedAt) : now.getTime();
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : Math.max(0, end - start);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Whole seconds in the form `--for` accepts: `45s`, `30m`, `1h`, `1h30m`, `2d`, `1d12h`. */
export function shortDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  let rest = Math.round(seconds);
  if (rest === 0) return "0s";
  let text = "";
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text;
}
