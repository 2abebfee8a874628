// The tamper-evident audit trail (docs/design/0010-audit.md): real events from real
// sessions and API calls are sealed into the hash chain and signed checkpoints, and every
// kind of tampering done straight in Postgres (edit, deletion, insertion, reordering,
// re-hashing after an edit, forged checkpoints, backdated rows) is caught by
// GET /api/v1/audit/verify, naming the event.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventDbRow,
  eventFromDbRow,
} from "../../apps/control-plane/src/audit/audit-chain.repository";
import { blankEvent, chainHash } from "../../apps/control-plane/src/audit/audit-event";
import { Gateway } from "./gateway";
import { waitUntil } from "./harness";

let gw: Gateway;

interface Problem {
  kind: string;
  seq: string | null;
  message: string;
}

beforeAll(async () => {
  gw = await Gateway.start({ controlPlaneEnv: { AIRLOCK_AUDIT_CHECKPOINT_SECONDS: "1" } });
  await gw.applyPolicy({
    name: "no-drops",
    description: "drops are refused",
    subjects: { users: ["admin"] },
    resources: { connections: ["demo"] },
    rules: [{ id: "no-drop", match: { sql: { statements: ["drop"] } }, action: "deny" }],
  });
  expect(gw.psql(["-c", "select 1"]).status).toBe(0);
  const denied = gw.psql(["-c", "drop table orders"]);
  expect(denied.status).not.toBe(0);
  for (let i = 0; i < 5; i++) await gw.cp.api().post("/api/v1/users", { name: `u${i}` });
  await settled();
}, 120_000);

afterAll(async () => {
  await gw?.stop();
});

const store = <T extends Record<string, any> = any>(sql: string, params: unknown[] = []) =>
  gw.store_<T>(sql, params);

