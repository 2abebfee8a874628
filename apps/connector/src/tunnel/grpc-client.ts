// The gRPC side of the tunnel: one client (one HTTP/2 channel) per connection
// attempt, TLS unless AIRLOCK_INSECURE=true, keepalive on, and the connector
// token on every call.

import {
  credentials,
  Metadata,
  status as Status,
  type ClientDuplexStream,
  type StatusObject,
} from "@grpc/grpc-js";
import {
  AUTH_METADATA_KEY,
  bearer,
  type ConnectorTunnelClient,
  ConnectorTunnelFastClient,
} from "@airlock/proto";

export interface TunnelClientSettings {
  readonly controlPlane: string;
  readonly insecure: boolean;
  readonly tlsCa: Buffer | undefined;
  readonly userAgent: string;
}

/**
 * Keepalive: ping every 20 s even when no call is active, and drop the
 * connection when a ping is not answered within 10 s, so a control plane that
 * vanished without a FIN (kill -9 on another host, a dead NAT entry) is noticed
 * in ~30 s and the reconnect loop takes over.
 */
const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 20_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  // The reconnect loop owns retries; a fresh channel per attempt dials at once.
  "grpc.enable_retries": 0,
} as const;

export function createTunnelClient(settings: TunnelClientSettings): ConnectorTunnelClient {
  const channelCredentials = settings.insecure
    ? credentials.createInsecure()
    : credentials.createSsl(settings.tlsCa ?? null);
  // The fast client: data frames are encoded in one allocation and decoded as views.
  return new ConnectorTunnelFastClient(settings.controlPlane, channelCredentials, {
    ...CHANNEL_OPTIONS,
    "grpc.primary_user_agent": settings.userAgent,
  });
}

/** Metadata for one call: `authorization: Bearer <token>`. */
export function authMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set(AUTH_METADATA_KEY, bearer(token));
  return metadata;
}

/**
 * Resolves with the call's final status, whatever it is. Also keeps an `error`
 * listener on the call, so a failed call never throws an unhandled `error`.
 */
export function finalStatus<Req, Res>(call: ClientDuplexStream<Req, Res>): Promise<StatusObject> {
  call.on("error", () => undefined);
  return new Promise((resolve) => call.once("status", resolve));
}

/** "UNAVAILABLE" for 14, for logs. */
export function statusName(code: Status): string {
  return Status[code] ?? String(code);
}

export { Status };
