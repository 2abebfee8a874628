import { ServerCredentials } from "@grpc/grpc-js";
import type { AppConfig } from "../config/config.types";

/** TLS when a certificate is configured (client certificates checked when a CA is given); plaintext only if allowed. */
export function serverCredentials(grpc: AppConfig["grpc"]): ServerCredentials {
  if (grpc.tls === null) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    grpc.tls.clientCa,
    [{ private_key: grpc.tls.key, cert_chain: grpc.tls.cert }],
    grpc.tls.clientCa !== null,
  );
}

/** host:port, with IPv6 literals bracketed. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
