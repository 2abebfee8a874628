export { DEFAULT_GRPC_PORT, grpcAddressFor } from "../config/grpc-target";

/**
 * The command that starts a connector with a fresh token, run from the repository root.
 * AIRLOCK_INSECURE=true (plaintext gRPC) is added only when the REST URL itself is plain http.
 */
export function connectorStartCommand(options: {
  grpcAddress: string;
  token: string;
  restUrl: string;
}): string {
  const insecure = new URL(options.restUrl).protocol === "http:";
  return [
    `AIRLOCK_CONTROL_PLANE=${shellWord(options.grpcAddress)}`,
    `AIRLOCK_CONNECTOR_TOKEN=${shellWord(options.token)}`,
    ...(insecure ? ["AIRLOCK_INSECURE=true"] : []),
    "node apps/connector/dist/main.js",
  ].join(" ");
}

/** Quotes a word for sh only when it needs it (tokens and host:port never do). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_.:/@%+=[\]-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
