// What an audited change changed: the fields whose values differ, with old and new values
// (values compared as JSON). Fields in `namedOnly` are listed but their values left out
// (a credential, a certificate).

export interface FieldDiff {
  changed: string[];
  from: Record<string, unknown>;
  to: Record<string, unknown>;
}

export function fieldDiff(
  was: Record<string, unknown>,
  now: Record<string, unknown>,
  namedOnly: ReadonlySet<string> = new Set(),
): FieldDiff {
  const diff: FieldDiff = { changed: [], from: {}, to: {} };
  for (const [field, value] of Object.entries(now)) {
    if (JSON.stringify(value) === JSON.stringify(was[field])) continue;
    diff.changed.push(field);
    if (namedOnly.has(field)) continue;
    diff.from[field] = was[field];
    diff.to[field] = value;
  }
  return diff;
}
