// The control plane's environment contract: every bad variable is reported by name,
// with the fix, and its value (often a secret) never appears in the message.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { envSchema } from "../src/config/config.schema";
import { loadConfig } from "../src/config/load-config";

const valid: Record<string, string> = {
  DATABASE_URL: "postgresql://airlock@127.0.0.1:5432/airlock",
  AIRLOCK_MASTER_KEY: randomBytes(32).toString("base64"),
  AIRLOCK_GRPC_INSECURE: "true",
};

function problemsFor(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  return result.ok ? [] : result.problems;
}

// [variable, a bad value, the part of the value that must never be echoed]
const badValues: Array<[variable: string, value: string, secret: string]> = [
  ["DATABASE_URL", "mysql://root:Hunter2Secret@db/app", "Hunter2Secret"],
  ["DATABASE_URL", "not a url Hunter2Secret", "Hunter2Secret"],
  ["REDIS_URL", "http://:RedisSecret99@cache:6379", "RedisSecret99"],
  ["AIRLOCK_HTTP_HOST", "bad host-MARKER1", "bad host-MARKER1"],
  ["AIRLOCK_HTTP_PORT", "70001", "70001"],
  ["AIRLOCK_HTTP_PORT", "http-MARKER2", "http-MARKER2"],
  ["AIRLOCK_GRPC_HOST", "bad host-MARKER3", "bad host-MARKER3"],
  ["AIRLOCK_GRPC_PORT", "-17", "-17"],
  ["AIRLOCK_MASTER_KEY", "not-a-key-but-SECRET-VALUE-123", "SECRET-VALUE-123"],
  ["AIRLOCK_MASTER_KEY", randomBytes(16).toString("hex"), ""],
  ["AIRLOCK_MASTER_KEY", randomBytes(31).toString("base64"), ""],
  ["AIRLOCK_BOOTSTRAP_ADMIN_KEY", "alk_key_short_SECRETSECRET", "SECRETSECRET"],
  [
    "AIRLOCK_BOOTSTRAP_ADMIN_KEY",
    `alk_ctr_${randomBytes(6).toString("hex")}_${randomBytes(32).toString("base64url")}`,
    "",
  ],
  ["AIRLOCK_GRPC_INSECURE", "yes-MARKER4", "yes-MARKER4"],
  ["AIRLOCK_GRPC_MAX_MESSAGE_BYTES", "1234", "1234"],
  ["AIRLOCK_GRPC_MAX_MESSAGE_BYTES", "many-MARKER5", "many-MARKER5"],
  ["AIRLOCK_HEARTBEAT_INTERVAL_MS", "42", "42"],
  ["AIRLOCK_HEARTBEAT_INTERVAL_MS", "1.5e3x", "1.5e3x"],
  ["AIRLOCK_PG_MAX_FRAME_BYTES", "1024", "1024"],
  ["AIRLOCK_PG_MAX_FRAME_BYTES", "big-MARKER7", "big-MARKER7"],
  ["AIRLOCK_SESSION_OPEN_TIMEOUT_MS", "999", "999"],
  ["AIRLOCK_SESSION_OPEN_TIMEOUT_MS", "soon-MARKER8", "soon-MARKER8"],
  ["AIRLOCK_LOG_LEVEL", "verbose-MARKER6", "verbose-MARKER6"],
  ["AIRLOCK_AUDIT_COMMIT", "later-MARKER9", "later-MARKER9"],
  ["AIRLOCK_REDIS_PREFIX", "bad prefix-MARKER10", "bad prefix-MARKER10"],
  ["AIRLOCK_PUBLIC_URL", "ftp://user:UrlSecret11@host", "UrlSecret11"],
  ["AIRLOCK_WEBHOOK_BACKOFF_MS", "5", "5"],
  ["AIRLOCK_WEBHOOK_BACKOFF_MS", "soon-MARKER12", "soon-MARKER12"],
  ["AIRLOCK_WEBHOOK_ATTEMPTS", "21", "21"],
  ["AIRLOCK_RECORD_ROWS", "-3", "-3"],
  ["AIRLOCK_RECORD_BYTES", "lots-MARKER14", "lots-MARKER14"],
  ["AIRLOCK_MASK_VERIFY", "maybe-MARKER15", "maybe-MARKER15"],
  ["AIRLOCK_WEBHOOK_ATTEMPTS", "many-MARKER13", "many-MARKER13"],
  ["AIRLOCK_OIDC_ISSUER", "ldap://user:IdpSecret16@idp", "IdpSecret16"],
  ["AIRLOCK_OIDC_CLIENT_ID", "client-MARKER22", "client-MARKER22"],
  ["AIRLOCK_OIDC_SCOPES", "openid  two-spaces-MARKER17", "two-spaces-MARKER17"],
  ["AIRLOCK_OIDC_GROUPS_CLAIM", "bad claim-MARKER18", "bad claim-MARKER18"],
  ["AIRLOCK_OIDC_USERNAME_CLAIM", "a..b-MARKER19", "a..b-MARKER19"],
  ["AIRLOCK_OIDC_RECHECK_SECONDS", "never-MARKER23", "never-MARKER23"],
  ["AIRLOCK_IDENTITY_SWEEP_MS", "often-MARKER20", "often-MARKER20"],
  ["AIRLOCK_ACCESS_TOKEN_TTL_SECONDS", "5", "5"],
  ["AIRLOCK_LOGIN_MAX_AGE_SECONDS", "forever-MARKER21", "forever-MARKER21"],
  ["AIRLOCK_AUDIT_CHECKPOINT_SECONDS", "often-MARKER24", "often-MARKER24"],
  ["AIRLOCK_RETENTION_RESULT_ROWS_DAYS", "month-MARKER25", "month-MARKER25"],
  ["AIRLOCK_RETENTION_COMMANDS_DAYS", "year-MARKER26", "year-MARKER26"],
  ["AIRLOCK_RETENTION_AUDIT_DAYS", "36501", "36501"],
];