/** Everything sealed, and a checkpoint signed at the head. */
async function settled(): Promise<void> {
  await waitUntil(
    "audit events sealed and checkpointed",
    async () => {
      const [row] = await store<{ unsealed: number; head: string | null; cp: string | null }>(
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

async function verify(
  query = "",
): Promise<{ ok: boolean; problems: Problem[]; [k: string]: unknown }> {
  const res = await gw.cp.api().get(`/api/v1/audit/verify${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Runs `tamper`, checks what verify says, then puts the rows back exactly. */
async function tampered(
  tamper: () => Promise<unknown>,
  restore: () => Promise<unknown>,
): Promise<Problem[]> {
  await tamper();
  try {
    return (await verify()).problems;
  } finally {
    await restore();
    const after = await verify();
    const tail = await store(
      "SELECT seq, id, code, at FROM audit_events ORDER BY seq DESC LIMIT 4",
    );
    expect(after.problems, `restored; tail ${JSON.stringify(tail)}`).toEqual([]);
  }
}

async function row(seq: bigint | string): Promise<Record<string, any>> {
  const [r] = await store("SELECT * FROM audit_events WHERE seq = $1", [String(seq)]);
  return r;
}

async function reinsert(r: Record<string, any>): Promise<void> {
  const cols = Object.keys(r);
  await store(
    `INSERT INTO audit_events (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`,
    cols.map((c) => (c === "data" ? JSON.stringify(r[c]) : r[c])),
  );
}

async function head(): Promise<bigint> {
  const [r] = await store<{ s: string }>("SELECT max(seq)::text AS s FROM audit_events");
  return BigInt(r?.s ?? "0");
}

describe("the chain as written", () => {
  it("seals every event, command decisions and sessions included, and verifies clean", async () => {
    const codes = (await store<{ code: string }>("SELECT DISTINCT code FROM audit_events")).map(
      (r) => r.code,
    );
    for (const code of ["session.started", "session.ended", "command.allow", "command.deny"])
      expect(codes, code).toContain(code);
    const result = await verify();
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(Number(result["events"])).toBeGreaterThan(8);
    expect(Number(result["checkpoints"])).toBeGreaterThan(0);
    // Seqs are contiguous from 1 and each prev_hash is the previous hash.
    const rows = await store<{ seq: string; prev_hash: Buffer; hash: Buffer }>(
      "SELECT seq::text, prev_hash, hash FROM audit_events ORDER BY audit_events.seq",
    );
    rows.forEach((r, i) => {
      expect(r.seq).toBe(String(i + 1));
      if (i > 0) expect(r.prev_hash.equals(rows[i - 1]!.hash)).toBe(true);
    });
  });

  it("records the denied command with who, where, what and the rule", async () => {
    const [denied] = await store(
      "SELECT * FROM audit_events WHERE code = 'command.deny' ORDER BY seq DESC LIMIT 1",
    );
    expect(denied).toMatchObject({
      outcome: "denied",
      actor_name: "admin",
      actor_kind: "human",
      connection_name: "demo",
      connector_name: "edge",
      command: "drop table orders",
    });
    expect(denied.rule_ids).toContain("no-drops/no-drop");
    expect(denied.correlation_id).toBe(denied.session_id);
    expect(denied.source_address).toBeTruthy();
  });

  it("publishes the checkpoint key", async () => {
    const res = await gw.cp.api(null).get("/api/v1/audit/public-key");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ algorithm: "Ed25519", jwk: { kty: "OKP", crv: "Ed25519" } });
    expect(res.body.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});

describe("tampering in Postgres is caught", () => {
  it("an edited event", async () => {
    const target = (await head()) - 3n;
    const original = await row(target);
    const problems = await tampered(
      () =>
        store("UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = $1", [
          String(target),
        ]),
      () =>
        store("UPDATE audit_events SET actor_name = $2 WHERE seq = $1", [
          String(target),
          original.actor_name,
        ]),
    );
    expect(problems).toEqual([expect.objectContaining({ kind: "edited", seq: String(target) })]);
    expect(problems[0]?.message).toMatch(/changed after it was sealed/);
  });

  it("an edited data field (JSON)", async () => {
    const target = (await head()) - 2n;
    const original = await row(target);
    const problems = await tampered(
      () =>
        store(`UPDATE audit_events SET data = data || '{"x": 1}' WHERE seq = $1`, [String(target)]),
      () =>
        store("UPDATE audit_events SET data = $2 WHERE seq = $1", [
          String(target),
          JSON.stringify(original.data),
        ]),
    );
    expect(problems.map((p) => p.kind)).toEqual(["edited"]);
  });

  it("a deleted event", async () => {
    const target = (await head()) - 4n;
    const original = await row(target);
    const problems = await tampered(
      () => store("DELETE FROM audit_events WHERE seq = $1", [String(target)]),
      () => reinsert(original),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ kind: "deleted", seq: String(target + 1n) }),
    );
    expect(problems.find((p) => p.kind === "deleted")?.message).toMatch(/missing/);
  });

  it("deleted events at the end (a checkpoint covers them)", async () => {
    const last = await head();
    const original = await row(last);
    const problems = await tampered(
      () => store("DELETE FROM audit_events WHERE seq = $1", [String(last)]),
      () => reinsert(original),
    );
    expect(problems).toContainEqual(expect.objectContaining({ kind: "deleted" }));
  });

  it("two events swapped (reordered)", async () => {
    const a = (await head()) - 6n;
    const b = a + 1n;
    const problems = await tampered(
      async () => {
        await store("UPDATE audit_events SET seq = -seq WHERE seq IN ($1, $2)", [
          String(a),
          String(b),
        ]);
        await store("UPDATE audit_events SET seq = $2 WHERE seq = $1", [String(-a), String(b)]);
        await store("UPDATE audit_events SET seq = $2 WHERE seq = $1", [String(-b), String(a)]);
      },
      async () => {
        await store("UPDATE audit_events SET seq = -seq WHERE seq IN ($1, $2)", [
          String(a),
          String(b),
        ]);
        await store("UPDATE audit_events SET seq = $2 WHERE seq = $1", [String(-a), String(b)]);
        await store("UPDATE audit_events SET seq = $2 WHERE seq = $1", [String(-b), String(a)]);
      },
    );
    const kinds = new Set(problems.map((p) => p.kind));
    expect(kinds.has("edited") || kinds.has("inserted_or_reordered")).toBe(true);
    expect(problems.some((p) => p.seq === String(a) || p.seq === String(b))).toBe(true);
  });

  it("an event inserted into the middle, with the later ones renumbered", async () => {
    const at = (await head()) - 5n;
    const template = await row(at);
    const fakeId = "900000001";
    const problems = await tampered(
      async () => {
        await store("UPDATE audit_events SET seq = -(seq + 1) WHERE seq > $1", [String(at)]);
        await store("UPDATE audit_events SET seq = -seq WHERE seq < 0");
        await reinsert({
          ...template,
          id: fakeId,
          seq: String(at + 1n),
          code: "policy.deleted",
          prev_hash: template.hash,
          hash: randomBytes(32),
        });
      },
      async () => {
        await store("DELETE FROM audit_events WHERE id = $1", [fakeId]);
        await store("UPDATE audit_events SET seq = -(seq - 1) WHERE seq > $1", [String(at + 1n)]);
        await store("UPDATE audit_events SET seq = -seq WHERE seq < 0");
      },
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.seq === String(at + 1n))).toBe(true);
  });

  it("an edit whose attacker re-hashed the rest of the chain: the signed checkpoint disagrees", async () => {
    const cp = await store<{ seq: string }>("SELECT max(seq)::text AS seq FROM audit_checkpoints");
    const checkpointSeq = BigInt(cp[0]!.seq);
    const target = checkpointSeq - 2n;
    const saved = await store("SELECT * FROM audit_events WHERE seq >= $1 ORDER BY seq", [
      String(target),
    ]);
    const problems = await tampered(
      async () => {
        await store("UPDATE audit_events SET command = 'select 1' WHERE seq = $1", [
          String(target),
        ]);
        // Recompute every hash from the edited event on, exactly as the sealer would.
        const rows = await store("SELECT * FROM audit_events WHERE seq >= $1 ORDER BY seq", [
          String(target),
        ]);
        let prev: Buffer = rows[0].prev_hash;
        for (const r of rows) {
          const hash = chainHash(prev, BigInt(r.seq), eventFromDbRow(r as EventDbRow));
          await store("UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE seq = $1", [
            r.seq,
            prev,
            hash,
          ]);
          prev = hash;
        }
      },
      async () => {
        for (const r of saved)
          await store(
            "UPDATE audit_events SET command = $2, prev_hash = $3, hash = $4 WHERE seq = $1",
            [r.seq, r.command, r.prev_hash, r.hash],
          );
      },
    );
    expect(problems.map((p) => p.kind)).toContain("checkpoint_rewritten");
    expect(problems.every((p) => p.kind.startsWith("checkpoint_"))).toBe(true);
  });

  it("a forged checkpoint", async () => {
    const [cp] = await store("SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1");
    const problems = await tampered(
      () =>
        store("UPDATE audit_checkpoints SET signature = $2 WHERE seq = $1", [
          cp.seq,
          randomBytes(64),
        ]),
      () =>
        store("UPDATE audit_checkpoints SET signature = $2 WHERE seq = $1", [cp.seq, cp.signature]),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ kind: "checkpoint_forged", seq: String(cp.seq) }),
    );
  });

  it("a well-chained event appended with a false, earlier time", async () => {
    const last = await head();
    const tail = await row(last);
    const fake = blankEvent(
      {
        id: 900000002n,
        code: "auth.login",
        outcome: "succeeded",
        at: new Date(Date.now() - 3600_000),
      },
      { actorName: "ghost", actorKind: "human" },
    );
    const problems = await tampered(
      () =>
        store(
          `INSERT INTO audit_events (id, code, outcome, at, actor_name, actor_kind, rule_ids, data, seq, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, '{}', '{}', $7, $8, $9)`,
          [
            String(fake.id),
            fake.code,
            fake.outcome,
            fake.at,
            fake.actorName,
            fake.actorKind,
            String(last + 1n),
            tail.hash,
            chainHash(tail.hash, last + 1n, fake),
          ],
        ),
      () => store("DELETE FROM audit_events WHERE id = $1", [String(fake.id)]),
    );
    expect(problems).toEqual([
      expect.objectContaining({ kind: "backdated", seq: String(last + 1n) }),
    ]);
  });

  it("verifies a time range, starting from the checkpoint before it", async () => {
    const [first] = await store<{ at: Date }>(
      "SELECT at FROM audit_events ORDER BY seq DESC LIMIT 1 OFFSET 3",
    );
    const from = new Date(first!.at.getTime()).toISOString();
    const result = await verify(`?from=${encodeURIComponent(from)}`);
    expect(result.ok).toBe(true);
    expect(Number(result["events"])).toBeGreaterThanOrEqual(1);
    const bad = await gw.cp.api().get("/api/v1/audit/verify?from=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("from");
  });
});

describe("airlock audit verify", () => {
  it("says the chain is intact (exit 0), and names the tampering (exit 3)", async () => {
    const clean = gw.cli.run(["audit", "verify"]);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/^Audit chain intact$/m);
    expect(clean.stdout).toMatch(/signed checkpoint/);
    const target = (await head()) - 1n;
    const original = await row(target);
    await store("UPDATE audit_events SET outcome = 'allowed' WHERE seq = $1", [String(target)]);
    try {
      const bad = gw.cli.run(["audit", "verify"]);
      expect(bad.status).toBe(3);
      expect(bad.stdout).toMatch(/Audit chain TAMPERED: 1 problem/);
      expect(bad.stdout).toContain(`edited at seq ${target}`);
      const json = gw.cli.run(["audit", "verify", "-o", "json"]);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false });
    } finally {
      await store("UPDATE audit_events SET outcome = $2 WHERE seq = $1", [
        String(target),
        original.outcome,
      ]);
    }
    expect(gw.cli.run(["audit", "verify", "--from", "1h"]).status).toBe(0);
  });
});

describe("who may verify", () => {
  it("auditors and admins; a user may not", async () => {
    const user = await gw.cp.api().post("/api/v1/users", { name: "plain" });
    expect(user.status).toBe(201);
    const key = await gw.cp.api().post("/api/v1/api-keys", { name: "k", user: "plain" });
    expect((await gw.cp.api(key.body.key).get("/api/v1/audit/verify")).status).toBe(403);
  });
});
