import { describe, expect, it } from "vitest";
import {
  checkRootCertFile,
  type ConnectionFlags,
  connectionOptions,
  createConnectionBody,
  parsePort,
  parseTags,
  planCredential,
  updateConnectionBody,
} from "../src/commands/connection-flags";
import { UsageError } from "../src/errors";

const required: ConnectionFlags = { name: "demo", connector: "edge-1", host: "db.internal" };

describe("connections create: flags → POST /api/v1/connections body", () => {
  it("maps every flag to the contract's ConnectionInput", () => {
    const body = createConnectionBody(
      {
        ...required,
        type: "postgres",
        port: 6432,
        database: "app",
        username: "app_ro",
        tag: ["env=prod", "team=data"],
      },
      { source: "connector_env", envRef: "AIRLOCK_SECRET_PG" },
    );
    expect(body).toEqual({
      name: "demo",
      type: "postgres",
      connector: "edge-1",
      host: "db.internal",
      port: 6432,
      database: "app",
      username: "app_ro",
      tags: { env: "prod", team: "data" },
      credential: { source: "connector_env", envRef: "AIRLOCK_SECRET_PG" },
    });
  });

  it("defaults type to postgres and port to 5432, and leaves out what was not given", () => {
    expect(createConnectionBody(required, undefined)).toEqual({
      name: "demo",
      type: "postgres",
      connector: "edge-1",
      host: "db.internal",
      port: 5432,
    });
  });

  it("sends a stored password only inside credential", () => {
    const body = createConnectionBody(required, { source: "stored", password: "s3cret" });
    expect(body.credential).toEqual({ source: "stored", password: "s3cret" });
  });

  it("names missing required flags", () => {
    expect(() => createConnectionBody({ name: "demo" }, undefined)).toThrow(
      new UsageError("missing --connector, --host"),
    );
  });

  it("refuses other target types for now", () => {
    expect(() => createConnectionBody({ ...required, type: "mysql" }, undefined)).toThrow(
      'unsupported --type "mysql"',
    );
  });
});

describe("connections update: flags → PATCH body", () => {
  it("contains only the changed fields", () => {
    expect(updateConnectionBody({ port: 5433, tag: ["env=staging"] }, undefined)).toEqual({
      port: 5433,
      tags: { env: "staging" },
    });
  });

  it("sends empty tags for --clear-tags", () => {
    expect(updateConnectionBody({ clearTags: true }, undefined)).toEqual({ tags: {} });
    expect(() => updateConnectionBody({ clearTags: true, tag: ["a=b"] }, undefined)).toThrow(
      "choose --clear-tags or --tag, not both",
    );
  });

  it("sends null to clear the database or user name", () => {
    expect(updateConnectionBody({ clearDatabase: true, clearUsername: true }, undefined)).toEqual({
      database: null,
      username: null,
    });
    expect(() => updateConnectionBody({ clearDatabase: true, database: "x" }, undefined)).toThrow(
      "choose --clear-database or --database, not both",
    );
  });

  it("accepts a credential change alone", () => {
    expect(updateConnectionBody({}, { source: "none" })).toEqual({
      credential: { source: "none" },
    });
  });

  it("refuses an update that changes nothing", () => {
    expect(() => updateConnectionBody({}, undefined)).toThrow(/^nothing to update/);
  });
});

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("TLS flags → options", () => {
  it("maps --sslmode, the --sslrootcert-file text and --sslservername on create", () => {
    const body = createConnectionBody(
      {
        ...required,
        sslmode: "verify-full",
        sslrootcertFile: "/etc/ca.pem",
        sslservername: "db.example.com",
      },
      undefined,
      PEM,
    );
    expect(body.options).toEqual({
      sslmode: "verify-full",
      sslrootcert: PEM,
      sslservername: "db.example.com",
    });
  });

  it("sends no options when no TLS flag is given (server default: sslmode prefer)", () => {
    expect(createConnectionBody(required, undefined)).not.toHaveProperty("options");
  });

  it("sends only the given TLS keys on update (the server merges them)", () => {
    expect(updateConnectionBody({ sslmode: "require" }, undefined)).toEqual({
      options: { sslmode: "require" },
    });
    expect(updateConnectionBody({ sslrootcertFile: "ca.pem" }, undefined, PEM)).toEqual({
      options: { sslrootcert: PEM },
    });
  });

  it("refuses an unknown sslmode", () => {
    expect(() => connectionOptions({ sslmode: "verify-ca" }, undefined)).toThrow(
      new UsageError(
        'invalid --sslmode "verify-ca": expected one of disable, prefer, require, verify-full',
      ),
    );
  });

  it("accepts a PEM certificate file and refuses other files, naming the path", () => {
    expect(checkRootCertFile(PEM, "ca.pem")).toBe(PEM);
    expect(() => checkRootCertFile("hello", "notes.txt")).toThrow(
      /--sslrootcert-file notes\.txt is not a PEM certificate file/,
    );
    expect(() =>
      checkRootCertFile(
        `${PEM}-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n`,
        "both.pem",
      ),
    ).toThrow(/--sslrootcert-file both\.pem holds a private key/);
  });
});

