// One HTTP POST of a delivery. Redirects are not followed (a 3xx is a failure: the signed
// body must reach the URL the admin registered, not wherever it points). The outcome holds
// at most the status code and a short error class: never the response body, the URL or
// the secret.

export const SEND_TIMEOUT_MS = 10_000;

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type SendOutcome =
  { ok: true; status: number } | { ok: false; status: number | null; error: string };

export type FetchFn = typeof fetch;

export async function sendWebhook(
  request: WebhookRequest,
  fetchFn: FetchFn = fetch,
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetchFn(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, status: null, error: networkError(err, timeoutMs) };
  }
  // The body is never read: free the connection.
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status >= 300 && status < 400)
    return { ok: false, status, error: `HTTP ${status}: redirects are not followed` };
  return { ok: false, status, error: `HTTP ${status}` };
}

/** A short class of what went wrong, from the error's name and code only. */
function networkError(err: unknown, timeoutMs: number): string {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError")
    return `no answer within ${timeoutMs / 1000} s`;
  const code = codeOf((err as { cause?: unknown } | null)?.cause) ?? codeOf(err);
  return code === undefined ? "network error" : `network error (${code})`;
}

function codeOf(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}
