import { describe, expect, it } from "vitest";
import { ConnectionSchema, type Connector, WhoamiSchema } from "../src/http/schemas";
import { renderDetails } from "../src/output/details";
import { renderJson } from "../src/output/json";
import { renderTable } from "../src/output/table";
import { sanitize } from "../src/output/text";
import { formatRelative, formatTimestamp } from "../src/output/time";
import { connectionDetails, connectionTable, targetLabel } from "../src/views/connections";
import { connectorDetails, connectorTable, connectorTokenTable } from "../src/views/connectors";
import { whoamiDetails } from "../src/views/identity";

const NOW = new Date("2025-11-25T12:00:00.000Z");
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe("renderTable", () => {
  it("aligns columns with three spaces and leaves no trailing whitespace", () => {
    const table = renderTable(
      [
        { header: "NAME", value: (r: { n: string; s: string }) => r.n },
        { header: "STATUS", value: (r) => r.s },
      ],
      [
        { n: "edge-1", s: "online" },
        { n: "a-much-longer-name", s: "" },
      ],
    );
    expect(table).toBe(
      ["NAME                 STATUS", "edge-1               online", "a-much-longer-name"].join(
        "\n",
      ) + "\n",
    );
  });

  it("prints only the header for no rows", () => {
    expect(renderTable([{ header: "NAME", value: (r: string) => r }], [])).toBe("NAME\n");
  });

  it("escapes control characters so a value cannot drive the terminal", () => {
    const table = renderTable(
      [{ header: "HOSTNAME", value: (r: string) => r }],
      ["evil\u001b[2J\nfake"],
    );
    expect(table).toBe("HOSTNAME\nevil\\x1b[2J\\x0afake\n");
    expect(sanitize("tab\there\u009b")).toBe("tab\\x09here\\x9b");
  });
});

