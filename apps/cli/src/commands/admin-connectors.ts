import { type Command, Option } from "commander";
import { type CliContext, connect } from "../context";
import type { ConnectorTokenInfo } from "../http/schemas";
import { outputOption } from "../output/format-option";
import { connectorDetails, connectorTable, connectorTokenTable } from "../views/connectors";
import type { Target } from "../config/target";
import { connectorStartCommand, DEFAULT_GRPC_PORT } from "./connector-start";
import { commonOptions, emit, quoted } from "./shared";

interface GrpcOptions {
  grpcAddress?: string;
}

export function registerAdminConnectors(admin: Command, ctx: CliContext): void {
  const connectors = admin
    .command("connectors")
    .description("register connectors (agents in private networks) and manage their tokens");

  connectors
    .command("list")
    .description("list connectors with their status and last heartbeat")
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const items = await api.listConnectors();
      emit(ctx, cmd, items, () =>
        items.length === 0
          ? "No connectors yet. Create one with: airlock admin connectors create <name>\n"
          : connectorTable(items, ctx.now()),
      );
    });

  connectors
    .command("create")
    .description("register a connector and print its one-time token and start command")
    .argument("<name>", 'connector name: lowercase letters, digits, ".", "_", "-"')
    .addOption(grpcAddressOption())
    .addOption(outputOption())
    .action(async (name: string, options: GrpcOptions, cmd: Command) => {
      const { api, target } = connect(ctx, commonOptions(cmd).profile);
      const { connector, token } = await api.createConnector(name);
      const startCommand = startCommandFor(target, options, token);
      emit(ctx, cmd, { connector, token, startCommand }, () =>
        [
          `Created connector ${quoted(connector.name)}.\n`,
          connectorDetails(connector, ctx.now()),
          tokenBlock(token, startCommand),
        ].join("\n"),
      );
    });

  connectors
    .command("get")
    .description("show one connector")
    .argument("<idOrName>", "connector id or name")
    .addOption(outputOption())
    .action(async (idOrName: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const connector = await api.getConnector(idOrName);
      emit(ctx, cmd, connector, () => connectorDetails(connector, ctx.now()));
    });

  connectors
    .command("delete")
    .description("delete a connector (refused while connections use it)")
    .argument("<idOrName>", "connector id or name")
    .action(async (idOrName: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      await api.deleteConnector(idOrName);
      ctx.term.out(`Deleted connector ${quoted(idOrName)}.\n`);
    });

  registerTokenCommands(connectors, ctx);
}

function registerTokenCommands(connectors: Command, ctx: CliContext): void {
  const tokens = connectors
    .command("token")
    .description("manage a connector's tokens (rotate, revoke)");

  tokens
    .command("create")
    .description("issue an additional token for a connector (e.g. to rotate); shown once")
    .argument("<connector>", "connector id or name")
    .addOption(grpcAddressOption())
    .addOption(outputOption())
    .action(async (connector: string, options: GrpcOptions, cmd: Command) => {
      const { api, target } = connect(ctx, commonOptions(cmd).profile);
      const { tokenInfo, token } = await api.createConnectorToken(connector);
      const startCommand = startCommandFor(target, options, token);
      emit(ctx, cmd, { tokenInfo, token, startCommand }, () =>
        [
          `Created token ${tokenInfo.id} for connector ${quoted(connector)}.\n`,
          tokenBlock(token, startCommand),
        ].join("\n"),
      );
    });

  tokens
    .command("list")
    .description("list a connector's tokens (ids and prefixes only; secrets are never shown again)")
    .argument("<connector>", "connector id or name")
    .addOption(outputOption())
    .action(async (connector: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const items: ConnectorTokenInfo[] = await api.listConnectorTokens(connector);
      emit(ctx, cmd, items, () =>
        items.length === 0
          ? `Connector ${quoted(connector)} has no tokens.\n`
          : connectorTokenTable(items, ctx.now()),
      );
    });

  tokens
    .command("revoke")
    .description("revoke a token; connectors connected with it are disconnected and exit")
    .argument("<connector>", "connector id or name")
    .argument("<tokenId>", "token id (see: airlock admin connectors token list <connector>)")
    .action(async (connector: string, tokenId: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      await api.revokeConnectorToken(connector, tokenId);
      ctx.term.out(`Revoked token ${tokenId} of connector ${quoted(connector)}.\n`);
    });
}

function grpcAddressOption(): Option {
  return new Option(
    "--grpc-address <host:port>",
    `control plane gRPC address for the start command (default: the profile's, else the URL's host, port ${DEFAULT_GRPC_PORT})`,
  );
}

function startCommandFor(target: Target, options: GrpcOptions, token: string): string {
  const grpcAddress = options.grpcAddress ?? target.grpc.address;
  return connectorStartCommand({ grpcAddress, token, restUrl: target.url });
}

function tokenBlock(token: string, startCommand: string): string {
  return [
    "Connector token (shown once: it cannot be retrieved again, store it now):",
    `  ${token}`,
    "",
    "Start the connector from the repository root with:",
    `  ${startCommand}`,
    "",
  ].join("\n");
}
