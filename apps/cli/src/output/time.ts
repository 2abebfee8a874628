/** `12s ago`, `5m ago`, `3h ago`, `2d ago`; `in 5m` for a time ahead of the local clock. */
export function formatRelative(iso: string, now: Date): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now.getTime() - then) / 1000);
  const span = humanSpan(Math.abs(seconds));
  if (span === "now") return "just now";
  return seconds >= 0 ? `${span} ago` : `in ${span}`;
}

/** `2025-11-25 23:40:01 UTC (12s ago)`, or `never` when absent. */
export function formatTimestamp(
  iso: string | null | undefined,
  now: Date,
  absent = "never",
): string {
  if (iso === undefined || iso === null || iso === "") return absent;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const utc = new Date(time)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
  return `${utc} (${formatRelative(iso, now)})`;
}

/** Relative time for table cells, `-` or `never` when absent. */
export function formatAge(iso: string | null | undefined, now: Date, absent = "-"): string {
  return iso === undefined || iso === null || iso === "" ? absent : formatRelative(iso, now);
}

function humanSpan(seconds: number): string {
  if (seconds < 1) return "now";
  if (seconds < 90) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours}h`;
  return `${Math.round(hours / 24)}d`;
}
