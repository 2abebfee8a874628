import { NoticeFields } from "./messages";

export type NamedNoticeField = Exclude<keyof NoticeFields, "other">;

/**
 * ErrorResponse / NoticeResponse field codes and their names, in the order Postgres writes
 * them (src/backend/utils/error/elog.c, send_message_to_frontend).
 */
export const NOTICE_FIELD_CODES: readonly (readonly [string, NamedNoticeField])[] = [
  ["S", "severity"],
  ["V", "severityNonLocalized"],
  ["C", "code"],
  ["M", "message"],
  ["D", "detail"],
  ["H", "hint"],
  ["W", "where"],
  ["s", "schema"],
  ["t", "table"],
  ["c", "column"],
  ["d", "dataType"],
  ["n", "constraint"],
  ["P", "position"],
  ["p", "internalPosition"],
  ["q", "internalQuery"],
  ["F", "file"],
  ["L", "line"],
  ["R", "routine"],
];

const NAME_BY_CODE: ReadonlyMap<number, NamedNoticeField> = new Map(
  NOTICE_FIELD_CODES.map(([code, name]) => [code.charCodeAt(0), name]),
);

/** The property name for a field code byte, or undefined for codes kept in `other`. */
export function noticeFieldName(codeByte: number): NamedNoticeField | undefined {
  return NAME_BY_CODE.get(codeByte);
}
