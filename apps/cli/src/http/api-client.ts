import type { z } from "zod";
import { formatIssues } from "../zod-issues";
import {
  apiErrorFrom,
  type RequestLabel,
  UnexpectedResponseError,
  unreachableFrom,
} from "./errors";

export interface ApiClientOptions {
  /** Control plane base URL without a trailing slash, e.g. http://127.0.0.1:8080. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly fetch: typeof fetch;
  readonly userAgent: string;
  readonly timeoutMs?: number;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A body sent as is (e.g. YAML text) with its content type, instead of as JSON. */
export class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

/**
 * A small typed wrapper around fetch: bearer auth, JSON in and out, every answer validated
 * with a zod schema, every failure mapped to one error with a readable message
 * (ApiError, UnreachableError, UnexpectedResponseError).
 */
export class ApiClient {
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return this.send("GET", path, undefined, schema);
  }

  post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    return this.send("POST", path, body, schema);
  }

  patch<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    return this.send("PATCH", path, body, schema);
  }

  /** PUT with a JSON body, or a RawBody sent as is with its content type. */
  put<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    return this.send("PUT", path, body, schema);
  }

  async delete(path: string): Promise<void> {
    await this.send("DELETE", path, undefined, undefined);
  }

  private async send<T>(
    method: Method,
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
  ): Promise<T>;
  private async send(
    method: Method,
    path: string,
    body: unknown,
    schema: undefined,
  ): Promise<undefined>;
  private async send<T>(
    method: Method,
    path: string,
    body: unknown,
    schema: z.ZodType<T> | undefined,
  ): Promise<T | undefined> {
    const request: RequestLabel = { method, path };
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization: `Bearer ${this.options.apiKey}`,
      "user-agent": this.options.userAgent,
    };
    const raw = body instanceof RawBody ? body : undefined;
    if (body !== undefined) headers["content-type"] = raw?.contentType ?? "application/json";

    let status: number;
    let statusText: string;
    let text: string;
    let location: string | null;
    try {
      const response = await this.options.fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers,
        body: raw !== undefined ? raw.text : body === undefined ? undefined : JSON.stringify(body),
        // A redirect would be followed without the Authorization header (cross-origin) or would
        // silently change where the key goes; make the user set the final URL instead.
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      statusText = response.statusText;
      location = response.headers.get("location");
      text = await response.text();
    } catch (error) {
      throw unreachableFrom(error, this.options.baseUrl, this.timeoutMs);
    }

    if (status >= 300 && status < 400) {
      throw new UnexpectedResponseError(
        `the control plane redirected ${method} ${path} to ${location ?? "(no location)"}; ` +
          "log in again with the final URL (airlock login --url …)",
      );
    }
    if (status < 200 || status >= 300) throw apiErrorFrom(request, status, statusText, text);
    if (schema === undefined) return undefined;
    return parseBody(request, status, text, schema);
  }
}

function parseBody<T>(
  request: RequestLabel,
  status: number,
  text: string,
  schema: z.ZodType<T>,
): T {
  const where = `${request.method} ${request.path} → ${status}`;
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new UnexpectedResponseError(
      `the control plane answered ${where} with a body that is not JSON; is the URL an Airlock control plane?`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new UnexpectedResponseError(
      `unexpected answer to ${where}: ${formatIssues(parsed.error)}; ` +
        "is this CLI the same version as the control plane?",
    );
  }
  return parsed.data;
}
