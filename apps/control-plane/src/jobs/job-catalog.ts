// The one catalog of BullMQ queues and their payloads (STYLE 11). Every job is idempotent:
// its jobId is derived from the fact it acts on, and its handler re-checks that fact in
// Postgres (the source of truth) before doing anything. Jobs are enqueued after the commit
// that makes them true. See docs/design/0006-approvals.md.

export interface JobCatalog {
  /** A pending review (command or grant request) may have reached its expiry. */
  "review-expiry": { reviewId: string };
  /** An active grant may have reached its expiry. */
  "grant-expiry": { grantId: string };
  /** Deliver one webhook_deliveries row. */
  "webhook-delivery": { deliveryId: string };
  /** Ask the IdP again about every login session due for it (repeatable; docs/design/0009). */
  "identity-recheck": Record<string, never>;
  /** Push the sealed audit events after a sink's cursor to it (docs/design/0010-audit.md). */
  "audit-sink-delivery": { sink: string };
  /** Prune by the retention settings (repeatable). */
  "audit-retention": Record<string, never>;
}

export type JobName = keyof JobCatalog;

export const JOB_NAMES: readonly JobName[] = [
  "review-expiry",
  "grant-expiry",
  "webhook-delivery",
  "identity-recheck",
  "audit-sink-delivery",
  "audit-retention",
];

/** The jobId of the one job that acts on a fact (BullMQ ignores a second add with it). */
export function jobIdOf<N extends JobName>(name: N, payload: JobCatalog[N]): string {
  switch (name) {
    case "review-expiry":
      return `review-expiry-${(payload as JobCatalog["review-expiry"]).reviewId}`;
    case "grant-expiry":
      return `grant-expiry-${(payload as JobCatalog["grant-expiry"]).grantId}`;
    case "webhook-delivery":
      return `webhook-delivery-${(payload as JobCatalog["webhook-delivery"]).deliveryId}`;
    case "identity-recheck":
      return "identity-recheck";
    case "audit-sink-delivery":
      return `audit-sink-delivery-${(payload as JobCatalog["audit-sink-delivery"]).sink}`;
    case "audit-retention":
      return "audit-retention";
    default:
      throw new Error(`unknown job ${String(name)}`);
  }
}

export interface EnqueueOptions {
  /** Run no earlier than this. */
  runAt?: Date;
  /** Retries with exponential backoff (webhook delivery). */
  attempts?: number;
  backoffMs?: number;
}

/** Handles one job; throwing makes BullMQ retry it (when attempts remain). */
export type JobHandler<N extends JobName> = (
  payload: JobCatalog[N],
  attempt: { number: number; final: boolean },
) => Promise<void>;