/** Variables the schema takes as any string: files and folders, checked elsewhere (or not at all). */
const anyString = [
  "AIRLOCK_GRPC_TLS_CERT_FILE",
  "AIRLOCK_GRPC_TLS_KEY_FILE",
  "AIRLOCK_GRPC_TLS_CLIENT_CA_FILE",
  "AIRLOCK_MIGRATIONS_DIR",
  "AIRLOCK_IDENTITY_MAPPING_FILE",
  "AIRLOCK_OIDC_CLIENT_SECRET",
];

describe("control plane config schema", () => {
  it("accepts the minimal valid environment", () => {
    expect(loadConfig(valid).ok).toBe(true);
  });

  it.each(badValues)("%s=%j is reported by name, without its value", (variable, value, secret) => {
    const problems = problemsFor({ ...valid, [variable]: value });
    const own = problems.filter((p) => p.startsWith(`${variable}: `));
    expect(own).toHaveLength(1);
    // Something beyond the name: what the variable must be.
    expect(own[0]!.length).toBeGreaterThan(variable.length + 10);
    for (const problem of problems) {
      expect(problem).not.toContain(value);
      if (secret !== "") expect(problem).not.toContain(secret);
    }
  });

  it.each(["DATABASE_URL", "AIRLOCK_MASTER_KEY"])("%s is required and says so", (variable) => {
    const { [variable]: _dropped, ...rest } = valid;
    for (const env of [rest, { ...rest, [variable]: "" }]) {
      const problems = problemsFor(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${variable}: is required`));
    }
  });

  it("reports every bad variable of one environment at once", () => {
    const problems = problemsFor({
      ...valid,
      AIRLOCK_HTTP_PORT: "x",
      AIRLOCK_LOG_LEVEL: "y",
      REDIS_URL: "z",
    });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "AIRLOCK_HTTP_PORT",
      "AIRLOCK_LOG_LEVEL",
      "REDIS_URL",
    ]);
  });

  it("treats an empty variable as unset (defaults apply)", () => {
    const result = loadConfig({ ...valid, AIRLOCK_HTTP_PORT: "", AIRLOCK_LOG_LEVEL: "" });
    expect(result.ok && result.config.http.port).toBe(8080);
    expect(result.ok && result.config.logLevel).toBe("info");
  });

  it("commits the write-ahead record durably unless told otherwise", () => {
    const byDefault = loadConfig(valid);
    expect(byDefault.ok && byDefault.config.auditCommit).toBe("sync");
    const relaxed = loadConfig({ ...valid, AIRLOCK_AUDIT_COMMIT: "async" });
    expect(relaxed.ok && relaxed.config.auditCommit).toBe("async");
  });

  it("needs the OIDC client id and secret once an issuer is set, and says so by name", () => {
    const problems = problemsFor({ ...valid, AIRLOCK_OIDC_ISSUER: "https://idp.example.com" });
    expect(problems.sort()).toEqual([
      "AIRLOCK_OIDC_CLIENT_ID: is required when AIRLOCK_OIDC_ISSUER is set",
      "AIRLOCK_OIDC_CLIENT_SECRET: is required when AIRLOCK_OIDC_ISSUER is set",
    ]);
    const on = loadConfig({
      ...valid,
      AIRLOCK_OIDC_ISSUER: "https://idp.example.com",
      AIRLOCK_OIDC_CLIENT_ID: "airlock",
      AIRLOCK_OIDC_CLIENT_SECRET: "s3cret-value",
      AIRLOCK_OIDC_SCOPES: "profile groups",
    });
    expect(on.ok && on.config.oidc?.scopes).toEqual(["openid", "profile", "groups"]);
    expect(on.ok && on.config.oidc?.groupsClaim).toBe("groups");
  });

  it("reports a mapping file that cannot be read, naming the variable and the file", () => {
    const problems = problemsFor({
      ...valid,
      AIRLOCK_IDENTITY_MAPPING_FILE: "/nonexistent/airlock-mapping.yaml",
    });
    expect(problems).toEqual([
      "AIRLOCK_IDENTITY_MAPPING_FILE: cannot read /nonexistent/airlock-mapping.yaml (ENOENT)",
    ]);
  });

  it("covers every variable of the schema in this table", () => {
    const tested = new Set([...badValues.map(([variable]) => variable), ...anyString]);
    expect(Object.keys(envSchema.shape).filter((name) => !tested.has(name))).toEqual([]);
  });
});
