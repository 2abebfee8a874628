import { type Command, InvalidArgumentError } from "commander";
import { type CliContext, connect } from "../context";
import type { AirlockApi } from "../http/airlock-api";
import type { ApiKeyInput } from "../http/schemas";
import { outputOption } from "../output/format-option";
import { apiKeyDetails, apiKeyTable, keyBlock } from "../views/api-keys";
import { collect } from "./connection-flags";
import { commonOptions, emit, quoted } from "./shared";

interface CreateFlags {
  user?: string;
  connection?: string[];
  expiresInDays?: number;
  exportOnly?: boolean;
}

function apiOf(ctx: CliContext, cmd: Command): AirlockApi {
  return connect(ctx, commonOptions(cmd).profile).api;
}

/** `airlock api-keys`: your keys (admins: everyone's), for people and agents alike. */
export function registerApiKeys(program: Command, ctx: CliContext): void {
  const keys = program
    .command("api-keys")
    .description("manage API keys: yours, or anyone's as an admin (e.g. keys for AI agents)");

  keys
    .command("list")
    .description("list API keys (never their secrets)")
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const items = await apiOf(ctx, cmd).listApiKeys();
      emit(ctx, cmd, items, () =>
        items.length === 0 ? "No API keys.\n" : apiKeyTable(items, ctx.now()),
      );
    });

  keys
    .command("create")
    .description("create an API key and print it once")
    .argument("<name>", 'key name: lowercase letters, digits, ".", "_", "-"')
    .option("--user <name>", "admins: the user (or service account) who holds the key")
    .option(
      "--connection <name>",
      "a connection the key may open sessions on, repeatable (default: any)",
      collect,
    )
    .option("--expires-in-days <n>", "days until the key expires (1 to 3650)", parseDays)
    .option(
      "--export-only",
      "a SIEM collector's key: it may only pull and verify the audit trail (holder: an auditor or admin)",
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Examples:
  airlock api-keys create agent --user agent-1 --connection demo --expires-in-days 30
  airlock api-keys create siem --user splunk --export-only --expires-in-days 365`,
    )
    .action(async (name: string, flags: CreateFlags, cmd: Command) => {
      const input: ApiKeyInput = {
        name,
        ...(flags.user === undefined ? {} : { user: flags.user }),
        ...(flags.connection === undefined ? {} : { connections: flags.connection }),
        ...(flags.expiresInDays === undefined ? {} : { expiresInDays: flags.expiresInDays }),
        ...(flags.exportOnly === true ? { scopes: ["export"] } : {}),
      };
      const created = await apiOf(ctx, cmd).createApiKeyWith(input);
      emit(ctx, cmd, created, () =>
        [
          `Created API key ${quoted(created.apiKey.name)}.\n`,
          apiKeyDetails(created.apiKey, ctx.now()),
          keyBlock(created.apiKey.userName, created.key),
        ].join("\n"),
      );
    });

  keys
    .command("revoke")
    .description("revoke an API key: it stops working at once")
    .argument("<id>", "key id (see api-keys list)")
    .action(async (id: string, _options: unknown, cmd: Command) => {
      await apiOf(ctx, cmd).revokeApiKey(id);
      ctx.term.out(`Revoked API key ${id}.\n`);
    });

  keys
    .command("rotate")
    .description("replace an API key with a new one (same holder, name, connections, expiry)")
    .argument("<id>", "key id (see api-keys list)")
    .addOption(outputOption())
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const created = await apiOf(ctx, cmd).rotateApiKey(id);
      emit(ctx, cmd, created, () =>
        [
          `Rotated API key ${id}: it is revoked; the new key replaces it.\n`,
          apiKeyDetails(created.apiKey, ctx.now()),
          keyBlock(created.apiKey.userName, created.key),
        ].join("\n"),
      );
    });
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > 3650) {
    throw new InvalidArgumentError("expected a whole number of days from 1 to 3650.");
  }
  return days;
}
