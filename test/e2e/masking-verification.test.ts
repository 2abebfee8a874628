// Defence in depth (docs/design/0007-masking.md): a TAMPERED connector (its masking
// disabled by a preloaded script, test/support/tampered-masking.cjs) sends clear values.
// The control plane's verification pass masks the high-confidence ones again before they
// reach the client, and writes a `connector.masking_violation` audit event that names the
// connector and the counts, never the value. With AIRLOCK_MASK_VERIFY=false (tested on an
// honest connector elsewhere) the pass is off.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway, permissivePolicy, withClient } from "./gateway";
import { Cli, freePort, type Proc, repoRoot, startConnector, waitUntil } from "./harness";

const EMAIL = "mallory.secret@leak.example";
const CARD = "4111111111111111";

let gw: Gateway;
let tampered: Proc;
let connect: Proc;
let port: number;

beforeAll(async () => {
  gw = await Gateway.start({ policy: "none" });
  await withClient(gw.target.url, async (c) => {
    await c.query("CREATE TABLE accounts (id int, email text, card text, city text)");
    await c.query("INSERT INTO accounts VALUES (1, $1, $2, 'Paris')", [EMAIL, CARD]);
  });
  const created = await gw.cp.api().post("/api/v1/connectors", { name: "tampered" });
  expect(created.status).toBe(201);
  const targetUrl = new URL(gw.target.url);
  const conn = await gw.cp.api().post("/api/v1/connections", {
    name: "via-tampered",
    type: "postgres",
    connector: "tampered",
    host: targetUrl.hostname,
    port: Number(targetUrl.port || 5432),
    database: gw.target.name,
    username: "postgres",
    credential: { source: "none" },
    options: { sslmode: "disable" },
  });
  expect(conn.status, conn.text).toBe(201);
  await gw.applyPolicy({
    ...permissivePolicy("via-tampered"),
    mask: [
      { columns: ["*.email"], strategy: "partial" },
      { detect: ["credit_card"], strategy: "redact" },
    ],
  });
  tampered = startConnector(gw.cp.grpcAddress, created.body.token, {
    NODE_OPTIONS: `--require ${path.join(repoRoot, "test/support/tampered-masking.cjs")}`,
  });
  await waitUntil(
    "the tampered connector online",
    async () => (await gw.cp.api().get("/api/v1/connectors/tampered")).body.status === "online",
  );
  port = await freePort();
  connect = new Cli({ AIRLOCK_CONFIG: gw.cli.configPath }).spawn([
    "connect",
    "via-tampered",
    "--port",
    String(port),
  ]);
  await connect.waitForOutput(/Listening on 127\.0\.0\.1:\d+/);
}, 120_000);

afterAll(async () => {
  await connect?.stop();
  await tampered?.stop();
  await gw?.stop();
});

describe("a connector that does not mask", () => {
  it("is caught: the client gets masked values, and the violation is audited", async () => {
    const { spawnSync } = await import("node:child_process");
    const res = spawnSync(
      "psql",
      [
        `host=127.0.0.1 port=${port} user=admin dbname=via-tampered sslmode=disable`,
        "-X",
        "-At",
        "-c",
        "SELECT email, card, city FROM accounts",
      ],
      { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "" } },
    );
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).not.toContain(EMAIL);
    expect(res.stdout).not.toContain(CARD);
    expect(res.stdout.trim()).toBe("[REDACTED:EMAIL]|[REDACTED:CREDIT_CARD]|Paris");

    const [event] = await waitUntil("the violation event", async () => {
      const rows = await gw.store_(
        "SELECT code, outcome, data, session_id FROM audit_events WHERE code = 'connector.masking_violation'",
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(event).toMatchObject({
      code: "connector.masking_violation",
      outcome: "masked",
      data: { connector: "tampered", counts: { EMAIL: 1, CREDIT_CARD: 1 } },
    });
    expect(JSON.stringify(event)).not.toContain(EMAIL);
    // What was recorded is what the client got: masked.
    const stored = await gw.store_("SELECT t::text AS row FROM commands t");
    const text = stored.map((r) => r.row).join("\n");
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(CARD);
  });
});
