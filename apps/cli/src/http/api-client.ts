import type { z } from "zod";
import { formatIssues } from "../zod-issues";
import {
  apiErrorFrom,
  LoginRefusedError,
  type RequestLabel,
  UnexpectedResponseError,
  unreachableFrom,
} from "./errors";

/** Where the Bearer credential of each request comes from. */
export interface Credentials {
  /** `api_key` (fixed) or `login` (an OIDC access token, refreshed as it nears expiry). */
  readonly kind: "api_key" | "login";
  /** The credential for the next request; a login refreshes its token here when needed. */
  bearer(): Promise<string>;
  /**
   * Called once when `rejected` got a 401: the credential to retry with, or undefined to give
   * up. Absent for API keys, which no retry can fix.
   */
  renew?(rejected: string): Promise<string | undefined>;
}

/** A fixed API key. */
export function apiKeyCredentials(apiKey: string): Credentials {
  return { kind: "api_key", bearer: () => Promise.resolve(apiKey) };
}

export interface ApiClientOptions {
  /** Control plane base URL without a trailing slash, e.g. http://127.0.0.1:8080. */
  readonly baseUrl: string;
  /** Undefined for the unauthenticated `/auth/*` endpoints: no Authorization header. */
  readonly credentials: Credentials | undefined;
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
 * (ApiError, UnreachableError, UnexpectedResponseError). A 401 for a login's access token is
 * retried once with a refreshed one (the token may have been revoked or rotated meanwhile).
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

  /** POST whose answer has no body worth reading (204). */
  async postNoContent(path: string, body: unknown): Promise<void> {
    await this.send("POST", path, body, undefined);
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
    const { credentials } = this.options;
    const bearer = await credentials?.bearer();
    let answer = await this.exchange(method, path, body, bearer);
    if (answer.status === 401 && bearer !== undefined && credentials?.renew !== undefined) {
      const renewed = await credentials.renew(bearer);
      if (renewed !== undefined && renewed !== bearer) {
        answer = await this.exchange(method, path, body, renewed);
      }
    }
    const { status, statusText, text, location } = answer;

    if (status >= 300 && status < 400) {
      throw new UnexpectedResponseError(
        `the control plane redirected ${method} ${path} to ${location ?? "(no location)"}; ` +
          "log in again with the final URL (airlock login --url …)",
      );
    }
    if (status < 200 || status >= 300) {
      const error = apiErrorFrom(request, status, statusText, text);
      throw status === 401 && credentials?.kind === "login" ? LoginRefusedError.from(error) : error;
    }
    if (schema === undefined) return undefined;
    return parseBody(request, status, text, schema);
  }

  /** One HTTP round trip; network failures become UnreachableError. */
  private async exchange(
    method: Method,
    path: string,
    body: unknown,
    bearer: string | undefined,
  ): Promise<{ status: number; statusText: string; text: string; location: string | null }> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": this.options.userAgent,
    };
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
    const raw = body instanceof RawBody ? body : undefined;
    if (body !== undefined) headers["content-type"] = raw?.contentType ?? "application/json";
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
      return {
        status: response.status,
        statusText: response.statusText,
        location: response.headers.get("location"),
        text: await response.text(),
      };
    } catch (error) {
      throw unreachableFrom(error, this.options.baseUrl, this.timeoutMs);
    }
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
