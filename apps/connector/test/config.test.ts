import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";

const token = `alk_ctr_0123456789ab_${"Ab1-_".repeat(8)}abc`;
const base = { AIRLOCK_CONTROL_PLANE: "127.0.0.1:8090", AIRLOCK_CONNECTOR_TOKEN: token };
const defaults = { hostname: "test-host" };

function problems(env: NodeJS.ProcessEnv): readonly string[] {
  const result = parseConfig(env, defaults);
  if (result.ok) throw new Error("expected the config to be refused");
  return result.problems;
}

describe("connector config", () => {
  it("applies the documented defaults", () => {
    const result = parseConfig(base, defaults);
    expect(result).toEqual({
      ok: true,
      config: {
        controlPlane: "127.0.0.1:8090",
        token,
        tlsCa: undefined,
        tlsCaFile: undefined,
        insecure: false,
        logLevel: "info",
        drainTimeoutMs: 30_000,
        reconnectBaseMs: 250,
        reconnectMaxMs: 30_000,
        hostname: "test-host",
      },
    });
  });

  it("names both required variables when nothing is set", () => {
    const found = problems({});
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^AIRLOCK_CONTROL_PLANE: is not set; /);
    expect(found[1]).toMatch(
      /^AIRLOCK_CONNECTOR_TOKEN: is not set; .*airlock admin connectors token create/,
    );
  });

  it.each([
    ["a malformed token", "alk_ctr_short_SECRET"],
    ["an API key", `alk_key_0123456789ab_${"x".repeat(43)}`],
    ["a token with a trailing newline", `${token}\n`],
    ["upper-case hex in the id", `alk_ctr_0123456789AB_${"x".repeat(43)}`],
  ])("refuses %s without echoing it", (_name, value) => {
    const found = problems({ ...base, AIRLOCK_CONNECTOR_TOKEN: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^AIRLOCK_CONNECTOR_TOKEN: /);
    expect(found[0]).not.toContain(value.trim());
  });

  it.each([
    ["no port", "no-port-here", /expected host:port/],
    ["a scheme", "https://cp.example.com:8090", /without a scheme/],
    ["a port out of range", "cp:70000", /1 to 65535/],
    ["port zero", "cp:0", /1 to 65535/],
  ])("refuses a control-plane address with %s", (_name, value, message) => {
    const found = problems({ ...base, AIRLOCK_CONTROL_PLANE: value });
    expect(found).toEqual([expect.stringMatching(/^AIRLOCK_CONTROL_PLANE: /)]);
    expect(found[0]).toMatch(message);
  });

  it("accepts host names and bracketed IPv6 addresses", () => {
    for (const address of ["cp.example.com:8090", "localhost:1", "[::1]:8090", "10.0.0.7:443"]) {
      expect(parseConfig({ ...base, AIRLOCK_CONTROL_PLANE: address }, defaults).ok).toBe(true);
    }
  });

  it("turns TLS off only for an explicit AIRLOCK_INSECURE=true", () => {
    const on = parseConfig({ ...base, AIRLOCK_INSECURE: "true" }, defaults);
    const off = parseConfig({ ...base, AIRLOCK_INSECURE: "false" }, defaults);
    expect(on.ok && on.config.insecure).toBe(true);
    expect(off.ok && off.config.insecure).toBe(false);
    expect(problems({ ...base, AIRLOCK_INSECURE: "1" })).toEqual([
      expect.stringMatching(/^AIRLOCK_INSECURE: expected "true"/),
    ]);
  });

  it("reads the CA file, and names a missing or non-PEM file", () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-connector-config-"));
    const pem = join(dir, "ca.pem");
    copyFileSync(join(__dirname, "fixtures", "ca.pem"), pem);
    const garbled = join(dir, "garbled.pem");
    writeFileSync(garbled, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const notPem = join(dir, "notes.txt");
    writeFileSync(notPem, "hello");

    const result = parseConfig({ ...base, AIRLOCK_TLS_CA_FILE: pem }, defaults);
    expect(result.ok && result.config.tlsCa?.toString()).toContain("BEGIN CERTIFICATE");
    expect(problems({ ...base, AIRLOCK_TLS_CA_FILE: join(dir, "missing.pem") })[0]).toMatch(
      /^AIRLOCK_TLS_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/,
    );
    expect(problems({ ...base, AIRLOCK_TLS_CA_FILE: notPem })[0]).toMatch(
      /holds no PEM certificate/,
    );
    expect(problems({ ...base, AIRLOCK_TLS_CA_FILE: pem, AIRLOCK_INSECURE: "true" })).toEqual([
      expect.stringMatching(/^AIRLOCK_TLS_CA_FILE: is set but AIRLOCK_INSECURE=true/),
    ]);
  });

  it("checks numbers, ranges and the log level", () => {
    expect(problems({ ...base, AIRLOCK_DRAIN_TIMEOUT_MS: "soon" })).toEqual([
      expect.stringMatching(/^AIRLOCK_DRAIN_TIMEOUT_MS: expected an integer/),
    ]);
    expect(
      problems({ ...base, AIRLOCK_RECONNECT_BASE_MS: "5000", AIRLOCK_RECONNECT_MAX_MS: "1000" }),
    ).toEqual([
      expect.stringMatching(/^AIRLOCK_RECONNECT_BASE_MS: is larger than AIRLOCK_RECONNECT_MAX_MS/),
    ]);
    expect(problems({ ...base, AIRLOCK_LOG_LEVEL: "loud" })).toEqual([
      expect.stringMatching(/^AIRLOCK_LOG_LEVEL: expected one of/),
    ]);
  });

  it("treats empty optional variables as unset", () => {
    const result = parseConfig(
      { ...base, AIRLOCK_LOG_LEVEL: "", AIRLOCK_TLS_CA_FILE: "", AIRLOCK_CONNECTOR_HOSTNAME: "" },
      defaults,
    );
    expect(
      result.ok && [result.config.logLevel, result.config.tlsCa, result.config.hostname],
    ).toEqual(["info", undefined, "test-host"]);
  });
});
