// JSON with object keys sorted at every level: two documents are the same policy
// exactly when their canonical forms are equal, whatever the key order or the
// formatting they were written in (JSONB does not keep key order either).

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const inner = (value as Record<string, unknown>)[key];
    // JSON drops undefined members; so must the comparison.
    if (inner !== undefined) sorted[key] = sortKeys(inner);
  }
  return sorted;
}
