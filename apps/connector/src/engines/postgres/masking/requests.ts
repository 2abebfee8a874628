// What the client asked the target for, in order: the requests the gateway
// forwarded, each waiting for its answer. The masking stage reads the target's
// replies against this queue, so it knows which prepared statement or portal a
// DataRow belongs to (an Execute sends no RowDescription) and where each
// ReadyForQuery cycle ends. Pure: no I/O.
//
// The server's rules this models (protocol "Extended Query" and "COPY Operations"):
// - Every Parse, Bind, Describe, Execute and Close is answered (unless an earlier
//   error in the same batch made the server discard it); Sync, Query and
//   FunctionCall end with ReadyForQuery. Flush and Terminate are not answered.
// - After an error in an extended-protocol batch the server discards every
//   message up to the next Sync.
// - CopyData, CopyDone and CopyFail are never answered; outside COPY FROM STDIN
//   the server ignores them, and during it, it also ignores Sync (and Flush).

import {
  encodeStartupMessage,
  FrontendParser,
  type DescribeTarget,
  type FrontendMessage,
} from "@airlock/pg-wire";
import { assertNever } from "../../../assert-never";

export type Request =
  | { readonly kind: "query" }
  | { readonly kind: "functionCall" }
  | { readonly kind: "sync" }
  | { readonly kind: "parse"; readonly statement: string }
  | {
      readonly kind: "bind";
      readonly portal: string;
      readonly statement: string;
      readonly resultFormats: readonly number[];
    }
  | { readonly kind: "describe"; readonly target: DescribeTarget; readonly name: string }
  | { readonly kind: "execute"; readonly portal: string }
  | { readonly kind: "close"; readonly target: DescribeTarget; readonly name: string }
  /** Markers: never answered, only tell where the client's COPY data went. */
  | { readonly kind: "copyData" }
  | { readonly kind: "copyDone" }
  | { readonly kind: "copyFail" };

export type RequestKind = Request["kind"];

/** The requests of an extended-protocol batch: an error discards them up to Sync. */
const EXTENDED: ReadonlySet<RequestKind> = new Set([
  "parse",
  "bind",
  "describe",
  "execute",
  "close",
]);
const MARKERS: ReadonlySet<RequestKind> = new Set(["copyData", "copyDone", "copyFail"]);

export function isExtended(request: Request): boolean {
  return EXTENDED.has(request.kind);
}

function isMarker(request: Request): boolean {
  return MARKERS.has(request.kind);
}

/** Largest frontend frame accepted (COPY FROM data, Bind parameters): Postgres's own limit. */
const MAX_FRONTEND_FRAME_BYTES = 0x3fffffff;

/** Parses what the gateway writes to the target (typed messages only) into requests. */
export class FrontendTracker {
  private readonly parser = new FrontendParser({ maxFrameBytes: MAX_FRONTEND_FRAME_BYTES });

  constructor(private readonly requests: PendingRequests) {
    // The gateway writes only typed messages (the client's startup ended at the
    // control plane); a StartupMessage is how the parser leaves its startup phase.
    this.parser.parse(encodeStartupMessage({ user: "airlock" }), () => undefined);
  }

  /** Throws ProtocolError when the bytes are not Postgres frontend messages. */
  observe(chunk: Buffer): void {
    this.parser.parse(chunk, (message) => {
      const request = requestOf(message);
      if (request) this.requests.push(request);
    });
  }
}

function requestOf(message: FrontendMessage): Request | undefined {
  switch (message.type) {
    case "query":
      return { kind: "query" };
    case "functionCall":
      return { kind: "functionCall" };
    case "sync":
      return { kind: "sync" };
    case "parse":
      return { kind: "parse", statement: message.name };
    case "bind":
      return {
        kind: "bind",
        portal: message.portal,
        statement: message.statement,
        resultFormats: message.resultFormats,
      };
    case "describe":
      return { kind: "describe", target: message.target, name: message.name };
    case "execute":
      return { kind: "execute", portal: message.portal };
    case "close":
      return { kind: "close", target: message.target, name: message.name };
    case "copyData":
      return { kind: "copyData" };
    case "copyDone":
      return { kind: "copyDone" };
    case "copyFail":
      return { kind: "copyFail" };
    // Not answered. The login's messages (from passwordLike on) are never forwarded
    // after the startup; the server would refuse them.
    case "flush":
    case "terminate":
    case "passwordLike":
    case "startup":
    case "sslRequest":
    case "gssEncRequest":
    case "cancelRequest":
      return undefined;
    default:
      return assertNever(message);
  }
}

/** The forwarded requests not answered yet, oldest first. */
export class PendingRequests {
  private items: Request[] = [];
  private start = 0;
  /** After an error in a batch whose Sync has not been written yet: drop until that Sync. */
  private discarding = false;

  push(request: Request): void {
    if (this.discarding) {
      if (request.kind !== "sync") return;
      this.discarding = false;
    }
    // A run of CopyData needs one marker: only where the data starts matters.
    if (request.kind === "copyData" && this.items[this.items.length - 1]?.kind === "copyData") {
      return;
    }
    this.items.push(request);
  }

  /**
   * The oldest request that expects an answer. Markers before it are dropped:
   * copy messages sent outside COPY FROM STDIN are ignored by the server.
   */
  head(): Request | undefined {
    while (this.start < this.items.length) {
      const item = this.items[this.start] as Request;
      if (!isMarker(item)) return item;
      this.start++;
    }
    this.compact();
    return undefined;
  }

  /** Removes the head (see head()). */
  shift(): Request | undefined {
    const head = this.head();
    if (head) this.start++;
    this.compact();
    return head;
  }

  /** An error in an extended-protocol batch: the server skips everything up to the next Sync. */
  discardUntilSync(): void {
    while (this.start < this.items.length) {
      if ((this.items[this.start] as Request).kind === "sync") return;
      this.start++;
    }
    this.compact();
    this.discarding = true;
  }

  /**
   * The COPY FROM STDIN at the head ended. `done`: it completed, so the server
   * read every message up to the client's CopyDone in copy mode, ignoring the
   * Syncs among them; false when no CopyDone was forwarded (the replies do not
   * match the requests). `failed`: the server left copy mode at an error; the
   * Syncs it surely read in copy mode are those before the first copy message.
   */
  endCopyIn(how: "done" | "failed"): boolean {
    if (!this.head()) return false;
    const after = this.start + 1;
    let end = after;
    if (how === "done") {
      while (end < this.items.length && (this.items[end] as Request).kind !== "copyDone") {
        const kind = (this.items[end] as Request).kind;
        if (kind !== "sync" && kind !== "copyData") return false;
        end++;
      }
      if (end === this.items.length) return false;
      end++;
    } else {
      while (end < this.items.length && (this.items[end] as Request).kind === "sync") end++;
    }
    this.items.splice(after, end - after);
    return true;
  }

  get size(): number {
    return this.items.length - this.start;
  }

  private compact(): void {
    if (this.start === this.items.length) {
      this.items = [];
      this.start = 0;
    } else if (this.start > 1024 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
  }
}
