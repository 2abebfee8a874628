import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { type CliContext, connect } from "../context";
import { UsageError } from "../errors";
import type { CredentialInput } from "../http/schemas";
import { outputOption } from "../output/format-option";
import { connectionDetails, connectionTable } from "../views/connections";
import {
  checkRootCertFile,
  collect,
  CONNECTOR_ENV_PREFIX,
  type ConnectionFlags,
  createConnectionBody,
  type CredentialPlan,
  parsePort,
  planCredential,
  SSL_MODES,
  updateConnectionBody,
} from "./connection-flags";
import { commonOptions, emit, quoted } from "./shared";

export function registerAdminConnections(admin: Command, ctx: CliContext): void {
  const connections = admin
    .command("connections")
    .description(
      "manage connections: named targets (e.g. a Postgres database) reached through a connector",
    );

  connections
    .command("list")
    .description("list connections")
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const items = await api.listConnections();
      emit(ctx, cmd, items, () =>
        items.length === 0
          ? "No connections yet. Create one with: airlock admin connections create --name … (see --help)\n"
          : connectionTable(items),
      );
    });

  connections
    .command("get")
    .description("show one connection (never its password)")
    .argument("<idOrName>", "connection id or name")
    .addOption(outputOption())
    .action(async (idOrName: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const connection = await api.getConnection(idOrName);
      emit(ctx, cmd, connection, () => connectionDetails(connection, ctx.now()));
    });

  const create = connections
    .command("create")
    .description("register a connection to a target that a connector can reach")
    .requiredOption("--name <name>", 'connection name: lowercase letters, digits, ".", "_", "-"')
    .addOption(new Option("--type <type>", "target type").choices(["postgres"]).default("postgres"))
    .requiredOption("--connector <idOrName>", "the connector that reaches the target")
    .requiredOption("--host <host>", "target host, as the connector resolves it")
    .option("--port <port>", "target port (default: 5432 for postgres)", parsePort);
  addTargetOptions(create, "tag for policies, repeatable: --tag env=prod --tag team=data");
  addCredentialOptions(create, "default: none");
  addTlsOptions(create, "default: sslmode prefer, the connector's system roots, the host name");
  create
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Examples:
  airlock admin connections create --name pg-prod --connector edge-1 --host db.internal \\
      --database app --username app_ro --tag env=prod --password-env-ref ${CONNECTOR_ENV_PREFIX}PG_PROD
  printf %s "$PGPASSWORD" | airlock admin connections create --name demo --connector edge-1 \\
      --host 127.0.0.1 --username postgres --password-stdin`,
    )
    .action(async (flags: ConnectionFlags, cmd: Command) => {
      const credential = await resolveCredential(ctx, planCredential(flags));
      const body = createConnectionBody(flags, credential, readRootCert(flags));
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const connection = await api.createConnection(body);
      emit(
        ctx,
        cmd,
        connection,
        () =>
          `Created connection ${quoted(connection.name)}.\n\n${connectionDetails(connection, ctx.now())}`,
      );
    });

  const update = connections
    .command("update")
    .description("change a connection; only the given flags change")
    .argument("<idOrName>", "connection id or name")
    .option("--name <name>", "new name")
    .addOption(new Option("--type <type>", "target type").choices(["postgres"]))
    .option("--connector <idOrName>", "move the connection to another connector")
    .option("--host <host>", "target host, as the connector resolves it")
    .option("--port <port>", "target port", parsePort);
  addTargetOptions(update, "tag, repeatable; replaces all existing tags");
  update
    .option("--clear-database", "unset the database")
    .option("--clear-username", "unset the user name")
    .option("--clear-tags", "remove all tags");
  addCredentialOptions(update, "default: unchanged");
  addTlsOptions(update, "each unchanged unless given");
  update
    .addOption(outputOption())
    .action(async (idOrName: string, flags: ConnectionFlags, cmd: Command) => {
      const credential = await resolveCredential(ctx, planCredential(flags));
      const patch = updateConnectionBody(flags, credential, readRootCert(flags));
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const connection = await api.updateConnection(idOrName, patch);
      emit(
        ctx,
        cmd,
        connection,
        () =>
          `Updated connection ${quoted(connection.name)}.\n\n${connectionDetails(connection, ctx.now())}`,
      );
    });

  connections
    .command("delete")
    .description("delete a connection")
    .argument("<idOrName>", "connection id or name")
    .action(async (idOrName: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      await api.deleteConnection(idOrName);
      ctx.term.out(`Deleted connection ${quoted(idOrName)}.\n`);
    });
}

function addTargetOptions(cmd: Command, tagHelp: string): void {
  cmd
    .option("--database <name>", "database to connect to")
    .option("--username <name>", "user to log in to the target as")
    .option("--tag <key=value>", tagHelp, collect);
}

function addCredentialOptions(cmd: Command, whenAbsent: string): void {
  const group = `Target credential (at most one; ${whenAbsent}; a password is never accepted as a flag value):`;
  const options = [
    new Option(
      "--password-stdin",
      "read the password from stdin (or a hidden prompt); stored encrypted by the control plane",
    ),
    new Option(
      "--password-from-env <VAR>",
      "read the password from this shell's environment variable VAR; stored encrypted",
    ),
    new Option(
      "--password-env-ref <NAME>",
      `the connector reads the password from its own environment variable NAME (${CONNECTOR_ENV_PREFIX}…); no secret leaves the private network`,
    ),
    new Option("--no-credential", "the target needs no password"),
    // Present only to refuse it with an explanation instead of "unknown option".
    new Option("--password <value>").hideHelp(),
  ];
  for (const option of options) cmd.addOption(option.helpGroup(group));
}

function addTlsOptions(cmd: Command, whenAbsent: string): void {
  const group = `TLS to the target (${whenAbsent}):`;
  const options = [
    new Option(
      "--sslmode <mode>",
      "how the connector secures its connection to the target, as libpq's sslmode",
    ).choices(SSL_MODES),
    new Option(
      "--sslrootcert-file <path>",
      "PEM file of the CA certificate(s) that verify the target (sent as text; verify-full without it uses the connector's system roots)",
    ),
    new Option(
      "--sslservername <name>",
      "the name the target's certificate must carry (and the SNI), when it differs from --host",
    ),
  ];
  for (const option of options) cmd.addOption(option.helpGroup(group));
}

/** The text of --sslrootcert-file, read here so the server receives the PEM itself. */
function readRootCert(flags: ConnectionFlags): string | undefined {
  const file = flags.sslrootcertFile;
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UsageError(
      `--sslrootcert-file: cannot read ${file} (${typeof code === "string" ? code : "unreadable"})`,
    );
  }
  return checkRootCertFile(text, file);
}

async function resolveCredential(
  ctx: CliContext,
  plan: CredentialPlan | undefined,
): Promise<CredentialInput | undefined> {
  switch (plan?.kind) {
    case undefined:
      return undefined;
    case "none":
      return { source: "none" };
    case "connector-env":
      return { source: "connector_env", envRef: plan.envRef };
    case "password-stdin": {
      const password = await ctx.term.readSecret("Target password: ");
      if (password === "") throw new UsageError("--password-stdin: no password on stdin");
      return { source: "stored", password };
    }
    case "password-from-env": {
      const password = ctx.env.lookup(plan.variable);
      if (password === undefined) {
        throw new UsageError(
          `--password-from-env: the environment variable ${plan.variable} is not set or empty`,
        );
      }
      return { source: "stored", password };
    }
  }
}
