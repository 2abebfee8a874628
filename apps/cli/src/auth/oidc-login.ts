import { setTimeout as sleep } from "node:timers/promises";
import type { CliContext } from "../context";
import { CliError } from "../errors";
import {
  type AuthApi,
  DEVICE_CODE_GRANT,
  type DeviceAuthorization,
  type TokenResponse,
} from "../http/auth-api";
import { ApiError, UnreachableError } from "../http/errors";
import { formatDuration } from "../output/duration";
import { openBrowser } from "./browser";
import { startLoopback } from "./loopback";
import { pkcePair, randomState } from "./pkce";

/** Ctrl-C or SIGTERM while waiting for the login. */
export class LoginCancelledError extends CliError {
  constructor() {
    super("login cancelled; nothing was saved", 130);
  }
}

/**
 * The browser flow: a loopback listener for the redirect, PKCE and a random state, the
 * control plane's `/auth/login` opened in the browser, then the one-time code exchanged with
 * the verifier at `POST /auth/token`. The browser's page shows the outcome of the exchange.
 */
export async function browserLogin(
  ctx: CliContext,
  auth: AuthApi,
  timeoutMs: number,
): Promise<TokenResponse> {
  const { verifier, challenge } = pkcePair();
  const state = randomState();
  const loopback = await startLoopback(state);
  const stop = stopSignal(ctx);
  try {
    const url = auth.loginUrl({
      redirectUri: loopback.redirectUri,
      codeChallenge: challenge,
      state,
    });
    ctx.term.err(`Opening your browser to log in… If it does not open, visit:\n  ${url}\n`);
    openBrowser(url, ctx.env.browser);
    const callback = await withDeadline(
      loopback.callback,
      timeoutMs,
      stop.signal,
      "the browser login",
    );
    try {
      const tokens = await auth.token({
        grant_type: "authorization_code",
        code: callback.code,
        code_verifier: verifier,
        redirect_uri: loopback.redirectUri,
      });
      const who = tokens.user === undefined ? "" : ` as ${tokens.user.name}`;
      callback.respond({
        ok: true,
        message: `Logged in to Airlock${who}; you can close this window and return to the terminal.`,
      });
      return tokens;
    } catch (error) {
      const failure = exchangeFailure(error);
      callback.respond({
        ok: false,
        message: `The login could not be completed: ${failure.message}`,
      });
      throw failure;
    }
  } finally {
    stop.dispose();
    await loopback.close();
  }
}

/**
 * The device flow (RFC 8628) for machines without a browser: a code to enter on any device,
 * then `POST /auth/token` polled until the user has logged in.
 */
export async function deviceLogin(
  ctx: CliContext,
  auth: AuthApi,
  url: string,
  timeoutMs: number,
): Promise<TokenResponse> {
  const device = await auth.startDevice();
  const verification = absoluteUri(device.verification_uri, url);
  const complete =
    device.verification_uri_complete !== undefined && device.verification_uri_complete !== null
      ? absoluteUri(device.verification_uri_complete, url)
      : undefined;
  ctx.term.err(
    `To log in, open ${verification} on any device and enter the code ${device.user_code}\n` +
      (complete !== undefined ? `  or open ${complete}\n` : ""),
  );
  const stop = stopSignal(ctx);
  try {
    return await pollDeviceToken(auth, device, {
      timeoutMs,
      now: () => Date.now(),
      sleep: (ms) =>
        sleep(ms, undefined, { signal: stop.signal }).catch((error: unknown) => {
          throw stop.signal.aborted ? new LoginCancelledError() : error;
        }),
    });
  } finally {
    stop.dispose();
  }
}

export interface PollOptions {
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Network failures or 5xx answers in a row tolerated while polling. */
  readonly maxFailures?: number;
}

/**
 * Polls `POST /auth/token` with the device code every `interval` seconds (5 more after each
 * `slow_down`) until tokens come back; `expired_token`, `access_denied` and the timeout end
 * it with a message that says what to do.
 */
export async function pollDeviceToken(
  auth: Pick<AuthApi, "token">,
  device: Pick<DeviceAuthorization, "device_code" | "interval">,
  options: PollOptions,
): Promise<TokenResponse> {
  const deadline = options.now() + options.timeoutMs;
  const maxFailures = options.maxFailures ?? 3;
  // At least a second between polls, whatever the server says.
  let intervalMs = Math.max(device.interval, 1) * 1000;
  let failures = 0;
  for (;;) {
    if (options.now() + intervalMs > deadline) {
      await options.sleep(Math.max(0, deadline - options.now()));
      throw timedOut("the login on the other device", options.timeoutMs);
    }
    await options.sleep(intervalMs);
    try {
      return await auth.token({ grant_type: DEVICE_CODE_GRANT, device_code: device.device_code });
    } catch (error) {
      if (transient(error) && ++failures <= maxFailures) continue;
      if (!(error instanceof ApiError)) throw error;
      failures = 0;
      switch (error.code) {
        case "authorization_pending":
          continue;
        case "slow_down":
          intervalMs += 5_000;
          continue;
        case "expired_token":
          throw new CliError(
            "the code expired before the login was completed; run airlock login --no-browser again",
          );
        case "access_denied":
          throw new CliError(`the login was denied: ${error.serverMessage}`);
        default:
          throw error;
      }
    }
  }
}

function transient(error: unknown): boolean {
  return error instanceof UnreachableError || (error instanceof ApiError && error.status >= 500);
}

/** What a refused code exchange means for the person at the terminal. */
function exchangeFailure(error: unknown): Error {
  if (error instanceof ApiError && error.status < 500 && error.code !== "http_error") {
    return new CliError(
      `the control plane refused the login code: ${error.serverMessage} (${error.code}); ` +
        "nothing was saved, run airlock login again",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A URI the control plane may give as a path (`/auth/device`), made absolute on `base`. */
export function absoluteUri(uri: string, base: string): string {
  if (/^https?:\/\//i.test(uri)) return uri;
  return `${base}${uri.startsWith("/") ? "" : "/"}${uri}`;
}

function timedOut(what: string, timeoutMs: number): CliError {
  return new CliError(
    `gave up waiting for ${what} after ${formatDuration(timeoutMs)}; nothing was saved, ` +
      "run airlock login again (--timeout to wait longer)",
  );
}

/** Aborted at the first Ctrl-C or SIGTERM until disposed. */
function stopSignal(ctx: CliContext): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const unsubscribe = ctx.signals.onStop(() => controller.abort());
  return { signal: controller.signal, dispose: unsubscribe };
}

/** `promise`, unless `timeoutMs` passes or `signal` aborts first. */
async function withDeadline<T>(
  promise: Promise<T>,
  timeoutMs: number,
  signal: AbortSignal,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timedOut(what, timeoutMs)), timeoutMs);
      }),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(new LoginCancelledError());
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}
