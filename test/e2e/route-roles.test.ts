// The role matrix over EVERY route (default deny): each route the control plane serves,
// as its OpenAPI document lists them, is called without a key, and as an admin, an auditor
// and a user. A route nobody declared in ROUTES below fails the test, so a new endpoint
// cannot ship without a stated rule; a declared route that is missing fails it too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { type Api, ControlPlane } from "./harness";

type Role = "admin" | "auditor" | "user";
/** Routes that hand out credentials (OIDC login) or a public key: public by nature, never 401 or 403. */
const PUBLIC = "public" as const;
const ANY: Role[] = ["admin", "auditor", "user"];
const READERS: Role[] = ["admin", "auditor"];
const ADMIN: Role[] = ["admin"];

/** `METHOD path` (as in the OpenAPI document) → the roles that may call it. */
const ROUTES: Record<string, Role[] | typeof PUBLIC> = {
  "GET /auth/config": PUBLIC,
  "GET /auth/jwks": PUBLIC,
  "GET /auth/login": PUBLIC,
  "GET /auth/callback": PUBLIC,
  "POST /auth/device": PUBLIC,
  "GET /auth/device": PUBLIC,
  "POST /auth/token": PUBLIC,
  "POST /auth/logout": PUBLIC,
  "GET /api/v1/audit/public-key": PUBLIC,
  "GET /api/v1/audit/verify": READERS,
  "GET /api/v1/audit/sinks": ADMIN,
  "POST /api/v1/audit/sinks": ADMIN,
  "DELETE /api/v1/audit/sinks/{name}": ADMIN,
  "POST /api/v1/audit/sinks/{name}/test": ADMIN,
  "POST /api/v1/audit/retention": ADMIN,
  "GET /api/v1/identity/whoami": ANY,
  "POST /api/v1/identity/test-mapping": ADMIN,
  "GET /api/v1/api-keys": ANY,
  "POST /api/v1/api-keys": ANY,
  "DELETE /api/v1/api-keys/{id}": ANY,
  "POST /api/v1/api-keys/{id}/rotate": ANY,
  "GET /api/v1/users": READERS,
  "POST /api/v1/users": ADMIN,
  "GET /api/v1/users/{name}": READERS,
  "PATCH /api/v1/users/{name}": ADMIN,
  "GET /api/v1/connectors": ADMIN,
  "POST /api/v1/connectors": ADMIN,
  "GET /api/v1/connectors/{idOrName}": ADMIN,
  "DELETE /api/v1/connectors/{idOrName}": ADMIN,
  "GET /api/v1/connectors/{idOrName}/tokens": ADMIN,
  "POST /api/v1/connectors/{idOrName}/tokens": ADMIN,
  "DELETE /api/v1/connectors/{idOrName}/tokens/{tokenId}": ADMIN,
  "GET /api/v1/connections": ADMIN,
  "POST /api/v1/connections": ADMIN,
  "GET /api/v1/connections/{idOrName}": ADMIN,
  "PATCH /api/v1/connections/{idOrName}": ADMIN,
  "DELETE /api/v1/connections/{idOrName}": ADMIN,
  "GET /api/v1/policies": READERS,
  "POST /api/v1/policies/simulate": READERS,
  "GET /api/v1/policies/{name}": READERS,
  "GET /api/v1/policies/{name}/versions": READERS,
  "PUT /api/v1/policies/{name}": ADMIN,
  "DELETE /api/v1/policies/{name}": ADMIN,
  "GET /api/v1/sessions": ANY,
  "GET /api/v1/sessions/{id}": ANY,
  "GET /api/v1/sessions/{id}/events": ANY,
  "GET /api/v1/reviews": ANY,
  "GET /api/v1/reviews/{id}": ANY,
  "POST /api/v1/reviews/{id}/approve": ANY,
  "POST /api/v1/reviews/{id}/reject": ANY,
  "POST /api/v1/grants/requests": ANY,
  "GET /api/v1/grants": ANY,
  "POST /api/v1/grants/{id}/revoke": ANY,
  "GET /api/v1/webhooks": ADMIN,
  "POST /api/v1/webhooks": ADMIN,
  "DELETE /api/v1/webhooks/{name}": ADMIN,
  "POST /api/v1/webhooks/{name}/test": ADMIN,
  "GET /api/v1/webhooks/deliveries": ADMIN,
  "GET /api/v1/export/events": READERS,
  "GET /api/v1/compliance/nist-800-53": READERS,
};

