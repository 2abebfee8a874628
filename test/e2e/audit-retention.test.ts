// Retention (docs/design/0010-audit.md): result rows, sessions with their commands, and
// audit events are pruned by age (0 days here: everything old enough goes at the next run);
// audit events only up to a signed checkpoint, which becomes the chain's start, so the chain
// still verifies afterwards; the run itself is audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "./gateway";
import { waitUntil } from "./harness";

let gw: Gateway;

beforeAll(async () => {
  gw = await Gateway.start({
    controlPlaneEnv: {
      AIRLOCK_AUDIT_CHECKPOINT_SECONDS: "1",
      AIRLOCK_RETENTION_RESULT_ROWS_DAYS: "0",
      AIRLOCK_RETENTION_COMMANDS_DAYS: "0",
      AIRLOCK_RETENTION_AUDIT_DAYS: "0",
    },
  });
  for (let i = 0; i < 3; i++) {
    const res = gw.psql(["-c", "select id, email from customers order by id limit 2"]);
    expect(res.status, res.stderr).toBe(0);
  }
  await waitUntil(
    "commands completed with result rows",
    async () =>
      (await gw.store_("SELECT 1 FROM commands WHERE result_sample IS NOT NULL")).length >= 3,
  );
  await settled();
}, 120_000);

afterAll(async () => {
  await gw?.stop();
});

async function settled(): Promise<void> {
  await waitUntil(
    "audit events sealed and checkpointed",
    async () => {
      const [row] = await gw.store_(
        `SELECT (SELECT count(*)::int FROM audit_events WHERE seq IS NULL)
                  + (SELECT count(*)::int FROM sessions WHERE ended_at IS NULL) AS unsealed,
                (SELECT max(seq)::text FROM audit_events) AS head,
                (SELECT max(seq)::text FROM audit_checkpoints) AS cp`,
      );
      return row?.unsealed === 0 && row.head !== null && row.head === row.cp;
    },
    15_000,
  );
}

async function verify(): Promise<{ ok: boolean; problems: Array<{ kind: string }> }> {
  const res = await gw.cp.api().get("/api/v1/audit/verify");
  expect(res.status, res.text).toBe(200);
  return res.body;
}

describe("a retention run", () => {
  let report: Record<string, any>;

  it("prunes each class and says what it removed", async () => {
    const before = await gw.store_(
      "SELECT min(seq)::text AS min, max(seq)::text AS max FROM audit_events",
    );
    expect(before[0]?.min).toBe("1");
    const res = await gw.cp.api().post("/api/v1/audit/retention", {});
    expect(res.status, res.text).toBe(200);
    report = res.body;
    expect(report["resultRowsCleared"]).toBeGreaterThanOrEqual(3);
    expect(report["sessionsDeleted"]).toBeGreaterThanOrEqual(3);
    expect(report["commandsDeleted"]).toBeGreaterThanOrEqual(3);
    expect(report["auditEventsDeleted"]).toBeGreaterThan(0);
    expect(BigInt(report["auditAnchorSeq"])).toBeGreaterThan(0n);
    const sessions = await gw.store_(
      "SELECT count(*)::int AS n FROM sessions WHERE ended_at IS NOT NULL",
    );
    expect(sessions[0]?.n).toBe(0);
  });

  it("keeps the checkpoint it pruned up to as the chain's start, and the chain verifies", async () => {
    const anchor = BigInt(report["auditAnchorSeq"]);
    await settled();
    const [bounds] = await gw.store_("SELECT min(seq)::text AS min FROM audit_events");
    expect(BigInt(bounds?.min ?? "0")).toBe(anchor + 1n);
    const checkpoints = await gw.store_("SELECT seq::text FROM audit_checkpoints ORDER BY seq");
    expect(checkpoints[0]?.seq).toBe(anchor.toString());
    expect(await verify()).toMatchObject({ ok: true, problems: [] });
  });

  it("audits the run itself", async () => {
    const [event] = await gw.store_(
      "SELECT actor_name, outcome, data FROM audit_events WHERE code = 'audit.retention' ORDER BY seq DESC LIMIT 1",
    );
    expect(event).toMatchObject({ actor_name: "admin", outcome: "succeeded" });
    expect(event?.data.auditEventsDeleted).toBe(report["auditEventsDeleted"]);
  });

  it("still catches a deletion right after the new start", async () => {
    const [first] = await gw.store_("SELECT * FROM audit_events ORDER BY seq LIMIT 1");
    await gw.store_("DELETE FROM audit_events WHERE id = $1", [first.id]);
    try {
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems.map((p) => p.kind)).toContain("deleted");
    } finally {
      const cols = Object.keys(first);
      await gw.store_(
        `INSERT INTO audit_events (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`,
        cols.map((c) => (c === "data" ? JSON.stringify(first[c]) : first[c])),
      );
    }
    expect((await verify()).ok).toBe(true);
  });

  it("pruning that no retention run announced is caught (events and old checkpoints deleted)", async () => {
    // Two more checkpoints, so one can be deleted up to while events remain after it.
    expect(gw.psql(["-c", "select 2"]).status).toBe(0);
    await settled();
    await new Promise((r) => setTimeout(r, 1100));
    expect(gw.psql(["-c", "select 3"]).status).toBe(0);
    await settled();
    const [cp] = await gw.store_(
      "SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1 OFFSET 1",
    );
    const gone = await gw.store_("SELECT * FROM audit_events WHERE seq <= $1 ORDER BY seq", [
      cp.seq,
    ]);
    const oldCheckpoints = await gw.store_("SELECT * FROM audit_checkpoints WHERE seq < $1", [
      cp.seq,
    ]);
    await gw.store_("DELETE FROM audit_events WHERE seq <= $1", [cp.seq]);
    await gw.store_("DELETE FROM audit_checkpoints WHERE seq < $1", [cp.seq]);
    try {
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems.map((p) => p.kind)).toContain("start_missing");
    } finally {
      for (const r of [...gone]) {
        const cols = Object.keys(r);
        await gw.store_(
          `INSERT INTO audit_events (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`,
          cols.map((c) => (c === "data" ? JSON.stringify(r[c]) : r[c])),
        );
      }
      for (const c of oldCheckpoints)
        await gw.store_(
          "INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5)",
          [c.seq, c.hash, c.at, c.key_id, c.signature],
        );
    }
    expect((await verify()).ok).toBe(true);
  });

  it("new events chain on after the pruned part", async () => {
    expect(gw.psql(["-c", "select 1"]).status).toBe(0);
    await settled();
    expect(await verify()).toMatchObject({ ok: true, problems: [] });
  });
});
