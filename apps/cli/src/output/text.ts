/**
 * Values shown in tables come from the server and, for connector hostnames and versions, from
 * whoever holds a connector token. Control characters are escaped so that no value can move
 * the cursor, recolour the terminal or forge extra lines of output.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function sanitize(value: string): string {
  return value.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** `-` for absent or empty values, so columns never look shifted. */
export function orDash(value: string | null | undefined): string {
  return value === undefined || value === null || value === "" ? "-" : value;
}
