// REST shapes of webhooks and their deliveries (docs/design/0006-approvals.md,
// "Notifications"). A webhook's secret appears in one response only: the create's.
import { z } from "zod";
import { Name, NullableTimestamp, Timestamp } from "../validation/common.schemas";

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DEFAULT_DELIVERY_PAGE = 50;
export const MAX_DELIVERY_PAGE = 500;

/** `deliveries` is a route under /api/v1/webhooks, so it cannot name a webhook. */
const RESERVED_NAMES = new Set(["deliveries"]);

export const WebhookName = Name.refine((name) => !RESERVED_NAMES.has(name), {
  error: '"deliveries" is reserved (GET /api/v1/webhooks/deliveries); choose another name',
});

const URL_RULE = "must be an absolute http:// or https:// URL";
const MAX_URL_CHARS = 2048;

export const WebhookUrl = z
  .string({ error: URL_RULE })
  .trim()
  .max(MAX_URL_CHARS, { error: `must be at most ${MAX_URL_CHARS} characters long` })
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: URL_RULE });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: `${URL_RULE}; got a ${url.protocol} URL` });
    } else if (url.username !== "" || url.password !== "") {
      ctx.addIssue({
        code: "custom",
        message:
          "must not contain user:password@; receivers authenticate deliveries by their X-Airlock-Signature",
      });
    }
  });

const SECRET_MIN = 16;
const SECRET_MAX = 256;

export const CreateWebhookBody = z.strictObject({
  name: WebhookName,
  url: WebhookUrl,
  all: z
    .boolean()
    .default(false)
    .describe("receive every notification; otherwise only those of rules that name it in notify"),
  secret: z
    .string()
    .min(SECRET_MIN, { error: `must be at least ${SECRET_MIN} characters long` })
    .max(SECRET_MAX, { error: `must be at most ${SECRET_MAX} characters long` })
    .optional()
    .describe("the signing secret; absent: 32 random bytes, base64url, generated for you"),
});
export type CreateWebhookBody = z.output<typeof CreateWebhookBody>;

export const WebhookParam = Name;

export const WebhookView = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  all: z.boolean(),
  createdAt: Timestamp,
});
export type WebhookView = z.output<typeof WebhookView>;

export const WebhookList = z.object({ items: z.array(WebhookView) });
export type WebhookList = z.output<typeof WebhookList>;

export const CreatedWebhook = z.object({
  webhook: WebhookView,
  /** The signing secret, shown once: it is never returned again. */
  secret: z.string(),
});
export type CreatedWebhook = z.output<typeof CreatedWebhook>;

export const DeliveryView = z.object({
  id: z.uuid(),
  /** The webhook's name. */
  webhook: z.string(),
  event: z.string(),
  reviewId: z.string().nullable(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.int(),
  /** The HTTP status of the last attempt; null when it got no answer. */
  lastStatus: z.int().nullable(),
  lastError: z.string().nullable(),
  createdAt: Timestamp,
  deliveredAt: NullableTimestamp,
  failedAt: NullableTimestamp,
});
export type DeliveryView = z.output<typeof DeliveryView>;

export const DeliveryList = z.object({ items: z.array(DeliveryView) });
export type DeliveryList = z.output<typeof DeliveryList>;

const LIMIT_RULE = `must be an integer from 1 to ${MAX_DELIVERY_PAGE}`;

export const DeliveryListQuery = z.strictObject({
  status: z
    .enum(DELIVERY_STATUSES, {
      error: `must be one of ${DELIVERY_STATUSES.map((s) => `"${s}"`).join(", ")}`,
    })
    .optional()
    .describe("only deliveries in this status"),
  webhook: Name.optional().describe("only deliveries to the webhook with this name"),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, { error: LIMIT_RULE })
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_DELIVERY_PAGE, { error: LIMIT_RULE })
    .optional()
    .transform((v) => v ?? DEFAULT_DELIVERY_PAGE)
    .describe(
      `how many, newest first: 1 to ${MAX_DELIVERY_PAGE} (default ${DEFAULT_DELIVERY_PAGE})`,
    ),
});
export type DeliveryListQuery = z.output<typeof DeliveryListQuery>;
