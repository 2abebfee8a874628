/** `--output json`: pretty-printed, one trailing newline, for jq and scripts. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
