// A private, throw-away Postgres cluster for tests that need what the shared
// server on 127.0.0.1:5432 must not be changed for: password logins (SCRAM,
// md5, cleartext), TLS with our own CA, hostssl-only users.
//
//   const pg = await startPrivatePostgres();          // in beforeAll, ~2 s
//   ... pg.host, pg.port, pg.caPem, pg.users.scram.password ...
//   await pg.stop();                                   // in afterAll
//
// initdb refuses to run as root, so as root (CI) the cluster is made and run by
// the `postgres` OS user (runuser). The binaries come from `pg_config --bindir`
// (PG_BINDIR overrides). Everything lives in one temp dir, deleted by stop().

import { execFile as execFileCb } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFile = promisify(execFileCb);

export interface PrivateUser {
  readonly user: string;
  readonly password: string;
}

export interface PrivatePostgres {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** A database every user may connect to. */
  readonly database: string;
  /** The CA that signed the server certificate (CN and SAN DNS:localhost, no IP SAN). */
  readonly caPem: string;
  /** A CA that did not sign it, for "wrong CA" tests. */
  readonly otherCaPem: string;
  readonly ssl: boolean;
  readonly users: {
    /** scram-sha-256 from any address, with or without TLS. */
    readonly scram: PrivateUser;
    /** md5 (its password is stored as an md5 hash, so the server really asks for md5). */
    readonly md5: PrivateUser;
    /** password (cleartext). */
    readonly plain: PrivateUser;
    /** trust: no password asked. */
    readonly trust: PrivateUser;
    /** scram-sha-256, and only over TLS (hostssl). */
    readonly sslOnly: PrivateUser;
  };
  /**
   * Runs SQL as the superuser over the cluster's unix socket, one `-c` per
   * statement in one session, and returns psql's unaligned output.
   */
  psql(sql: string | readonly string[]): Promise<string>;
  /** Stops the server (immediate) and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Turn on TLS (default true). */
  readonly ssl?: boolean;
}

const OS_USER = "postgres";

export async function startPrivatePostgres(
  options: PrivatePostgresOptions = {},
): Promise<PrivatePostgres> {
  const ssl = options.ssl ?? true;
  const bindir = await postgresBindir();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), "airlock-pg-"));
  const data = join(dir, "data");
  const owner = asRoot ? await osUserIds(OS_USER) : undefined;
  if (owner) await chown(dir, owner.uid, owner.gid);
  // As root: run as the postgres OS user, with a working directory it can read.
  const run = (file: string, args: string[]): Promise<{ stdout: string }> =>
    asRoot
      ? execFile("runuser", ["-u", OS_USER, "--", file, ...args], { cwd: dir })
      : execFile(file, args, { cwd: dir });

  let started = false;
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      await run(join(bindir, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w"]).catch(
        () => undefined,
      );
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const [port, certs] = await Promise.all([freePort(), makeCertificates(dir)]);
    await run(join(bindir, "initdb"), [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
      "--no-instructions",
    ]);
    if (owner) {
      for (const file of [certs.serverCert, certs.serverKey])
        await chown(file, owner.uid, owner.gid);
    }
    await appendConfig(data, {
      listen_addresses: "'127.0.0.1'",
      port: String(port),
      unix_socket_directories: `'${dir}'`,
      ssl: ssl ? "on" : "off",
      ssl_cert_file: `'${certs.serverCert}'`,
      ssl_key_file: `'${certs.serverKey}'`,
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      max_connections: "30",
      shared_buffers: "16MB",
      log_min_messages: "warning",
    });
    await writeFile(
      join(data, "pg_hba.conf"),
      [
        "local   all  postgres                 trust",
        "hostssl all  ssl_only    127.0.0.1/32 scram-sha-256",
        "host    all  scram_user  127.0.0.1/32 scram-sha-256",
        "host    all  md5_user    127.0.0.1/32 md5",
        "host    all  plain_user  127.0.0.1/32 password",
        "host    all  trust_user  127.0.0.1/32 trust",
        "",
      ].join("\n"),
    );
    await run(join(bindir, "pg_ctl"), ["start", "-D", data, "-w", "-l", join(dir, "server.log")]);
    started = true;

    const users = {
      scram: { user: "scram_user", password: secret() },
      md5: { user: "md5_user", password: secret() },
      plain: { user: "plain_user", password: secret() },
      trust: { user: "trust_user", password: "" },
      sslOnly: { user: "ssl_only", password: secret() },
    };
    const database = "airlock_private";
    const psql = async (sql: string | readonly string[]): Promise<string> => {
      const statements = typeof sql === "string" ? [sql] : sql;
      const { stdout } = await execFile("psql", [
        ...["-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres"],
        ...["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
        ...statements.flatMap((statement) => ["-c", statement]),
      ]);
      return stdout.trim();
    };
    await psql([
      `SET password_encryption = 'scram-sha-256'`,
      `CREATE ROLE scram_user LOGIN PASSWORD '${users.scram.password}'`,
      `CREATE ROLE plain_user LOGIN PASSWORD '${users.plain.password}'`,
      `CREATE ROLE ssl_only LOGIN PASSWORD '${users.sslOnly.password}'`,
      `CREATE ROLE trust_user LOGIN`,
      // A SCRAM-stored password would make the server upgrade md5 to SCRAM.
      `SET password_encryption = 'md5'`,
      `CREATE ROLE md5_user LOGIN PASSWORD '${users.md5.password}'`,
      `CREATE DATABASE ${database}`,
    ]);
    return {
      host: "127.0.0.1",
      port,
      database,
      caPem: certs.caPem,
      otherCaPem: certs.otherCaPem,
      ssl,
      users,
      psql,
      stop,
    };
  } catch (err) {
    const log = await readFile(join(dir, "server.log"), "utf8").catch(() => "");
    await stop();
    throw new Error(
      `could not start a private Postgres: ${(err as Error).message}${log ? `\nserver log:\n${log}` : ""}`,
    );
  }
}

