// A CancelRequest on a new connection to the target (TLS as sslmode says), with
// the real backend key that only the connector holds. The server reads it and
// closes the connection without answering; we wait for that close (bounded),
// so the request surely arrived before we let go.

import { encodeCancelRequest } from "@airlock/pg-wire";
import { writeWithBackpressure } from "../../streams";
import type { PostgresTarget } from "./options";
import type { BackendKey } from "./output";
import { abortError, openTransport, type Transport } from "./transport";

export async function sendCancelRequest(
  target: PostgresTarget,
  key: BackendKey,
  timeoutMs: number,
): Promise<void> {
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`the cancel connection took longer than ${timeoutMs} ms`)),
    timeoutMs,
  );
  let transport: Transport | undefined;
  try {
    transport = await openTransport(target, deadline.signal);
    const { socket } = transport;
    socket.on("error", () => undefined);
    await writeWithBackpressure(socket, encodeCancelRequest(key.processId, key.secretKey));
    await closedByPeer(transport, deadline.signal);
  } finally {
    clearTimeout(timer);
    transport?.socket.destroy();
    transport?.tcp.destroy();
  }
}

function closedByPeer(transport: Transport, signal: AbortSignal): Promise<void> {
  const { socket } = transport;
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = (): void => {
      socket.off("end", done);
      socket.off("close", done);
      reject(abortError(signal));
    };
    socket.once("end", done);
    socket.once("close", done);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.resume();
  });
}
