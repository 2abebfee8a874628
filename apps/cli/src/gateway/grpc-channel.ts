import { readFileSync } from "node:fs";
import { type ChannelCredentials, credentials, Metadata } from "@grpc/grpc-js";
import {
  AUTH_METADATA_KEY,
  bearer,
  type ClientGatewayClient,
  ClientGatewayFastClient,
} from "@airlock/proto";
import type { GrpcTarget } from "../config/grpc-target";
import { ConfigError } from "../errors";

/** Above the control plane's own limit, so the server is the one that decides. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024 + 64 * 1024;

/**
 * One channel (one HTTP/2 connection) for every local connection of the process. Keepalive
 * pings every 30 s, also between sessions, so a control plane that vanished without a FIN is
 * noticed within ~40 s instead of at the next query. Retries are off: a session that cannot
 * reach the control plane fails at once with a readable line.
 */
const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  "grpc.enable_retries": 0,
} as const;

export function createGatewayClient(grpc: GrpcTarget, userAgent: string): ClientGatewayClient {
  // The fast client: data frames are encoded in one allocation and decoded as views.
  return new ClientGatewayFastClient(grpc.address, channelCredentials(grpc), {
    ...CHANNEL_OPTIONS,
    "grpc.primary_user_agent": userAgent,
  });
}

function channelCredentials(grpc: GrpcTarget): ChannelCredentials {
  if (grpc.insecure) return credentials.createInsecure();
  if (grpc.caFile === undefined) return credentials.createSsl();
  let ca: Buffer;
  try {
    ca = readFileSync(grpc.caFile);
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new ConfigError(`cannot read AIRLOCK_GRPC_CA_FILE ${grpc.caFile} (${code})`);
  }
  return credentials.createSsl(ca);
}

/** `authorization: Bearer <API key or login access token>` for a call. */
export function authMetadata(credential: string): Metadata {
  const metadata = new Metadata();
  metadata.set(AUTH_METADATA_KEY, bearer(credential));
  return metadata;
}