async function postgresBindir(): Promise<string> {
  const fromEnv = process.env["PG_BINDIR"];
  if (fromEnv) return fromEnv;
  try {
    const { stdout } = await execFile("pg_config", ["--bindir"]);
    return stdout.trim();
  } catch {
    throw new Error(
      "pg_config is not on PATH; install the Postgres server package or set PG_BINDIR to the folder holding initdb and pg_ctl",
    );
  }
}

async function osUserIds(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout } = await execFile("id", ["-u", name]).catch(() => {
    throw new Error(`running as root needs the ${name} OS user (initdb refuses root)`);
  });
  const { stdout: gid } = await execFile("id", ["-g", name]);
  return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
}

async function appendConfig(data: string, settings: Record<string, string>): Promise<void> {
  const file = join(data, "postgresql.conf");
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  await writeFile(
    file,
    `${await readFile(file, "utf8")}\n# airlock test cluster\n${lines.join("\n")}\n`,
  );
}

interface Certificates {
  readonly caPem: string;
  readonly otherCaPem: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

/** A CA, a server certificate for DNS:localhost signed by it, and an unrelated CA. EC keys: fast. */
async function makeCertificates(dir: string): Promise<Certificates> {
  const p = (name: string): string => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = (name: string): Promise<unknown> =>
    execFile("openssl", [
      ...["req", "-x509", ...ec, "-days", "2", "-subj", `/CN=${name}`],
      ...["-keyout", p(`${name}.key`), "-out", p(`${name}.crt`)],
    ]);
  await Promise.all([
    ca("airlock-test-ca"),
    ca("airlock-other-ca"),
    execFile("openssl", [
      ...["req", ...ec, "-subj", "/CN=localhost"],
      ...["-keyout", p("server.key"), "-out", p("server.csr")],
    ]),
    writeFile(p("server.ext"), "subjectAltName=DNS:localhost\n"),
  ]);
  await execFile("openssl", [
    ...["x509", "-req", "-in", p("server.csr"), "-days", "2"],
    ...["-CA", p("airlock-test-ca.crt"), "-CAkey", p("airlock-test-ca.key"), "-CAcreateserial"],
    ...["-extfile", p("server.ext"), "-out", p("server.crt")],
  ]);
  return {
    caPem: await readFile(p("airlock-test-ca.crt"), "utf8"),
    otherCaPem: await readFile(p("airlock-other-ca.crt"), "utf8"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function secret(): string {
  return `pw_${randomBytes(12).toString("hex")}`;
}
