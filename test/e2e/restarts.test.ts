// DESIGN §5.6: a restart of one process loses no recorded event, and clients see
// clear errors, never silent success. Here the control plane dies with kill -9 in
// the middle of a session.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gateway } from "./gateway";
import { waitUntil } from "./harness";

let gw: Gateway;

beforeAll(async () => {
  gw = await Gateway.start();
}, 90_000);

afterAll(async () => {
  await gw?.stop();
});

describe("control plane killed with -9 mid-session", () => {
  it("keeps every command recorded before the crash, and the client gets an error", async () => {
    const before = (await gw.cp.api().get("/api/v1/connectors/edge")).body.connectedAt;
    const client = await gw.client();
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e));
    const tag = `crash-${Date.now()}`;
    for (let i = 1; i <= 20; i++) {
      expect((await client.query(`select '${tag}-${i}' as v`)).rows[0].v).toBe(`${tag}-${i}`);
    }

    const killed = await gw.cp.proc.stop("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    const failure = await client.query("select 'after the crash'").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure ?? errors[0]).toBeInstanceOf(Error);
    await client.end().catch(() => undefined);

    // Every command that ran was recorded before it ran (write-ahead), so all 20 are there.
    const rows = await gw.store_<{ sql: string; seq: number }>(
      "select sql, seq from commands where sql like $1 order by seq",
      [`select '${tag}-%`],
    );
    expect(rows.map((r) => r.sql)).toEqual(
      Array.from({ length: 20 }, (_, i) => `select '${tag}-${i + 1}' as v`),
    );

    // The control plane comes back on the same store. A session opened at once waits for
    // the connector, which reconnects by itself, instead of failing as "offline".
    await gw.cp.restart();
    const again = await gw.client();
    try {
      expect((await again.query("select 'after restart' as v")).rows).toEqual([
        { v: "after restart" },
      ]);
    } finally {
      await again.end();
    }
    expect(gw.connector.running).toBe(true);
    // The status alone can still read "online" from the last heartbeats before the crash;
    // a new connectedAt shows the connector really reconnected to the new process.
    await waitUntil("the connector to reconnect", async () => {
      const res = await gw.cp.api().get("/api/v1/connectors/edge");
      return res.body.status === "online" && res.body.connectedAt !== before;
    });
  });
});
