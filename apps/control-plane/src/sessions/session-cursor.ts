// The opaque paging cursor of GET /api/v1/sessions: the (startedAt, id) of the last
// session on a page, base64url-encoded. Callers pass it back unchanged; its inside
// is not part of the contract and may change.
import { isUuid } from "../validation/common.schemas";

export interface SessionCursor {
  startedAt: Date;
  id: string;
}

const VERSION = "1";

export function encodeCursor(cursor: SessionCursor): string {
  return Buffer.from(`${VERSION}|${cursor.startedAt.toISOString()}|${cursor.id}`, "utf8").toString(
    "base64url",
  );
}

/** The cursor, or undefined when `text` is not one this API handed out. */
export function decodeCursor(text: string): SessionCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const parts = Buffer.from(text, "base64url").toString("utf8").split("|");
  if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
  const [, at, id] = parts as [string, string, string];
  const startedAt = new Date(at);
  if (Number.isNaN(startedAt.getTime()) || startedAt.toISOString() !== at) return undefined;
  if (!isUuid(id)) return undefined;
  return { startedAt, id: id.toLowerCase() };
}
