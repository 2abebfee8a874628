import type { ResultColumn } from "../src/index";

export const KEY = Buffer.alloc(32, 7);

export const OID = {
  text: 25,
  varchar: 1043,
  bpchar: 1042,
  name: 19,
  int4: 23,
  int8: 20,
  numeric: 1700,
  uuid: 2950,
  timestamptz: 1184,
  json: 114,
  jsonb: 3802,
  xml: 142,
  /** An extension type such as citext: its OID is not fixed, so masking does not know it. */
  citext: 16385,
} as const;

export function col(
  name: string,
  source: string | null,
  typeOid: number = OID.text,
  format = 0,
): ResultColumn {
  return { name, source, typeOid, format };
}

export function row(...values: (string | null)[]): (Buffer | null)[] {
  return values.map((v) => (v === null ? null : Buffer.from(v, "utf8")));
}

export function strings(
  values: readonly (Buffer | null)[] | undefined,
): (string | null)[] | undefined {
  return values?.map((v) => (v === null ? null : v.toString("utf8")));
}
