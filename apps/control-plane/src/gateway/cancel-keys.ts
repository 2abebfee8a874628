// The BackendKeyData the gateway hands out instead of the target's, per session on
// THIS replica: (process id, secret key) → the session to cancel. The real key
// never leaves the connector; a CancelRequest with one of ours becomes a `cancel`
// frame on that session's stream. Unknown keys are ignored, as Postgres does.
import { randomBytes, randomInt } from "node:crypto";
import { Injectable } from "@nestjs/common";

export interface CancelKey {
  processId: number;
  secretKey: number;
}

export interface Cancellable {
  /** Only the user who holds the session may cancel it. */
  readonly userId: string;
  cancelRunningCommand(): void;
}

@Injectable()
export class CancelKeys {
  private readonly sessions = new Map<string, Cancellable>();

  /** A fresh random key for `session` (31 + 32 random bits). */
  issue(session: Cancellable): CancelKey {
    for (;;) {
      const key = { processId: randomInt(1, 2 ** 31), secretKey: randomBytes(4).readUInt32BE(0) };
      const id = keyId(key);
      if (this.sessions.has(id)) continue;
      this.sessions.set(id, session);
      return key;
    }
  }

  release(key: CancelKey): void {
    this.sessions.delete(keyId(key));
  }

  find(key: CancelKey): Cancellable | undefined {
    return this.sessions.get(keyId(key));
  }
}

function keyId(key: CancelKey): string {
  return `${key.processId}:${key.secretKey}`;
}
