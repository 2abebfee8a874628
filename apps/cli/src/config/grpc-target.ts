import { ConfigError } from "../errors";
import type { StoredProfile } from "./config-file";
import type { CliEnv } from "./env";

/** The control plane's gRPC port when nothing says otherwise (DESIGN.md §6). */
export const DEFAULT_GRPC_PORT = 8090;

/** Where `airlock connect` and `airlock exec` open their gRPC streams, and how. */
export interface GrpcTarget {
  /** `host:port`; IPv6 hosts in brackets. */
  readonly address: string;
  /** Plaintext gRPC (no TLS). */
  readonly insecure: boolean;
  /** A PEM file of CA certificates to trust (AIRLOCK_GRPC_CA_FILE); else the system roots. */
  readonly caFile: string | undefined;
  readonly addressFrom: "AIRLOCK_GRPC_ADDRESS" | "profile" | "default";
}

/** `host:8090` from the REST URL's host; IPv6 hosts keep their brackets. */
export function grpcAddressFor(restUrl: string): string {
  return `${new URL(restUrl).hostname}:${DEFAULT_GRPC_PORT}`;
}

/** localhost, 127.0.0.0/8 and ::1, with or without the brackets of a URL host. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Plaintext gRPC by default only next to a plain-http control plane on this machine. */
export function defaultGrpcInsecure(restUrl: string): boolean {
  const { protocol, hostname } = new URL(restUrl);
  return protocol === "http:" && isLoopbackHost(hostname);
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** Why `value` is not a `host:port` gRPC address, or undefined when it is one. */
export function grpcAddressProblem(value: string): string | undefined {
  const match = HOST_PORT.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) {
    return `expected host:port (e.g. 127.0.0.1:${DEFAULT_GRPC_PORT} or [::1]:${DEFAULT_GRPC_PORT}), got "${value}"`;
  }
  return undefined;
}

/**
 * AIRLOCK_GRPC_ADDRESS / AIRLOCK_GRPC_INSECURE first, then the profile — but only when the
 * REST URL in use is the profile's own (a profile's gRPC address belongs to its URL) — then
 * defaults derived from the REST URL. AIRLOCK_GRPC_CA_FILE turns TLS on unless something
 * explicitly asks for plaintext.
 */
export function resolveGrpcTarget(
  env: CliEnv,
  url: string,
  stored: StoredProfile | undefined,
  profile: string,
): GrpcTarget {
  const fromProfile = stored !== undefined && stored.url.replace(/\/+$/, "") === url;
  const profileAddress = fromProfile ? stored.grpcAddress : undefined;

  let address: string;
  let addressFrom: GrpcTarget["addressFrom"];
  if (env.grpcAddress !== undefined) {
    address = checked(env.grpcAddress, "AIRLOCK_GRPC_ADDRESS");
    addressFrom = "AIRLOCK_GRPC_ADDRESS";
  } else if (profileAddress !== undefined) {
    address = checked(profileAddress, `the gRPC address of profile "${profile}"`);
    addressFrom = "profile";
  } else {
    address = grpcAddressFor(url);
    addressFrom = "default";
  }

  if (typeof env.grpcInsecure === "string") {
    throw new ConfigError(`AIRLOCK_GRPC_INSECURE must be true or false, got "${env.grpcInsecure}"`);
  }
  const insecure =
    env.grpcInsecure ??
    (fromProfile ? stored.grpcInsecure : undefined) ??
    (env.grpcCaFile !== undefined ? false : defaultGrpcInsecure(url));
  return { address, insecure, caFile: env.grpcCaFile, addressFrom };
}

function checked(value: string, what: string): string {
  const problem = grpcAddressProblem(value);
  if (problem !== undefined) throw new ConfigError(`${what}: ${problem}`);
  return value;
}
