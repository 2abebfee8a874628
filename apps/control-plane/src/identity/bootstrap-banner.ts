// The one place a secret is written out: the first admin key, once, on stderr,
// outside the structured log (which goes to stdout and never carries it).

export function printAdminKeyBanner(key: string): void {
  const rule = "=".repeat(78);
  process.stderr.write(
    [
      rule,
      " Airlock created the first admin API key. It is shown only this once:",
      "",
      `   ${key}`,
      "",
      " Store it now; Airlock keeps only its hash. Send it as",
      "   Authorization: Bearer <key>",
      " and create more keys (then revoke this one) with POST /api/v1/api-keys.",
      rule,
      "",
    ].join("\n"),
  );
}
