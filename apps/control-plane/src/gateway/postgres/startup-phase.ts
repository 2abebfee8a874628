// The client's startup phase, before any session exists: SSLRequest and
// GSSENCRequest get `N` (the local hop is loopback, the tunnel is gRPC/TLS), a
// CancelRequest is handed back for the cancel path, a StartupMessage starts the
// session. Everything else is a protocol error.
import {
  encodeSslResponse,
  type FrontendMessage,
  type FrontendParser,
  ProtocolError,
  type StartupMessage,
} from "@airlock/pg-wire";
import { TIMED_OUT } from "../../grpc/frame-reader";
import type { ClientStream } from "../client-stream";

export type StartupOutcome =
  | { kind: "startup"; message: StartupMessage; leftover: FrontendMessage[] }
  | { kind: "cancel"; processId: number; secretKey: number }
  | { kind: "ended" }
  | { kind: "protocolError"; problem: string };

const REFUSE_ENCRYPTION = encodeSslResponse(false);

export async function readStartup(
  client: ClientStream,
  parser: FrontendParser,
  timeoutMs: number,
): Promise<StartupOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const next = await client.frames.nextWithin(Math.max(0, deadline - Date.now()));
    if (next === TIMED_OUT) {
      return {
        kind: "protocolError",
        problem: `no startup packet within ${Math.round(timeoutMs / 1000)} s`,
      };
    }
    if (next === undefined || next.frame?.$case === "close") {
      return parser.buffered > 0
        ? { kind: "protocolError", problem: "incomplete startup packet" }
        : { kind: "ended" };
    }
    if (next.frame?.$case !== "data") {
      return {
        kind: "protocolError",
        problem: `unexpected ${next.frame?.$case ?? "empty"} frame from the client during startup`,
      };
    }
    const messages: FrontendMessage[] = [];
    try {
      parser.parse(next.frame.value.payload, (m) => messages.push(m));
    } catch (err) {
      if (err instanceof ProtocolError) return { kind: "protocolError", problem: err.message };
      throw err;
    }
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as FrontendMessage;
      switch (m.type) {
        case "sslRequest":
        case "gssEncRequest": {
          const wait = client.sendData(REFUSE_ENCRYPTION);
          if (wait !== undefined) await wait;
          break;
        }
        case "cancelRequest":
          return { kind: "cancel", processId: m.processId, secretKey: m.secretKey };
        case "startup":
          return { kind: "startup", message: m, leftover: messages.slice(i + 1) };
        default:
          return {
            kind: "protocolError",
            problem: `unexpected ${m.type} message before the startup packet`,
          };
      }
    }
  }
}
