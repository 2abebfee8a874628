// The search_path a session starts with, from its StartupMessage: a `search_path`
// parameter, or `-c search_path=…` / `--search_path=…` in `options` (what PGOPTIONS
// sets). Read the way Postgres reads them (pg_split_opts, then SplitIdentifierString),
// so the gateway and the server agree on which schemas unqualified names resolve to.
// Without either, the session starts with Postgres' default, `"$user", public` (a role's
// or database's own `ALTER … SET search_path` is not visible to the gateway).

/** Postgres' built-in default (what RESET restores when the startup set nothing). */
export const DEFAULT_SEARCH_PATH: readonly string[] = ["$user", "public"];

export type StartupSearchPath = { path: readonly string[] } | { problem: string };

export function startupSearchPath(parameters: Record<string, string>): StartupSearchPath {
  const values: string[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    if (isSearchPath(name)) values.push(value);
  }
  const options = Object.entries(parameters).find(([name]) => name.toLowerCase() === "options");
  if (options !== undefined) values.push(...settingsIn(splitOptions(options[1])));
  if (values.length === 0) return { path: DEFAULT_SEARCH_PATH };
  const schemas: string[] = [];
  for (const value of values) {
    const path = splitIdentifierList(value);
    if (path === undefined) {
      return {
        problem:
          `the startup search_path "${value.slice(0, 200)}" is not a valid list of schema ` +
          "names; write it as in SET search_path (e.g. -c search_path=app,public)",
      };
    }
    // Set twice (a parameter and an option): the gateway keeps every schema as a candidate.
    for (const schema of path) if (!schemas.includes(schema)) schemas.push(schema);
  }
  return { path: schemas };
}

/**
 * Every `search_path=value` in the options' arguments, however it is introduced
 * (`-c x=v`, `-cx=v`, `--x=v`, after other short flags): any argument naming the setting
 * counts, so no spelling hides one from the gateway (a stray match only adds candidates).
 */
function settingsIn(args: readonly string[]): string[] {
  const values: string[] = [];
  for (const arg of args) {
    const match = /search[_-]path=/i.exec(arg);
    if (match !== null) values.push(arg.slice(match.index + match[0].length));
  }
  return values;
}

/** GUC names ignore case, and in options `-` stands for `_`. */
function isSearchPath(name: string): boolean {
  return name.toLowerCase().replace(/-/g, "_") === "search_path";
}

/** pg_split_opts: arguments split on whitespace; a backslash makes the next character literal. */
export function splitOptions(options: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < options.length) {
    while (i < options.length && isSpace(options.charAt(i))) i++;
    if (i >= options.length) break;
    let arg = "";
    while (i < options.length && !isSpace(options.charAt(i))) {
      if (options.charAt(i) === "\\" && i + 1 < options.length) i++;
      arg += options.charAt(i);
      i++;
    }
    args.push(arg);
  }
  return args;
}

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f" || ch === "\v";
}

/**
 * SplitIdentifierString(value, ','): unquoted names lowercased (ASCII, as Postgres does
 * for UTF-8), double-quoted ones kept with `""` as `"`. Undefined when malformed.
 */
export function splitIdentifierList(value: string): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < value.length && isSpace(value.charAt(i))) i++;
  };
  skipSpace();
  if (i >= value.length) return names;
  for (;;) {
    let name = "";
    if (value.charAt(i) === '"') {
      i++;
      for (;;) {
        if (i >= value.length) return undefined;
        if (value.charAt(i) === '"') {
          if (value.charAt(i + 1) !== '"') break;
          i++;
        }
        name += value.charAt(i);
        i++;
      }
      i++;
      if (name === "") return undefined;
    } else {
      while (i < value.length && value.charAt(i) !== "," && !isSpace(value.charAt(i))) {
        name += value.charAt(i);
        i++;
      }
      if (name === "") return undefined;
      name = name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
    }
    names.push(name);
    skipSpace();
    if (i >= value.length) return names;
    if (value.charAt(i) !== ",") return undefined;
    i++;
    skipSpace();
  }
}
