import { sanitize } from "./text";

/** The fields of a Postgres ErrorResponse or NoticeResponse that `airlock exec` shows. */
export interface ServerMessage {
  readonly severity?: string | undefined;
  readonly code?: string | undefined;
  readonly message?: string | undefined;
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
}

/** `error: <message> (SQLSTATE <code>)`, then `DETAIL: …` and `HINT: …` lines when present. */
export function formatServerError(error: ServerMessage): string {
  const code = error.code ? ` (SQLSTATE ${error.code})` : "";
  return `error: ${text(error.message ?? "unknown error")}${code}\n${extraLines(error)}`;
}

/** `NOTICE: <message>` (or WARNING, INFO…), then `DETAIL: …` and `HINT: …` lines when present. */
export function formatNotice(notice: ServerMessage): string {
  return `${text(notice.severity ?? "NOTICE")}: ${text(notice.message ?? "")}\n${extraLines(notice)}`;
}

function extraLines(message: ServerMessage): string {
  let lines = "";
  if (message.detail) lines += `DETAIL: ${text(message.detail)}\n`;
  if (message.hint) lines += `HINT: ${text(message.hint)}\n`;
  return lines;
}

/** Server text may span lines; each line is kept, control characters in it are escaped. */
function text(value: string): string {
  return value.split("\n").map(sanitize).join("\n");
}
