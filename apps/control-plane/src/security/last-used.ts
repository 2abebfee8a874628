/** lastUsedAt is written at most this often per key or token (not on every request). */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export function lastUsedIsStale(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= LAST_USED_WRITE_INTERVAL_MS;
}
