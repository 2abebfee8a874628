import { type Command, InvalidArgumentError, Option } from "commander";
import { type CliContext, connect } from "../context";
import { UsageError } from "../errors";
import { DELIVERY_STATUSES, type DeliveryQuery } from "../http/webhook-schemas";
import { WebhooksApi } from "../http/webhooks-api";
import { outputOption } from "../output/format-option";
import { deliveryDetails, deliveryTable, webhookDetails, webhookTable } from "../views/webhooks";
import { commonOptions, emit, quoted } from "./shared";

interface CreateOptions {
  url: string;
  all?: boolean;
  secretStdin?: boolean;
}

interface DeliveriesOptions {
  status?: DeliveryQuery["status"];
  webhook?: string;
  limit?: number;
}

/** How a receiver checks a delivery's signature (webhooks and audit sinks sign alike). */
export const SIGNATURE_HELP =
  'X-Airlock-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>';

function webhooksApi(ctx: CliContext, cmd: Command): WebhooksApi {
  return new WebhooksApi(connect(ctx, commonOptions(cmd).profile).api.http);
}

export function registerAdminWebhooks(admin: Command, ctx: CliContext): void {
  const webhooks = admin
    .command("webhooks")
    .description("send signed approval notifications to HTTP endpoints (Slack relays, bots, …)");

  webhooks
    .command("create")
    .description("register a webhook and print its signing secret (shown once)")
    .argument("<name>", 'webhook name: lowercase letters, digits, ".", "_", "-"')
    .requiredOption("--url <url>", "where deliveries are POSTed: an http:// or https:// URL")
    .option("--all", "receive every notification (default: only rules that name it in notify)")
    .option(
      "--secret-stdin",
      "read the signing secret (16+ characters) from stdin or a hidden prompt; default: generated",
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Each delivery is a JSON POST with X-Airlock-Event, X-Airlock-Delivery and
  ${SIGNATURE_HELP}

Example:
  airlock admin webhooks create approvals-bot --url https://bot.internal/airlock --all`,
    )
    .action(async (name: string, options: CreateOptions, cmd: Command) => {
      const api = webhooksApi(ctx, cmd);
      const secret =
        options.secretStdin === true
          ? await readSigningSecret(ctx, "Webhook signing secret: ")
          : undefined;
      const created = await api.create({
        name,
        url: options.url,
        all: options.all === true,
        ...(secret === undefined ? {} : { secret }),
      });
      emit(ctx, cmd, created, () =>
        [
          `Created webhook ${quoted(created.webhook.name)}.\n`,
          webhookDetails(created.webhook, ctx.now()),
          secret === undefined
            ? signingSecretBlock(created.secret, "delivery")
            : "Signing secret: the one you gave on stdin (not printed).\n",
        ].join("\n"),
      );
    });

  webhooks
    .command("list")
    .description("list webhooks (their secrets are never shown again)")
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const items = await webhooksApi(ctx, cmd).list();
      emit(ctx, cmd, items, () =>
        items.length === 0
          ? "No webhooks yet. Create one with: airlock admin webhooks create <name> --url <url>\n"
          : webhookTable(items, ctx.now()),
      );
    });

  webhooks
    .command("delete")
    .description("delete a webhook and its deliveries")
    .argument("<name>", "webhook name")
    .action(async (name: string, _options: unknown, cmd: Command) => {
      await webhooksApi(ctx, cmd).delete(name);
      ctx.term.out(`Deleted webhook ${quoted(name)}.\n`);
    });

  webhooks
    .command("test")
    .description("queue a webhook.test delivery to one webhook")
    .argument("<name>", "webhook name")
    .addOption(outputOption())
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const delivery = await webhooksApi(ctx, cmd).test(name);
      emit(ctx, cmd, delivery, () =>
        [
          `Queued a test delivery to webhook ${quoted(name)}.\n`,
          deliveryDetails(delivery, ctx.now()),
          `Follow it with: airlock admin webhooks deliveries --webhook ${name}\n`,
        ].join("\n"),
      );
    });

  webhooks
    .command("deliveries")
    .description("list deliveries, newest first")
    .addOption(
      new Option("--status <status>", "only deliveries in this status").choices(DELIVERY_STATUSES),
    )
    .option("--webhook <name>", "only deliveries to this webhook")
    .option("--limit <n>", "how many (1 to 500; default: the server's, 50)", parseLimit)
    .addOption(outputOption())
    .action(async (options: DeliveriesOptions, cmd: Command) => {
      const items = await webhooksApi(ctx, cmd).deliveries({
        status: options.status,
        webhook: options.webhook,
        limit: options.limit,
      });
      emit(ctx, cmd, items, () =>
        items.length === 0 ? "No deliveries.\n" : deliveryTable(items, ctx.now()),
      );
    });
}

/** A signing secret read from stdin (or a hidden prompt): webhooks and audit sinks alike. */
export async function readSigningSecret(ctx: CliContext, prompt: string): Promise<string> {
  const secret = await ctx.term.readSecret(prompt);
  if (secret === "") throw new UsageError("--secret-stdin: no secret on stdin");
  return secret;
}

/** The once-only display of a signing secret and how receivers check it. */
export function signingSecretBlock(secret: string, unit: "delivery" | "batch"): string {
  return [
    "Signing secret (shown once: it cannot be retrieved again, store it now):",
    `  ${secret}`,
    "",
    `Receivers check each ${unit}'s`,
    `  ${SIGNATURE_HELP}`,
    "",
  ].join("\n");
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > 500) {
    throw new InvalidArgumentError("expected an integer from 1 to 500.");
  }
  return limit;
}
