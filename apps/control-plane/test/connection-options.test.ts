// Postgres connection options: TLS settings toward the target, validated on input
// (a CA bundle must parse as X.509), merged on PATCH, sent to the connector as strings.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { caCertificatesProblem } from "../src/connections/ca-certificates";
import {
  DEFAULT_OPTIONS,
  mergeOptions,
  optionsOf,
  storedOptions,
  targetOptions,
} from "../src/connections/connection-options";
import {
  ConnectionOptionsInput,
  ConnectionOptionsPatch,
  CreateConnectionBody,
} from "../src/connections/connection.schemas";
import type { ConnectionRecord } from "../src/connections/connection.repository";
import { toTargetSpec } from "../src/connections/target-spec";
import { ZodPipe } from "../src/validation/zod.pipe";

const CA = readFileSync(path.join(__dirname, "fixtures/ca.pem"), "utf8");
const KEY_PEM =
  "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

describe("CA certificate check", () => {
  it("accepts a PEM certificate, and a bundle of several", () => {
    expect(caCertificatesProblem(CA)).toBeUndefined();
    expect(caCertificatesProblem(`${CA}\n${CA}`)).toBeUndefined();
    expect(caCertificatesProblem(`Subject: test CA\n${CA}`)).toBeUndefined();
  });

  it.each<[string, string, RegExp]>([
    ["an empty string", "", /PEM-encoded CA certificates/],
    ["plain text", "hello", /PEM-encoded CA certificates/],
    ["base64 without armour", "MIIBijCCATGgAwIBAgIU", /PEM-encoded/],
    [
      "a corrupted body",
      CA.replace(/MII[A-Za-z]/, "MIIA").replace(/[a-z]{4}/, "zzzz"),
      /certificate 1 is not a valid X\.509/,
    ],
    [
      "a second bad certificate",
      `${CA}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
      /certificate 2/,
    ],
    ["a private key", KEY_PEM, /private key/],
    ["a certificate with its key", `${CA}${KEY_PEM}`, /private key/],
    [
      "a CSR",
      "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
      /is a CERTIFICATE REQUEST/,
    ],
  ])("refuses %s", (_what, text, problem) => {
    expect(caCertificatesProblem(text)).toMatch(problem);
  });
});

describe("options input", () => {
  it("defaults sslmode to prefer", () => {
    expect(ConnectionOptionsInput.parse({})).toEqual({ sslmode: "prefer" });
  });

  it("accepts verify-full without sslrootcert (the connector's system roots)", () => {
    expect(ConnectionOptionsInput.parse({ sslmode: "verify-full" })).toEqual({
      sslmode: "verify-full",
    });
  });

  it("accepts all three settings", () => {
    const options = { sslmode: "verify-full", sslrootcert: CA, sslservername: "db.internal" };
    expect(ConnectionOptionsInput.parse(options)).toEqual(options);
  });

  const body = { name: "pg", type: "postgres", connector: "edge", host: "h", port: 5432 };
  const pipe = new ZodPipe(CreateConnectionBody);
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["a malformed PEM", { sslrootcert: "not a pem" }, "options.sslrootcert", /PEM/],
    ["a private key as root cert", { sslrootcert: KEY_PEM }, "options.sslrootcert", /private key/],
    ["an unknown sslmode", { sslmode: "verify-ca" }, "options.sslmode", /"verify-full"/],
    [
      "a server name with spaces",
      { sslservername: "db internal" },
      "options.sslservername",
      /DNS name/,
    ],
    ["an unknown option", { sslcert: "x" }, "options.sslcert", /unknown field/],
    ["a non-string sslrootcert", { sslrootcert: 42 }, "options.sslrootcert", /string/],
  ])("refuses %s, naming the field", (_what, options, field, message) => {
    expect(() => pipe.transform({ ...body, options }, { type: "body" })).toThrow(
      expect.objectContaining({ field, message: expect.stringMatching(message) }),
    );
  });

  it("never echoes the PEM it refuses", () => {
    const bad = `${CA.slice(0, 200)}SECRET-LOOKING-TAIL`;
    let message = "";
    try {
      pipe.transform({ ...body, options: { sslrootcert: bad } }, { type: "body" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^body\.options\.sslrootcert: /);
    expect(message).not.toContain("SECRET-LOOKING-TAIL");
  });

  it("lets a PATCH clear sslrootcert and sslservername with null", () => {
    expect(ConnectionOptionsPatch.parse({ sslrootcert: null, sslservername: null })).toEqual({
      sslrootcert: null,
      sslservername: null,
    });
    expect(() => ConnectionOptionsPatch.parse({ sslmode: null })).toThrow();
  });
});

describe("stored options", () => {
  it("reads a row from before options existed as the defaults", () => {
    expect(optionsOf({})).toEqual(DEFAULT_OPTIONS);
    expect(optionsOf(null)).toEqual(DEFAULT_OPTIONS);
    expect(optionsOf({ sslmode: "bogus", sslrootcert: 3 })).toEqual(DEFAULT_OPTIONS);
  });

  it("merges a PATCH key by key: given keys replace, null clears, absent keys stay", () => {
    const current = { sslmode: "verify-full" as const, sslrootcert: CA, sslservername: "db" };
    expect(mergeOptions(current, { sslmode: "require" })).toEqual({
      ...current,
      sslmode: "require",
    });
    expect(mergeOptions(current, { sslrootcert: null })).toEqual({ ...current, sslrootcert: null });
    expect(mergeOptions(current, {})).toEqual(current);
  });

  it("stores and sends only the set keys, sslmode always", () => {
    expect(storedOptions(DEFAULT_OPTIONS)).toEqual({ sslmode: "prefer" });
    expect(optionsOf(storedOptions(DEFAULT_OPTIONS))).toEqual(DEFAULT_OPTIONS);
    expect(
      targetOptions({ sslmode: "verify-full", sslrootcert: CA, sslservername: "db.internal" }),
    ).toEqual({ sslmode: "verify-full", sslrootcert: CA, sslservername: "db.internal" });
  });
});

describe("TargetSpec for the connector", () => {
  const row = (options: unknown) =>
    ({
      type: "postgres",
      host: "db.internal",
      port: 5432,
      database: "app",
      username: null,
      options,
    }) as unknown as ConnectionRecord;
  const none = { source: { $case: "none", value: {} } } as const;

  it("carries the stored options as strings", () => {
    const spec = toTargetSpec(
      row({ sslmode: "verify-full", sslrootcert: CA, sslservername: "pg.example.com" }),
      none,
    );
    expect(spec.options).toEqual({
      sslmode: "verify-full",
      sslrootcert: CA,
      sslservername: "pg.example.com",
    });
    expect(spec).toMatchObject({
      engine: "postgres",
      host: "db.internal",
      database: "app",
      username: "",
    });
  });

  it("sends sslmode prefer for a row from before options existed", () => {
    expect(toTargetSpec(row({}), none).options).toEqual({ sslmode: "prefer" });
  });
});
