// Config validation: each process refuses to start on a bad or missing variable,
// names it and the fix, and never echoes a secret's value.
import { describe, expect, it } from "vitest";
import { newApiKey, newMasterKey, startConnectorRaw, startControlPlaneRaw } from "./harness";

const validCp = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/postgres",
  AIRLOCK_MASTER_KEY: newMasterKey(),
  AIRLOCK_GRPC_INSECURE: "true",
  AIRLOCK_HTTP_PORT: "1",
  AIRLOCK_GRPC_PORT: "1",
};

describe("control plane config", () => {
  it("names every missing required variable and exits 1", async () => {
    const proc = startControlPlaneRaw({});
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    expect(proc.output).toMatch(/DATABASE_URL/);
    expect(proc.output).toMatch(/AIRLOCK_MASTER_KEY/);
  });

  it("rejects a malformed master key without printing it", async () => {
    const secret = "not-a-key-but-SECRET-VALUE-123";
    const proc = startControlPlaneRaw({ ...validCp, AIRLOCK_MASTER_KEY: secret });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/AIRLOCK_MASTER_KEY/);
    expect(proc.output).toMatch(/32 (random )?bytes/);
    expect(proc.output).not.toContain(secret);
  });

  it("rejects a non-Postgres DATABASE_URL without echoing its password", async () => {
    const proc = startControlPlaneRaw({
      ...validCp,
      DATABASE_URL: "mysql://root:Hunter2Password@db/app",
    });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/DATABASE_URL/);
    expect(proc.output).not.toContain("Hunter2Password");
  });

  it("refuses plaintext gRPC unless explicitly allowed", async () => {
    const { AIRLOCK_GRPC_INSECURE: _insecure, ...withoutTls } = validCp;
    const proc = startControlPlaneRaw(withoutTls);
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/AIRLOCK_GRPC_TLS_CERT_FILE/);
    expect(proc.output).toMatch(/AIRLOCK_GRPC_INSECURE/);
  });

  it("rejects a malformed bootstrap admin key without printing it", async () => {
    const bad = "alk_key_short_SECRETSECRET";
    const proc = startControlPlaneRaw({ ...validCp, AIRLOCK_BOOTSTRAP_ADMIN_KEY: bad });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/AIRLOCK_BOOTSTRAP_ADMIN_KEY/);
    expect(proc.output).not.toContain(bad);
  });

  it("rejects an out-of-range port", async () => {
    const proc = startControlPlaneRaw({ ...validCp, AIRLOCK_HTTP_PORT: "70000" });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/AIRLOCK_HTTP_PORT/);
  });
});

describe("connector config", () => {
  it("names the missing control-plane address and token", async () => {
    const proc = startConnectorRaw({});
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/AIRLOCK_CONTROL_PLANE/);
    expect(proc.output).toMatch(/AIRLOCK_CONNECTOR_TOKEN/);
  });

  it("rejects a malformed token without printing it", async () => {
    const bad = newApiKey(); // an API key is not a connector token
    const proc = startConnectorRaw({
      AIRLOCK_CONTROL_PLANE: "127.0.0.1:1",
      AIRLOCK_CONNECTOR_TOKEN: bad,
      AIRLOCK_INSECURE: "true",
    });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/AIRLOCK_CONNECTOR_TOKEN/);
    expect(proc.output).not.toContain(bad);
  });

  it("rejects a control-plane address without a port", async () => {
    const proc = startConnectorRaw({
      AIRLOCK_CONTROL_PLANE: "no-port-here",
      AIRLOCK_CONNECTOR_TOKEN: `alk_ctr_${"a".repeat(12)}_${"b".repeat(43)}`,
    });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output).toMatch(/AIRLOCK_CONTROL_PLANE/);
  });
});
