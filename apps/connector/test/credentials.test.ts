import { inspect } from "node:util";
import { CloseCode } from "@airlock/proto";
import { describe, expect, it } from "vitest";
import { readSecretEnv, resolveCredential } from "../src/credentials";
import { SessionError } from "../src/engines/session-error";

const env = {
  AIRLOCK_SECRET_PG: "s3cret-value",
  AIRLOCK_CONNECTOR_TOKEN: "alk_ctr_x",
  HOME: "/root",
};

function refusal(run: () => unknown): SessionError {
  try {
    run();
  } catch (err) {
    if (err instanceof SessionError) return err;
    throw err;
  }
  throw new Error("expected a SessionError");
}

describe("credential resolution", () => {
  it("resolves no credential and an explicit none to none", () => {
    expect(resolveCredential(undefined, env)).toEqual({ kind: "none" });
    expect(resolveCredential({ source: { $case: "none", value: {} } }, env)).toEqual({
      kind: "none",
    });
  });

  it("passes an inline password through as a redacted secret", () => {
    const resolved = resolveCredential({ source: { $case: "password", value: "inline-pw" } }, env);
    expect(resolved.kind === "password" && resolved.password.reveal()).toBe("inline-pw");
    expect(JSON.stringify(resolved)).not.toContain("inline-pw");
    expect(inspect(resolved)).not.toContain("inline-pw");
    expect(resolved.kind === "password" && String(resolved.password)).toBe("[redacted]");
  });

  it("resolves an AIRLOCK_SECRET_* reference", () => {
    const resolved = resolveCredential(
      { source: { $case: "envRef", value: "AIRLOCK_SECRET_PG" } },
      env,
    );
    expect(resolved.kind === "password" && resolved.password.reveal()).toBe("s3cret-value");
  });

  it("fails closed on an unset reference, naming the variable but not a value", () => {
    const err = refusal(() => readSecretEnv("AIRLOCK_SECRET_MISSING", env));
    expect(err.code).toBe(CloseCode.CLOSE_CODE_NOT_FOUND);
    expect(err.message).toMatch(/AIRLOCK_SECRET_MISSING is not set on the connector host/);
  });

  it.each([
    "AIRLOCK_CONNECTOR_TOKEN",
    "HOME",
    "airlock_secret_pg",
    "AIRLOCK_SECRET_",
    "AIRLOCK_SECRET_PG-2",
    "X_AIRLOCK_SECRET_PG",
  ])("refuses to read %s", (name) => {
    const err = refusal(() => readSecretEnv(name, env));
    expect(err.code).toBe(CloseCode.CLOSE_CODE_INVALID_INPUT);
    expect(err.message).toMatch(/only resolves variables named AIRLOCK_SECRET_<NAME>/);
    expect(err.message).not.toContain("alk_ctr_x");
    expect(err.message).not.toContain("/root");
  });
});
