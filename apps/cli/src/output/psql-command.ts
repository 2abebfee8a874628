/** Where psql should connect: the local listener of `airlock connect`. */
export interface PsqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dbname: string;
}

/**
 * `psql "host=127.0.0.1 port=5433 user=alice dbname=demo sslmode=disable"`, ready to paste
 * into a POSIX shell. No password: the control plane completes the login itself.
 * sslmode=disable because the hop to the local listener never leaves this machine.
 */
export function psqlCommand(target: PsqlTarget): string {
  const conninfo = [
    `host=${conninfoValue(target.host)}`,
    `port=${target.port}`,
    `user=${conninfoValue(target.user)}`,
    `dbname=${conninfoValue(target.dbname)}`,
    "sslmode=disable",
  ].join(" ");
  return `psql ${shellQuote(conninfo)}`;
}

/** A libpq keyword value: single-quoted (with \\ and ' escaped) when it needs to be. */
export function conninfoValue(value: string): string {
  if (value !== "" && !/[\s'\\]/.test(value)) return value;
  return `'${value.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;
}

/** Double quotes when nothing inside is special to the shell there, else single quotes. */
export function shellQuote(word: string): string {
  if (!/["$`\\!]/.test(word)) return `"${word}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
