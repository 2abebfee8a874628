// `GET /api/v1/export/events` (docs/design/0010-audit.md, "Export (pull)"). The JSON formats
// go through the shared ApiClient; CEF answers text/plain with the cursor in headers, which
// ApiClient (JSON only) does not read, so that one request is made here with the same
// credentials, error mapping and timeout.
import { z } from "zod";
import type { ApiClient, Credentials } from "./api-client";
import {
  apiErrorFrom,
  LoginRefusedError,
  UnexpectedResponseError,
  unreachableFrom,
} from "./errors";

export const EXPORT_FORMATS = ["ocsf", "cef", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const Seq = z.string().regex(/^\d+$/, { error: "expected a seq (a whole number)" });

export const ExportPageSchema = z.object({
  events: z.array(z.record(z.string(), z.unknown())),
  next_cursor: Seq,
  has_more: z.boolean(),
});

export interface ExportQuery {
  format: ExportFormat;
  cursor?: string;
  /** ISO time: start at the first event at or after it (instead of a cursor). */
  since?: string;
  limit?: number;
}

/** One page as lines (a JSON object or a CEF record each), and where to go on. */
export interface ExportChunk {
  lines: string[];
  nextCursor: string;
  hasMore: boolean;
}

export interface RawAccess {
  readonly baseUrl: string;
  readonly credentials: Credentials;
  readonly fetch: typeof fetch;
  readonly userAgent: string;
  readonly timeoutMs?: number;
}

const EXPORT_PATH = "/api/v1/export/events";

/** GET /api/v1/audit/verify (docs/design/0010-audit.md, "The chain"). */
export const VerifyResultSchema = z.object({
  ok: z.boolean(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  firstSeq: z.string().nullable(),
  lastSeq: z.string().nullable(),
  events: z.number(),
  checkpoints: z.number(),
  lastCheckpoint: z.object({ seq: z.string(), at: z.string() }).nullable(),
  problems: z.array(
    z.object({
      kind: z.string(),
      seq: z.string().nullable(),
      id: z.string().nullable(),
      message: z.string(),
    }),
  ),
});
export type VerifyResult = z.output<typeof VerifyResultSchema>;

export class AuditApi {
  constructor(
    private readonly http: ApiClient,
    private readonly raw: RawAccess,
  ) {}

  verify(range: { from?: string; to?: string }): Promise<VerifyResult> {
    const params = new URLSearchParams();
    if (range.from !== undefined) params.set("from", range.from);
    if (range.to !== undefined) params.set("to", range.to);
    const query = params.toString();
    return this.http.get(
      `/api/v1/audit/verify${query === "" ? "" : `?${query}`}`,
      VerifyResultSchema,
    );
  }

  exportPage(query: ExportQuery): Promise<ExportChunk> {
    const params = new URLSearchParams({ format: query.format });
    if (query.cursor !== undefined) params.set("cursor", query.cursor);
    if (query.since !== undefined) params.set("since", query.since);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const path = `${EXPORT_PATH}?${params.toString()}`;
    return query.format === "cef" ? this.cefPage(path) : this.jsonPage(path);
  }

  private async jsonPage(path: string): Promise<ExportChunk> {
    const page = await this.http.get(path, ExportPageSchema);
    return {
      lines: page.events.map((event) => JSON.stringify(event)),
      nextCursor: page.next_cursor,
      hasMore: page.has_more,
    };
  }

  private async cefPage(path: string): Promise<ExportChunk> {
    const { credentials } = this.raw;
    const bearer = await credentials.bearer();
    let response = await this.get(path, bearer);
    if (response.status === 401 && credentials.renew !== undefined) {
      const renewed = await credentials.renew(bearer);
      if (renewed !== undefined && renewed !== bearer) response = await this.get(path, renewed);
    }
    const { text } = response;
    if (response.status < 200 || response.status >= 300) {
      const error = apiErrorFrom(
        { method: "GET", path },
        response.status,
        response.statusText,
        text,
      );
      throw response.status === 401 && credentials.kind === "login"
        ? LoginRefusedError.from(error)
        : error;
    }
    const nextCursor = response.headers.get("x-airlock-next-cursor");
    const hasMore = response.headers.get("x-airlock-has-more");
    if (
      nextCursor === null ||
      !/^\d+$/.test(nextCursor) ||
      (hasMore !== "true" && hasMore !== "false")
    ) {
      throw new UnexpectedResponseError(
        `GET ${path} answered without X-Airlock-Next-Cursor / X-Airlock-Has-More; is this CLI the same version as the control plane?`,
      );
    }
    return {
      lines: text.split("\n").filter((line) => line.length > 0),
      nextCursor,
      hasMore: hasMore === "true",
    };
  }

  /** One round trip, body read; network failures (and timeouts) become UnreachableError. */
  private async get(
    path: string,
    bearer: string,
  ): Promise<{ status: number; statusText: string; headers: Headers; text: string }> {
    const timeoutMs = this.raw.timeoutMs ?? 30_000;
    try {
      const response = await this.raw.fetch(`${this.raw.baseUrl}${path}`, {
        method: "GET",
        headers: {
          accept: "text/plain",
          authorization: `Bearer ${bearer}`,
          "user-agent": this.raw.userAgent,
        },
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      const { status, statusText, headers } = response;
      return { status, statusText, headers, text: await response.text() };
    } catch (error) {
      throw unreachableFrom(error, this.raw.baseUrl, timeoutMs);
    }
  }
}
