import { status as Status } from "@grpc/grpc-js";

/** What a failure line needs to know besides the status. */
export interface FailureContext {
  /** The gRPC address the CLI dialled. */
  readonly address: string;
  readonly insecure: boolean;
  /** True when the key came from AIRLOCK_API_KEY (the fix differs). */
  readonly apiKeyFromEnv: boolean;
  /** True when the credential is an OIDC login's access token, not an API key. */
  readonly login?: boolean;
}

/** What grpc-js itself reports when it never got a connection to the control plane. */
const LOCAL_FAILURE =
  /No connection established|Connection dropped|Failed to connect|Name resolution failed|DNS resolution failed|\bE(CONNREFUSED|CONNRESET|NOTFOUND|AI_AGAIN|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE)\b/;
const TLS_FAILURE = /SSL|TLS|certificate|CERT_|self.signed|wrong version number|handshake/i;

/**
 * One line for the person at the terminal about a call that ended with a gRPC error:
 * `cannot reach the control plane at …`, `your API key (or login) was refused …`, or the server's reason.
 */
export function describeCallFailure(
  status: { readonly code: Status; readonly details: string },
  context: FailureContext,
): string {
  const details = status.details.trim() || Status[status.code] || String(status.code);
  switch (status.code) {
    case Status.UNAVAILABLE:
      return LOCAL_FAILURE.test(details) || TLS_FAILURE.test(details)
        ? unreachable(details, context)
        : `the control plane could not open the session: ${details}`;
    case Status.UNAUTHENTICATED: {
      if (context.login === true && !context.apiKeyFromEnv) {
        return `your login was refused by the control plane: ${details}; log in again: airlock login`;
      }
      const fix = context.apiKeyFromEnv
        ? "check AIRLOCK_API_KEY, which overrides the stored key"
        : "log in again: airlock login --api-key -";
      return `your API key was refused by the control plane: ${details}; ${fix}`;
    }
    case Status.PERMISSION_DENIED:
      return `permission denied: ${details}`;
    case Status.NOT_FOUND:
    case Status.INVALID_ARGUMENT:
    case Status.FAILED_PRECONDITION:
      return details;
    case Status.UNIMPLEMENTED:
      return `the control plane at ${context.address} does not accept client sessions (${details}); is it the same version as this CLI?`;
    case Status.RESOURCE_EXHAUSTED:
      return `the control plane refused a message as too large or too many: ${details}`;
    default:
      return `the session failed: ${details} (${Status[status.code] ?? status.code})`;
  }
}

function unreachable(details: string, context: FailureContext): string {
  const transport = context.insecure ? "plaintext gRPC" : "gRPC over TLS";
  const cause = summarize(details);
  if (TLS_FAILURE.test(details)) {
    return (
      `cannot set up TLS with the control plane at ${context.address} (${cause}); ` +
      "for a plaintext control plane log in with --grpc-insecure, for a private CA set AIRLOCK_GRPC_CA_FILE"
    );
  }
  return (
    `cannot reach the control plane at ${context.address} over ${transport} (${cause}); ` +
    "is it running? Check the address (airlock login --grpc-address, or AIRLOCK_GRPC_ADDRESS)" +
    (context.insecure ? "" : " and whether it serves TLS (--grpc-insecure if it does not)")
  );
}

/**
 * The useful part of grpc-js's connection error: `ECONNREFUSED`, OpenSSL's reason
 * (`wrong version number`), or the last error without the resolver notes.
 */
export function summarize(details: string): string {
  const last = /Last error: (?:Error: )?([\s\S]*?)(?:\.?\s*Resolution note:[\s\S]*)?$/.exec(
    details,
  )?.[1];
  const text = (last ?? details).trim();
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(text)?.[1];
  if (ssl !== undefined) return ssl.trim();
  const code = /\b(E[A-Z_]{3,})\b/.exec(text)?.[1];
  return code ?? text;
}
