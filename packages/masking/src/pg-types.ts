// How a column's Postgres type decides what masking may do to it (docs/design/0007).

/** Text-like: any string is a valid value, so every strategy's output is (OIDs 25, 1043, 1042, 19, 705). */
const TEXT_OIDS = new Set([25, 1043, 1042, 19, 705]);
const JSON_OID = 114;
const JSONB_OID = 3802;
const XML_OID = 142;

/**
 * - `text`: column rules give the strategy's output; detectors replace matches in place.
 * - `json` (json, jsonb) and `xml`: detectors replace matches in place (outputs are
 *   JSON-string-safe and contain no markup); a column rule gives NULL.
 * - `other` (numbers, dates, uuid, arrays, and types we do not know such as citext): a
 *   column rule gives NULL; detectors never run.
 */
export type TypeClass = "text" | "json" | "xml" | "other";

export function typeClassOf(typeOid: number): TypeClass {
  if (TEXT_OIDS.has(typeOid)) return "text";
  if (typeOid === JSON_OID || typeOid === JSONB_OID) return "json";
  if (typeOid === XML_OID) return "xml";
  return "other";
}

/** Bytes before the text in a binary-format value of this type: jsonb's version byte. */
export function binaryPrefixLength(typeOid: number): number {
  return typeOid === JSONB_OID ? 1 : 0;
}

export const JSONB_BINARY_VERSION = 1;
export const JSONB_TYPE_OID = JSONB_OID;
