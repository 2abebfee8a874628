// Users and groups managed by admins: the REST API (roles, validation, conflicts, the
// self-lockout guard, disabled users' keys) and `airlock admin users`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { Cli, ControlPlane } from "./harness";

const KEY = /alk_key_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: ControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: db.url });
});

afterAll(async () => {
  await cp?.proc.stop();
  await db?.drop();
});

/** Creates a user through the API and returns a fresh API key that user holds. */
async function userWithKey(body: Record<string, unknown>): Promise<string> {
  const created = await cp.api().post("/api/v1/users", body);
  expect(created.status).toBe(201);
  const key = await cp.api().post("/api/v1/api-keys", { name: "test", user: body["name"] });
  expect(key.status).toBe(201);
  return key.body.key as string;
}

describe("users API", () => {
  it("creates a user with the defaults: role user, kind human, no groups", async () => {
    const res = await cp.api().post("/api/v1/users", { name: "alice" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "alice",
      displayName: null,
      kind: "human",
      role: "user",
      owner: null,
      groups: [],
      disabledAt: null,
      createdAt: expect.any(String),
    });
  });

  it("creates the groups it names on demand, and shows them sorted without duplicates", async () => {
    const res = await cp.api().post("/api/v1/users", {
      name: "bob",
      role: "auditor",
      kind: "service_account",
      owner: "alice",
      groups: ["ops", "dba", "ops"],
      displayName: "Bob the builder",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "bob",
      role: "auditor",
      kind: "service_account",
      owner: { name: "alice" },
      groups: ["dba", "ops"],
      displayName: "Bob the builder",
    });
    const carol = await cp.api().post("/api/v1/users", { name: "carol", groups: ["dba"] });
    expect(carol.body.groups).toEqual(["dba"]);
  });

  it("answers 409 when the name is taken", async () => {
    const res = await cp.api().post("/api/v1/users", { name: "alice" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
    expect(res.body.error.message).toMatch(/"alice" already exists/);
  });

  it("lists users by name and shows one", async () => {
    const list = await cp.api().get("/api/v1/users");
    expect(list.status).toBe(200);
    const names = (list.body.items as Array<{ name: string }>).map((u) => u.name);
    expect(names).toEqual(["admin", "alice", "bob", "carol"]);

    const bob = await cp.api().get("/api/v1/users/bob");
    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ name: "bob", groups: ["dba", "ops"] });
  });

  it("answers 404 naming an unknown user", async () => {
    for (const res of [
      await cp.api().get("/api/v1/users/nobody"),
      await cp.api().patch("/api/v1/users/nobody", { role: "user" }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
      expect(res.body.error.message).toMatch(/"nobody"/);
    }
  });

  it("names the offending field in validation errors", async () => {
    const cases: Array<[body: Record<string, unknown>, field: string]> = [
      [{ name: "Not A Name!" }, "name"],
      [{ role: "root", name: "dave" }, "role"],
      [{ name: "dave", kind: "robot" }, "kind"],
      [{ name: "dave", groups: ["dba", "Bad Group"] }, "groups.1"],
      [{ name: "dave", displayName: "" }, "displayName"],
      [{ name: "dave", colour: "blue" }, "colour"],
      [{ name: "dave", kind: "service_account" }, "owner"],
      [{ name: "dave", owner: "alice" }, "owner"],
    ];
    for (const [body, field] of cases) {
      const res = await cp.api().post("/api/v1/users", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_input");
      expect(res.body.error.field).toBe(field);
      expect(res.body.error.message).toContain(field);
    }
    const patch = await cp.api().patch("/api/v1/users/alice", { disabled: "yes" });
    expect(patch.status).toBe(400);
    expect(patch.body.error.field).toBe("disabled");
    expect((await cp.api().get("/api/v1/users/dave")).status).toBe(404);
  });

  it("changes role, groups (replacing the set) and display name, leaving the rest", async () => {
    const res = await cp.api().patch("/api/v1/users/alice", {
      role: "auditor",
      groups: ["eng", "dba"],
      displayName: "Alice L.",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: "alice",
      role: "auditor",
      kind: "human",
      groups: ["dba", "eng"],
      displayName: "Alice L.",
      disabledAt: null,
    });
    const again = await cp.api().patch("/api/v1/users/alice", { groups: ["eng"] });
    expect(again.body).toMatchObject({ role: "auditor", groups: ["eng"], displayName: "Alice L." });
    const cleared = await cp
      .api()
      .patch("/api/v1/users/alice", { groups: [], displayName: null, role: "user" });
    expect(cleared.body).toMatchObject({ role: "user", groups: [], displayName: null });
    // The other members of a group keep it.
    expect((await cp.api().get("/api/v1/users/carol")).body.groups).toEqual(["dba"]);
  });

  it("is listed in the OpenAPI document", async () => {
    const res = await cp.api(null).get("/api/docs-json");
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/users", "/api/v1/users/{name}"]),
    );
  });
});

describe("who may manage users", () => {
  it("lets an auditor read users but not change them", async () => {
    const key = await userWithKey({ name: "audra", role: "auditor" });
    expect((await cp.api(key).get("/api/v1/users")).status).toBe(200);
    expect((await cp.api(key).get("/api/v1/users/alice")).status).toBe(200);
    const create = await cp.api(key).post("/api/v1/users", { name: "eve" });
    expect(create.status).toBe(403);
    const patch = await cp.api(key).patch("/api/v1/users/audra", { role: "admin" });
    expect(patch.status).toBe(403);
    expect(patch.body.error.code).toBe("permission_denied");
  });

  it("refuses every users route to a user-role key with 403", async () => {
    const key = await userWithKey({ name: "ursula" });
    const create = await cp.api(key).post("/api/v1/users", { name: "mallory", role: "admin" });
    expect(create.status).toBe(403);
    expect(create.body.error.code).toBe("permission_denied");
    expect((await cp.api(key).get("/api/v1/users")).status).toBe(403);
    expect((await cp.api(key).get("/api/v1/users/ursula")).status).toBe(403);
    expect((await cp.api().get("/api/v1/users/mallory")).status).toBe(404);
  });
});

describe("users and their API keys", () => {
  it("shows a user's groups in whoami for their key", async () => {
    const key = await userWithKey({ name: "dan", groups: ["dba", "approvers"] });
    const me = await cp.api(key).get("/api/v1/identity/whoami");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { name: "dan", role: "user", kind: "human" },
      groups: ["approvers", "dba"],
    });
    await cp.api().patch("/api/v1/users/dan", { groups: ["dba"] });
    expect((await cp.api(key).get("/api/v1/identity/whoami")).body.groups).toEqual(["dba"]);
  });

  it("stops a disabled user's keys with 401 and accepts them again once enabled", async () => {
    const key = await userWithKey({ name: "frank", role: "admin" });
    expect((await cp.api(key).get("/api/v1/identity/whoami")).status).toBe(200);

    const disabled = await cp.api().patch("/api/v1/users/frank", { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabledAt).toEqual(expect.any(String));
    const refused = await cp.api(key).get("/api/v1/identity/whoami");
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthenticated");
    expect(refused.body.error.message).toMatch(/disabled/);
    expect((await cp.api(key).get("/api/v1/users")).status).toBe(401);

    // Disabling again keeps the original time.
    const twice = await cp.api().patch("/api/v1/users/frank", { disabled: true });
    expect(twice.body.disabledAt).toBe(disabled.body.disabledAt);

    const enabled = await cp.api().patch("/api/v1/users/frank", { disabled: false });
    expect(enabled.body.disabledAt).toBeNull();
    expect((await cp.api(key).get("/api/v1/identity/whoami")).status).toBe(200);
  });
});

describe("an admin cannot lock themselves out", () => {
  it("refuses an admin demoting or disabling themselves, with the reason", async () => {
    for (const body of [{ role: "user" }, { role: "auditor" }, { disabled: true }]) {
      const res = await cp.api().patch("/api/v1/users/admin", body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.body.error.code).toBe("permission_denied");
      expect(res.body.error.message).toMatch(/another admin must do it/);
    }
    const me = await cp.api().get("/api/v1/identity/whoami");
    expect(me.body.user.role).toBe("admin");
    // Other changes to themselves are fine.
    const own = await cp.api().patch("/api/v1/users/admin", { role: "admin", groups: ["ops"] });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ role: "admin", groups: ["ops"], disabledAt: null });
  });

  it("lets an admin demote another admin", async () => {
    await userWithKey({ name: "grace", role: "admin" });
    const res = await cp.api().patch("/api/v1/users/grace", { role: "user" });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe("user");
  });

  it("keeps an admin when two admins demote each other at the same time", async () => {
    const hanKey = await userWithKey({ name: "han", role: "admin" });
    const idaKey = await userWithKey({ name: "ida", role: "admin" });
    const enabledAdmins = async (key: string): Promise<string[]> => {
      const items = (await cp.api(key).get("/api/v1/users")).body.items as Array<{
        name: string;
        role: string;
        disabledAt: string | null;
      }>;
      return items.filter((u) => u.role === "admin" && u.disabledAt === null).map((u) => u.name);
    };
    // han demotes every other admin (the bootstrap one included) so han and ida are the last two.
    const others = (await enabledAdmins(hanKey)).filter((name) => name !== "han" && name !== "ida");
    expect(others).toContain("admin");
    for (const name of others) {
      expect((await cp.api(hanKey).patch(`/api/v1/users/${name}`, { role: "user" })).status).toBe(
        200,
      );
    }
    let survivor = hanKey;
    try {
      const [a, b] = await Promise.all([
        cp.api(hanKey).patch("/api/v1/users/ida", { role: "user" }),
        cp.api(idaKey).patch("/api/v1/users/han", { role: "user" }),
      ]);
      // The loser is refused by the lock (409) or, if it authenticated after the winner's
      // change, by the role check (403).
      const statuses = [a.status, b.status].sort();
      expect([
        [200, 403],
        [200, 409],
      ]).toContainEqual(statuses);
      survivor = a.status === 200 ? hanKey : idaKey;
      expect(await enabledAdmins(survivor)).toEqual([a.status === 200 ? "han" : "ida"]);
    } finally {
      // Put the bootstrap admin back for the tests that follow.
      const restored = await cp.api(survivor).patch("/api/v1/users/admin", { role: "admin" });
      expect(restored.status).toBe(200);
    }
  });
});

