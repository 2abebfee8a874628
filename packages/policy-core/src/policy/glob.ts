// Globs: `*` matches any run of characters (dots included), `?` one character.

const compiled = new Map<string, RegExp>();

export function globMatches(glob: string, value: string, caseInsensitive: boolean): boolean {
  const key = `${caseInsensitive ? "i" : "s"}${glob}`;
  let re = compiled.get(key);
  if (re === undefined) {
    const source = glob
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${source}$`, caseInsensitive ? "is" : "s");
    compiled.set(key, re);
  }
  return re.test(value);
}

/** Split `schema.name` at the first dot; no dot → schema undefined. */
export function splitQualified(name: string): { schema: string | undefined; name: string } {
  const dot = name.indexOf(".");
  return dot < 0
    ? { schema: undefined, name }
    : { schema: name.slice(0, dot), name: name.slice(dot + 1) };
}
