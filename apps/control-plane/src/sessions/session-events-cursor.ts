// The opaque paging cursor of GET /api/v1/sessions/:id/events: the sort key of the last
// entry on a page (its time, its kind's rank and its id within the kind), base64url-encoded.
// Callers pass it back unchanged; its inside is not part of the contract and may change.

export interface TimelineKey {
  /** The entry's time as ordered: never before the session started. */
  sortAt: Date;
  /** The kind's place among entries of the same millisecond (see TIMELINE_RANKS). */
  rank: number;
  /** The entry's id within its kind: a seq, or an audit event id. */
  key: bigint;
}

const VERSION = "t1";

export function encodeTimelineCursor(cursor: TimelineKey): string {
  const text = `${VERSION}|${cursor.sortAt.toISOString()}|${cursor.rank}|${cursor.key.toString()}`;
  return Buffer.from(text, "utf8").toString("base64url");
}

/** The cursor, or undefined when `text` is not one this API handed out. */
export function decodeTimelineCursor(text: string): TimelineKey | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const parts = Buffer.from(text, "base64url").toString("utf8").split("|");
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [, at, rank, key] = parts as [string, string, string, string];
  const sortAt = new Date(at);
  if (Number.isNaN(sortAt.getTime()) || sortAt.toISOString() !== at) return undefined;
  if (!/^[0-4]$/.test(rank) || !/^\d{1,19}$/.test(key)) return undefined;
  return { sortAt, rank: Number(rank), key: BigInt(key) };
}
