// Rows affected or returned, from a CommandComplete tag: `INSERT 0 5`, `UPDATE 3`,
// `SELECT 10`, `COPY 7`… Tags without a count (`CREATE TABLE`, `BEGIN`) give null.

const COUNTED = new Set(["INSERT", "UPDATE", "DELETE", "MERGE", "SELECT", "COPY", "FETCH", "MOVE"]);

export function rowsFromTag(tag: string): number | null {
  const space = tag.indexOf(" ");
  if (space < 0) return null;
  const verb = tag.slice(0, space);
  if (!COUNTED.has(verb)) return null;
  // The count is the last word (INSERT carries an oid before it).
  const last = tag.slice(tag.lastIndexOf(" ") + 1);
  if (!/^\d+$/.test(last)) return null;
  const count = Number(last);
  return Number.isSafeInteger(count) ? count : null;
}