describe("renderDetails and renderJson", () => {
  it("aligns values after the longest label", () => {
    expect(
      renderDetails([
        ["Name", "demo"],
        ["Last heartbeat", "never"],
      ]),
    ).toBe("Name:            demo\nLast heartbeat:  never\n");
  });

  it("pretty-prints JSON with a trailing newline", () => {
    expect(renderJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});

describe("time", () => {
  it.each([
    [0, "just now"],
    [12, "12s ago"],
    [89, "89s ago"],
    [5 * 60, "5m ago"],
    [3 * 3600, "3h ago"],
    [3 * 86400, "3d ago"],
    [-120, "in 2m"],
  ])("%i seconds before now reads %s", (seconds, expected) => {
    expect(formatRelative(ago(seconds), NOW)).toBe(expected);
  });

  it("shows UTC and the age, or a word for absent times", () => {
    expect(formatTimestamp(ago(30), NOW)).toBe("2025-11-25 11:59:30 UTC (30s ago)");
    expect(formatTimestamp(null, NOW)).toBe("never");
    expect(formatTimestamp(undefined, NOW, "-")).toBe("-");
  });
});

const connector = (over: Partial<Connector>): Connector => ({
  id: "c1",
  name: "edge-1",
  status: "online",
  version: "0.1.0",
  hostname: "db-host-1",
  capabilities: ["postgres"],
  connectedAt: ago(600),
  lastHeartbeatAt: ago(3),
  disconnectedAt: null,
  createdAt: ago(86400),
  ...over,
});

describe("connector views", () => {
  it("lists NAME, STATUS, VERSION, HOSTNAME, LAST HEARTBEAT", () => {
    const table = connectorTable(
      [
        connector({}),
        connector({
          name: "edge-2",
          status: "never_connected",
          version: null,
          hostname: null,
          lastHeartbeatAt: null,
        }),
      ],
      NOW,
    );
    expect(table).toBe(
      [
        "NAME     STATUS            VERSION   HOSTNAME    LAST HEARTBEAT",
        "edge-1   online            0.1.0     db-host-1   3s ago",
        "edge-2   never connected   -         -           never",
      ].join("\n") + "\n",
    );
  });

  it("shows one connector's details", () => {
    expect(connectorDetails(connector({}), NOW)).toBe(
      [
        "Name:            edge-1",
        "ID:              c1",
        "Status:          online",
        "Version:         0.1.0",
        "Hostname:        db-host-1",
        "Capabilities:    postgres",
        "Connected:       2025-11-25 11:50:00 UTC (10m ago)",
        "Last heartbeat:  2025-11-25 11:59:57 UTC (3s ago)",
        "Disconnected:    -",
        "Created:         2025-11-24 12:00:00 UTC (24h ago)",
      ].join("\n") + "\n",
    );
  });

  it("lists tokens by id and prefix, never a secret", () => {
    const table = connectorTokenTable(
      [
        {
          id: "t1",
          prefix: "alk_ctr_0123456789ab",
          createdAt: ago(7200),
          revokedAt: null,
          lastUsedAt: ago(5),
        },
        {
          id: "t2",
          prefix: "alk_ctr_ba9876543210",
          createdAt: ago(7200),
          revokedAt: ago(60),
          lastUsedAt: null,
        },
      ],
      NOW,
    );
    expect(table).toBe(
      [
        "ID   PREFIX                 STATUS            CREATED   LAST USED",
        "t1   alk_ctr_0123456789ab   active            2h ago    5s ago",
        "t2   alk_ctr_ba9876543210   revoked 60s ago   2h ago    never",
      ].join("\n") + "\n",
    );
  });
});

const connectionJson = (over: Record<string, unknown>) => ({
  id: "k1",
  name: "pg-prod",
  type: "postgres",
  connector: { id: "c1", name: "edge-1" },
  host: "db.internal",
  port: 5432,
  database: "app",
  username: "app_ro",
  tags: { team: "data", env: "prod" },
  credential: { source: "connector_env", envRef: "AIRLOCK_SECRET_PG_PROD" },
  createdAt: ago(3600),
  updatedAt: ago(60),
  ...over,
});

describe("connection views", () => {
  it("lists NAME, TYPE, CONNECTOR, TARGET, USER, CREDENTIAL, TAGS", () => {
    const rows = [
      connectionJson({}),
      connectionJson({
        name: "demo",
        host: "::1",
        database: null,
        username: null,
        tags: {},
        credential: { source: "stored" },
      }),
    ].map((c) => ConnectionSchema.parse(c));
    expect(connectionTable(rows)).toBe(
      [
        "NAME      TYPE       CONNECTOR   TARGET                 USER     CREDENTIAL                             TAGS",
        "pg-prod   postgres   edge-1      db.internal:5432/app   app_ro   connector env AIRLOCK_SECRET_PG_PROD   env=prod,team=data",
        "demo      postgres   edge-1      [::1]:5432             -        stored                                 -",
      ].join("\n") + "\n",
    );
  });

  it("formats the target as host:port/db", () => {
    expect(targetLabel({ host: "h", port: 1, database: "d" })).toBe("h:1/d");
    expect(targetLabel({ host: "h", port: 1, database: null })).toBe("h:1");
  });

  it("never shows a password, in details or in JSON, even if a server sent one", () => {
    const parsed = ConnectionSchema.parse(
      connectionJson({ credential: { source: "stored", password: "hunter2" } }),
    );
    expect(renderJson(parsed)).not.toContain("hunter2");
    expect(connectionDetails(parsed, NOW)).not.toContain("hunter2");
    expect(connectionDetails(parsed, NOW)).toContain(
      "Credential:  stored (encrypted by the control plane, sent only to the connector)",
    );
  });

  it("passes fields it does not know through to JSON output", () => {
    const parsed = ConnectionSchema.parse(connectionJson({ addedLater: true }));
    expect(JSON.parse(renderJson(parsed))).toMatchObject({ addedLater: true });
  });
});

describe("whoami view", () => {
  const target = {
    url: "http://127.0.0.1:8080",
    profile: "default",
    credentialFrom: "profile",
  } as const;
  const now = new Date("2025-11-25T12:00:00.000Z");

  it("shows user, identity type, role, groups and auth method", () => {
    const me = WhoamiSchema.parse({
      user: { id: "u1", name: "alice", kind: "human", role: "admin" },
      groups: ["dba", { id: "g2", name: "engineers" }],
      authMethod: "api_key",
    });
    expect(whoamiDetails(me, target, now)).toBe(
      [
        "User:           alice",
        "Identity:       human",
        "Role:           admin",
        "Groups:         dba, engineers",
        "Auth method:    API key",
        "Control plane:  http://127.0.0.1:8080",
        'Credentials:    profile "default"',
      ].join("\n") + "\n",
    );
  });

  it("shows an OIDC login's name, email, approvals and session expiry", () => {
    const me = WhoamiSchema.parse({
      user: {
        id: "u1",
        name: "alice",
        kind: "human",
        role: "user",
        displayName: "Alice Liddell",
        email: "alice@example.com",
      },
      groups: ["dba"],
      authMethod: "oidc",
      approves: ["demo/ddl-needs-dba"],
      loginSession: { id: "ls1", expiresAt: "2025-11-25T23:00:00.000Z" },
    });
    expect(whoamiDetails(me, target, now)).toBe(
      [
        "User:           alice",
        "Name:           Alice Liddell",
        "Email:          alice@example.com",
        "Identity:       human",
        "Role:           user",
        "Groups:         dba",
        "Approves:       demo/ddl-needs-dba",
        "Auth method:    OIDC login",
        "Login expires:  2025-11-25 23:00:00 UTC (in 11h)",
        "Control plane:  http://127.0.0.1:8080",
        'Credentials:    profile "default"',
      ].join("\n") + "\n",
    );
  });

  it("shows a service account's owner and its key's scope and expiry", () => {
    const me = WhoamiSchema.parse({
      user: { id: "u2", name: "etl-bot", kind: "service_account", role: "user" },
      owner: { id: "u1", name: "alice" },
      groups: [],
      authMethod: "api_key",
      apiKey: { id: "k1", connections: ["analytics", "demo"], expiresAt: null },
    });
    const fromEnv = { ...target, credentialFrom: "AIRLOCK_API_KEY" } as const;
    expect(whoamiDetails(me, fromEnv, now)).toBe(
      [
        "User:             etl-bot",
        "Identity:         service account",
        "Owner:            alice",
        "Role:             user",
        "Groups:           -",
        "Auth method:      API key",
        "Key connections:  analytics, demo",
        "Key expires:      never",
        "Control plane:    http://127.0.0.1:8080",
        "Credentials:      AIRLOCK_API_KEY environment variable",
      ].join("\n") + "\n",
    );
  });

  it("drops a malformed optional field instead of failing", () => {
    const me = WhoamiSchema.parse({
      user: { id: "u1", name: "alice", kind: "human", role: "user", email: 42 },
      groups: [],
      authMethod: "oidc",
      loginSession: "soon",
      approves: "everything",
    });
    expect(me).toMatchObject({ loginSession: undefined, approves: undefined });
    expect(me.user.email).toBeUndefined();
  });
});
