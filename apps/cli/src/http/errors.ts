import { z } from "zod";
import { CliError } from "../errors";

/** What was asked, for error lines: `GET /api/v1/connections/x`. */
export interface RequestLabel {
  readonly method: string;
  readonly path: string;
}

/** One problem of a document the server refused (a policy): where, and what is wrong. */
export interface ApiIssue {
  readonly path: string;
  readonly message: string;
}

/** The control plane answered with an error body `{error:{code,message,field?,issues?}}` (or without one). */
export class ApiError extends CliError {
  constructor(
    readonly request: RequestLabel,
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly field: string | undefined,
    readonly issues: readonly ApiIssue[] = [],
  ) {
    const fieldNote =
      field !== undefined && !serverMessage.includes(field) ? ` [field: ${field}]` : "";
    super(`${serverMessage}${fieldNote} (${request.method} ${request.path} → ${status})`);
  }
}

/**
 * A 401 for the access token of an OIDC login, after one refresh and retry: the control plane
 * no longer accepts the login (revoked, user disabled).
 */
export class LoginRefusedError extends ApiError {
  static from(error: ApiError): LoginRefusedError {
    return new LoginRefusedError(
      error.request,
      error.status,
      error.code,
      error.serverMessage,
      error.field,
      error.issues,
    );
  }
}

/** The request never got an HTTP answer: refused, unresolvable host, TLS failure, timeout. */
export class UnreachableError extends CliError {}

/** The control plane answered something this CLI does not understand. */
export class UnexpectedResponseError extends CliError {}

const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** The OAuth-style error body of the `/auth/*` endpoints: `{error, error_description}`. */
const OAuthErrorBodySchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "invalid_input",
  401: "unauthenticated",
  403: "permission_denied",
  404: "not_found",
  409: "conflict",
  500: "internal",
  503: "unavailable",
};

/**
 * Maps a non-2xx answer to an ApiError, with or without the contract's error body. The
 * `/auth/*` endpoints' OAuth body gives `code` = `error` (e.g. `authorization_pending`).
 */
export function apiErrorFrom(
  request: RequestLabel,
  status: number,
  statusText: string,
  bodyText: string,
): ApiError {
  const parsed = ErrorBodySchema.safeParse(tryJson(bodyText));
  if (parsed.success) {
    const { code, message, field, issues } = parsed.data.error;
    return new ApiError(request, status, code, message, field, issues);
  }
  const oauth = OAuthErrorBodySchema.safeParse(tryJson(bodyText));
  if (oauth.success) {
    const { error, error_description: description } = oauth.data;
    return new ApiError(request, status, error, description ?? error, undefined);
  }
  const code = CODE_BY_STATUS[status] ?? "http_error";
  const reason = statusText === "" ? `HTTP ${status}` : `HTTP ${status} ${statusText}`;
  return new ApiError(
    request,
    status,
    code,
    status === 404
      ? `${reason} with no error details; is the URL an Airlock control plane?`
      : `${reason} with no error details`,
    undefined,
  );
}

const TLS_CODES =
  /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME_MISMATCH|ERR_TLS/;

/**
 * Maps what fetch throws to one line: `cannot reach the control plane at <url> (ECONNREFUSED);
 * is it running? start it with npm run demo`. Timeouts and TLS failures get their own hints.
 */
export function unreachableFrom(
  error: unknown,
  baseUrl: string,
  timeoutMs: number,
): UnreachableError {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new UnreachableError(
      `the control plane at ${baseUrl} did not answer within ${Math.round(timeoutMs / 1000)}s; is it overloaded or behind a firewall?`,
    );
  }
  const code = networkCode(error);
  if (code !== undefined && TLS_CODES.test(code)) {
    return new UnreachableError(
      `cannot set up TLS with the control plane at ${baseUrl} (${code}); check the URL and the server's certificate`,
    );
  }
  const hint =
    code === "ENOTFOUND" || code === "EAI_AGAIN"
      ? "check the host name in the URL"
      : "is it running? start it with npm run demo";
  return new UnreachableError(
    `cannot reach the control plane at ${baseUrl} (${code ?? describeCause(error)}); ${hint}`,
  );
}

/** undici wraps the socket error: TypeError('fetch failed', {cause}); happy eyeballs nest an AggregateError. */
function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if ("code" in current && typeof current.code === "string") return current.code;
    if (current instanceof AggregateError) {
      const first: unknown = current.errors[0];
      if (first instanceof Error && "code" in first && typeof first.code === "string")
        return first.code;
    }
    current = current.cause;
  }
  return undefined;
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    return error.cause instanceof Error ? error.cause.message : error.message;
  }
  return String(error);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