describe("airlock admin users", () => {
  const cli = new Cli();
  /** The CLI of the user the tests create, logged in with the key printed for them. */
  const joCli = new Cli();
  let jobKey: string;

  beforeAll(() => {
    const res = cli.run(["login", "--api-key", "-", "--url", cp.httpUrl], cp.options.adminKey);
    expect(res.status).toBe(0);
  });

  it("creates a user with groups and a key printed once", () => {
    const res = cli.run([
      "admin",
      "users",
      "create",
      "jo",
      "--group",
      "dba",
      "--group",
      "approvers",
      "--display-name",
      "Jo March",
      "--with-key",
    ]);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Created user "jo"/);
    expect(res.stdout).toMatch(/^Groups:\s+approvers, dba$/m);
    expect(res.stdout).toMatch(/API key for "jo" \(shown once/);
    jobKey = KEY.exec(res.stdout)?.[0] ?? "";
    expect(jobKey).not.toBe("");
    expect(res.stderr).not.toContain(jobKey);
  });

  it("logs in with that key, and whoami shows the groups", () => {
    const login = joCli.run(["login", "--api-key", "-", "--url", cp.httpUrl], jobKey);
    expect(login.status, login.stderr).toBe(0);
    const who = joCli.run(["whoami"]);
    expect(who.status).toBe(0);
    expect(who.stdout).toMatch(/^User:\s+jo$/m);
    expect(who.stdout).toMatch(/^Groups:\s+approvers, dba$/m);
    // A plain user cannot manage users.
    const denied = joCli.run(["admin", "users", "list"]);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(/admin/);
  });

  it("lists users as a table and as JSON", () => {
    const table = cli.run(["admin", "users", "list"]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+ROLE\s+KIND\s+GROUPS\s+STATUS/);
    expect(table.stdout).toMatch(/^jo\s+user\s+human\s+approvers,dba\s+active\s+Jo March/m);
    const json = cli.run(["admin", "users", "list", "-o", "json"]);
    const items = JSON.parse(json.stdout) as Array<{ name: string }>;
    expect(items.map((u) => u.name)).toContain("jo");
  });

  it("shows and changes a user", () => {
    const show = cli.run(["admin", "users", "show", "jo", "-o", "json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: "jo", groups: ["approvers", "dba"] });

    const set = cli.run(["admin", "users", "set", "jo", "--role", "auditor", "--group", "eng"]);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^Role:\s+auditor$/m);
    expect(set.stdout).toMatch(/^Groups:\s+eng$/m);

    const cleared = cli.run(["admin", "users", "set", "jo", "--no-groups", "-o", "json"]);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ role: "auditor", groups: [] });
  });

  // Only the CLI from here on: spawnSync blocks this process's event loop, so a pooled
  // keep-alive fetch connection could be reused after the server has closed it.
  it("disables and enables a user, whose key stops and starts working", () => {
    const off = cli.run(["admin", "users", "set", "jo", "--disable"]);
    expect(off.status, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/^Status:\s+disabled since/m);
    const refused = joCli.run(["whoami"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/disabled/);
    expect(cli.run(["admin", "users", "set", "jo", "--enable"]).status).toBe(0);
    expect(joCli.run(["whoami"]).status).toBe(0);
  });

  it("reports errors readably: unknown user, duplicate, self-demotion, bad flags", () => {
    const missing = cli.run(["admin", "users", "show", "nobody"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no user named "nobody"/);

    const duplicate = cli.run(["admin", "users", "create", "jo"]);
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toMatch(/"jo" already exists/);

    const self = cli.run(["admin", "users", "set", "admin", "--disable"]);
    expect(self.status).toBe(1);
    expect(self.stderr).toMatch(/cannot disable yourself/);

    const both = cli.run(["admin", "users", "set", "jo", "--disable", "--enable"]);
    expect(both.status).toBe(2);
    const nothing = cli.run(["admin", "users", "set", "jo"]);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change/);
    const badRole = cli.run(["admin", "users", "create", "kim", "--role", "root"]);
    expect(badRole.status).toBe(2);
    for (const res of [missing, duplicate, self, both, nothing, badRole])
      expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