describe("credential flags", () => {
  it.each<[string, ConnectionFlags, ReturnType<typeof planCredential>]>([
    ["no flag: server default / unchanged", {}, undefined],
    ["--no-credential", { credential: false }, { kind: "none" }],
    ["--password-stdin", { passwordStdin: true }, { kind: "password-stdin" }],
    [
      "--password-from-env",
      { passwordFromEnv: "PGPASSWORD" },
      { kind: "password-from-env", variable: "PGPASSWORD" },
    ],
    [
      "--password-env-ref",
      { passwordEnvRef: "AIRLOCK_SECRET_PG_PROD" },
      { kind: "connector-env", envRef: "AIRLOCK_SECRET_PG_PROD" },
    ],
    // commander sets `credential: true` by default for a negatable option; that is not a choice.
    ["the --no-credential default", { credential: true }, undefined],
  ])("%s", (_name, flags, plan) => {
    expect(planCredential(flags)).toEqual(plan);
  });

  it("allows at most one credential flag", () => {
    expect(() =>
      planCredential({ passwordStdin: true, passwordEnvRef: "AIRLOCK_SECRET_X" }),
    ).toThrow(
      new UsageError("choose one credential option, not --password-stdin and --password-env-ref"),
    );
    expect(() => planCredential({ passwordFromEnv: "P", credential: false })).toThrow(
      "not --password-from-env and --no-credential",
    );
  });

  it("refuses a password given as a flag value, explaining why", () => {
    expect(() => planCredential({ password: "hunter2" })).toThrow(
      /^--password is not accepted: a password on the command line ends up in shell history and ps/,
    );
  });

  it("accepts only AIRLOCK_SECRET_ names for --password-env-ref (the connector resolves no others)", () => {
    for (const bad of [
      "AIRLOCK_CONNECTOR_TOKEN",
      "AIRLOCK_SECRET_",
      "PGPASSWORD",
      "AIRLOCK_SECRET_A-B",
    ]) {
      expect(() => planCredential({ passwordEnvRef: bad })).toThrow(UsageError);
    }
  });
});

describe("tags and ports", () => {
  it("parses key=value pairs; values may contain =", () => {
    expect(parseTags(["env=prod", "q=a=b", "empty="])).toEqual({
      env: "prod",
      q: "a=b",
      empty: "",
    });
  });

  it("refuses pairs without a key and repeated keys", () => {
    expect(() => parseTags(["prod"])).toThrow('invalid --tag "prod": expected key=value');
    expect(() => parseTags(["=x"])).toThrow(UsageError);
    expect(() => parseTags(["env=a", "env=b"])).toThrow("--tag env is given twice");
  });

  it("keeps a __proto__ key as plain data", () => {
    const tags = parseTags(["__proto__=x"]);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(JSON.stringify(tags)).toBe('{"__proto__":"x"}');
  });

  it("accepts ports 1 to 65535 only", () => {
    expect(parsePort("5432")).toBe(5432);
    for (const bad of ["0", "65536", "54.3", "-1", "", "0x10", "5432abc"]) {
      expect(() => parsePort(bad)).toThrow("expected an integer from 1 to 65535");
    }
  });
});
