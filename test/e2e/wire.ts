// A minimal Postgres frontend over a raw socket, for tests that must send exact
// protocol messages (a Bind without its Parse) or read what drivers hide (the
// transaction status of each ReadyForQuery). Messages are built here by hand,
// independently of pg-wire's encoders.
import { connect, type Socket } from "node:net";

export interface BackendFrame {
  type: string;
  body: Buffer;
}

export interface Reply {
  frames: BackendFrame[];
  /** ErrorResponse fields by code (C, M, H…) of each error in the reply. */
  errors: Record<string, string>[];
  /** The transaction status of the final ReadyForQuery. */
  status: string;
  /** The tags of every CommandComplete. */
  tags: string[];
}

const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export const wire = {
  query: (sql: string) => message("Q", cstr(sql)),
  parse: (name: string, sql: string) => message("P", cstr(name), cstr(sql), int16(0)),
  bind: (portal: string, statement: string) =>
    message("B", cstr(portal), cstr(statement), int16(0), int16(0), int16(0)),
  execute: (portal = "") => message("E", cstr(portal), int32(0)),
  describePortal: (portal = "") => message("D", Buffer.from("P"), cstr(portal)),
  sync: () => message("S"),
  terminate: () => message("X"),
};

export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    fields[code] = body.toString("utf8", i + 1, end);
    i = end + 1;
  }
  return fields;
}

/** One session: startup as `user` on `database`, then request/reply up to each ReadyForQuery. */
export class WireSession {
  private buffer = Buffer.alloc(0);
  private frames: BackendFrame[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 5) {
        const len = this.buffer.readInt32BE(1);
        if (this.buffer.length < len + 1) break;
        this.frames.push({
          type: String.fromCharCode(this.buffer[0]!),
          body: this.buffer.subarray(5, len + 1),
        });
        this.buffer = this.buffer.subarray(len + 1);
      }
      this.waiter?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on("error", () => undefined);
  }

  static async open(port: number, user: string, database: string): Promise<WireSession> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const session = new WireSession(socket);
    const params = Buffer.concat([
      cstr("user"),
      cstr(user),
      cstr("database"),
      cstr(database),
      Buffer.from([0]),
    ]);
    socket.write(Buffer.concat([int32(params.length + 8), int32(196608), params]));
    const reply = await session.untilReady();
    if (reply.errors.length > 0) throw new Error(`startup failed: ${reply.errors[0]?.M}`);
    return session;
  }

  /** Sends the messages and reads everything up to the next ReadyForQuery. */
  async request(...messages: Buffer[]): Promise<Reply> {
    this.socket.write(Buffer.concat(messages));
    return this.untilReady();
  }

  async close(): Promise<void> {
    if (!this.closed) this.socket.end(wire.terminate());
    await new Promise<void>((resolve) => {
      if (this.closed) resolve();
      else this.socket.once("close", () => resolve());
    });
  }

  private async untilReady(timeoutMs = 20_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.frames.findIndex((f) => f.type === "Z");
      if (at >= 0) {
        const frames = this.frames.splice(0, at + 1);
        return {
          frames,
          errors: frames.filter((f) => f.type === "E").map((f) => errorFields(f.body)),
          status: String.fromCharCode(frames[at]!.body[0]!),
          tags: frames
            .filter((f) => f.type === "C")
            .map((f) => f.body.toString("utf8", 0, f.body.length - 1)),
        };
      }
      if (this.closed)
        throw new Error(`the session closed; got ${this.frames.map((f) => f.type).join("")}`);
      if (Date.now() > deadline) throw new Error("no ReadyForQuery in time");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }
}