/** Path parameters: well-formed values naming nothing that exists. */
const PARAMS: Record<string, string> = {
  id: "00000000-0000-4000-8000-000000000000",
  tokenId: "00000000-0000-4000-8000-000000000000",
  name: "no-such-thing",
  idOrName: "no-such-thing",
};
const REVIEW_ID = "rv-0000000000";
const GRANT_ID = "gr-0000000000";

let store: TestDatabase;
let cp: ControlPlane;
const as: Partial<Record<Role | "anonymous", Api>> = {};
let routes: { method: string; path: string }[] = [];

beforeAll(async () => {
  store = await createTestDatabase();
  cp = await ControlPlane.start({ databaseUrl: store.url });
  as.admin = cp.api();
  as.anonymous = cp.api(null);
  for (const role of ["auditor", "user"] as const) {
    const created = await cp.api().post("/api/v1/users", { name: `a-${role}`, role });
    expect(created.status, created.text).toBe(201);
    const key = await cp.api().post("/api/v1/api-keys", { name: "k", user: `a-${role}` });
    as[role] = cp.api(key.body.key);
  }
  const doc = (await cp.api(null).get("/api/docs-json")).body;
  routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
  );
}, 60_000);

afterAll(async () => {
  await cp?.proc.stop();
  await store?.drop();
});

function concrete(path: string): string {
  if (path.startsWith("/api/v1/reviews/{id}")) return path.replace("{id}", REVIEW_ID);
  if (path.startsWith("/api/v1/grants/{id}")) return path.replace("{id}", GRANT_ID);
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => PARAMS[name] ?? "x");
}

async function call(api: Api, method: string, path: string): Promise<number> {
  const body = method === "GET" || method === "DELETE" ? undefined : {};
  return (await api.request(method, concrete(path), body)).status;
}

describe("every route declares who may call it", () => {
  it("the OpenAPI document lists exactly the declared routes", () => {
    const served = routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(served).toEqual(Object.keys(ROUTES).sort());
  });

  it("without a key, every route answers 401, except the public login routes", async () => {
    const open: string[] = [];
    for (const r of routes) {
      const isPublic = ROUTES[`${r.method} ${r.path}`] === PUBLIC;
      const status = await call(as.anonymous as Api, r.method, r.path);
      if (isPublic ? status === 401 || status === 403 : status !== 401)
        open.push(`${r.method} ${r.path} → ${status}`);
    }
    expect(open).toEqual([]);
    // The public ones are only the login routes and the audit key (public by nature).
    const publicRoutes = Object.entries(ROUTES).filter(([, roles]) => roles === PUBLIC);
    expect(
      publicRoutes.every(([route]) => / \/auth\/|^GET \/api\/v1\/audit\/public-key$/.test(route)),
    ).toBe(true);
  });

  it.each(["admin", "auditor", "user"] as const)(
    "as %s: 403 exactly on the routes the role may not call",
    async (role) => {
      const wrong: string[] = [];
      for (const r of routes) {
        const declared = ROUTES[`${r.method} ${r.path}`] ?? [];
        if (declared === PUBLIC) continue;
        const allowed = declared;
        const status = await call(as[role] as Api, r.method, r.path);
        const refused = status === 401 || status === 403;
        if (refused === allowed.includes(role)) wrong.push(`${r.method} ${r.path} → ${status}`);
      }
      expect(wrong).toEqual([]);
    },
  );
});
