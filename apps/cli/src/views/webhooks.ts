import type { Delivery, Webhook } from "../http/webhook-schemas";
import { renderDetails } from "../output/details";
import { type Column, renderTable } from "../output/table";
import { orDash } from "../output/text";
import { formatAge, formatTimestamp } from "../output/time";

export function webhookTable(webhooks: readonly Webhook[], now: Date): string {
  const columns: Column<Webhook>[] = [
    { header: "NAME", value: (w) => w.name },
    { header: "URL", value: (w) => w.url },
    { header: "RECEIVES", value: (w) => receives(w) },
    { header: "CREATED", value: (w) => formatAge(w.createdAt, now) },
  ];
  return renderTable(columns, webhooks);
}

export function webhookDetails(w: Webhook, now: Date): string {
  return renderDetails([
    ["Name", w.name],
    ["ID", w.id],
    ["URL", w.url],
    ["Receives", receives(w)],
    ["Created", formatTimestamp(w.createdAt, now)],
  ]);
}

export function deliveryTable(deliveries: readonly Delivery[], now: Date): string {
  const columns: Column<Delivery>[] = [
    { header: "ID", value: (d) => d.id },
    { header: "WEBHOOK", value: (d) => d.webhook },
    { header: "EVENT", value: (d) => d.event },
    { header: "REVIEW", value: (d) => orDash(d.reviewId) },
    { header: "STATUS", value: (d) => d.status },
    { header: "ATTEMPTS", value: (d) => String(d.attempts) },
    { header: "LAST RESULT", value: (d) => lastResult(d) },
    { header: "CREATED", value: (d) => formatAge(d.createdAt, now) },
  ];
  return renderTable(columns, deliveries);
}

export function deliveryDetails(d: Delivery, now: Date): string {
  return renderDetails([
    ["Delivery", d.id],
    ["Webhook", d.webhook],
    ["Event", d.event],
    ["Review", orDash(d.reviewId)],
    ["Status", d.status],
    ["Attempts", String(d.attempts)],
    ["Last result", lastResult(d)],
    ["Created", formatTimestamp(d.createdAt, now)],
  ]);
}

function receives(w: Webhook): string {
  return w.all ? "all notifications" : "rules that name it (notify)";
}

/** `HTTP 500`, `no answer within 10 s`, `200`; `-` before the first attempt. */
function lastResult(d: Delivery): string {
  if (d.lastError) return d.lastError;
  if (d.lastStatus != null) return String(d.lastStatus);
  return "-";
}
