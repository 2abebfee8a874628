// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as Postgres speaks it:
// no channel binding (gs2 header "n,,"), an empty username (the server takes
// the user from the StartupMessage), SASLprep on the password. Pure: strings
// and Buffers in and out, no socket. The server's signature in the final
// message is verified, so a target that does not know the password cannot
// pass for one that does (fail closed).
//
//   const scram = new ScramSha256Client(password);
//   send(scram.clientFirstMessage());
//   const { salt, iterations } = scram.receiveServerFirst(serverFirst);
//   send(scram.clientFinalMessage(await saltPassword(scram.password, salt, iterations)));
//   scram.verifyServerFinal(serverFinal);

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { saslprep } from "./saslprep";

export const SCRAM_SHA_256 = "SCRAM-SHA-256";

const GS2_HEADER = "n,,";
const NONCE_BYTES = 18;
/** Far above any real setting (Postgres' default is 4096); refuses a target that would stall us. */
export const MAX_ITERATIONS = 10_000_000;

/** The exchange broke the protocol or the server failed to prove it knows the password. */
export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScramError";
  }
}

export interface ServerFirst {
  readonly salt: Buffer;
  readonly iterations: number;
}

export class ScramSha256Client {
  /** The password after SASLprep: what the salted password is derived from. */
  readonly password: string;
  private readonly clientFirstBare: string;
  private step: "start" | "sent-first" | "got-first" | "sent-final" | "done" = "start";
  private serverFirst = "";
  private combinedNonce = "";
  private expectedServerSignature: Buffer | undefined;

  constructor(
    password: string,
    options: { readonly nonce?: string; readonly username?: string } = {},
  ) {
    this.password = saslprep(password);
    const nonce = options.nonce ?? randomBytes(NONCE_BYTES).toString("base64");
    this.clientFirstBare = `n=${escapeName(options.username ?? "")},r=${nonce}`;
  }

  /** client-first-message, the data of SASLInitialResponse. */
  clientFirstMessage(): string {
    this.advance("start", "sent-first");
    return GS2_HEADER + this.clientFirstBare;
  }

  /** Reads server-first-message (AuthenticationSASLContinue). */
  receiveServerFirst(message: string): ServerFirst {
    this.advance("sent-first", "got-first");
    const attrs = parseAttributes(message);
    const nonce = attrs.get("r");
    const salt = attrs.get("s");
    const iterations = attrs.get("i");
    if (nonce === undefined || salt === undefined || iterations === undefined) {
      throw new ScramError(
        "the server's first SCRAM message lacks its nonce, salt or iteration count",
      );
    }
    const clientNonce = this.clientFirstBare.slice(this.clientFirstBare.indexOf(",r=") + 3);
    if (!nonce.startsWith(clientNonce) || nonce.length <= clientNonce.length) {
      throw new ScramError("the server's SCRAM nonce does not extend ours");
    }
    const count = /^[1-9][0-9]{0,9}$/.test(iterations) ? Number(iterations) : 0;
    if (count < 1 || count > MAX_ITERATIONS) {
      throw new ScramError(`the server's SCRAM iteration count is not from 1 to ${MAX_ITERATIONS}`);
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(salt)) {
      throw new ScramError("the server's SCRAM salt is not base64");
    }
    this.serverFirst = message;
    this.combinedNonce = nonce;
    return { salt: Buffer.from(salt, "base64"), iterations: count };
  }

  /** client-final-message (SASLResponse), from SaltedPassword := Hi(password, salt, i). */
  clientFinalMessage(saltedPassword: Buffer): string {
    this.advance("got-first", "sent-final");
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString("base64")},r=${this.combinedNonce}`;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientKey = hmac(saltedPassword, "Client Key");
    const storedKey = createHash("sha256").update(clientKey).digest();
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++)
      proof[i] = (clientKey[i] ?? 0) ^ (clientSignature[i] ?? 0);
    this.expectedServerSignature = hmac(hmac(saltedPassword, "Server Key"), authMessage);
    return `${withoutProof},p=${proof.toString("base64")}`;
  }

  /** Checks server-final-message (AuthenticationSASLFinal); throws unless the signature matches. */
  verifyServerFinal(message: string): void {
    this.advance("sent-final", "done");
    const attrs = parseAttributes(message);
    const error = attrs.get("e");
    if (error !== undefined) {
      throw new ScramError(`the server ended the SCRAM exchange: ${error.slice(0, 100)}`);
    }
    const verifier = attrs.get("v");
    const expected = this.expectedServerSignature;
    const actual = verifier === undefined ? undefined : Buffer.from(verifier, "base64");
    if (
      !expected ||
      !actual ||
      actual.length !== expected.length ||
      !timingSafeEqual(actual, expected)
    ) {
      throw new ScramError("the server's SCRAM signature is wrong: it does not know the password");
    }
  }

  private advance(from: ScramSha256Client["step"], to: ScramSha256Client["step"]): void {
    if (this.step !== from) {
      throw new ScramError(
        `SCRAM message out of order (expected at step ${from}, at ${this.step})`,
      );
    }
    this.step = to;
  }
}

/** SaltedPassword := Hi(password, salt, i), on the libuv thread pool. */
export function saltPassword(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, 32, "sha256", (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** `a=1,b=2` → {a:"1", b:"2"}; values may hold "=" (base64), never ",". */
function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(",")) {
    const match = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!match) throw new ScramError("the server's SCRAM message is malformed");
    const [, name, value] = match;
    if (name !== undefined && value !== undefined && !attrs.has(name)) attrs.set(name, value);
  }
  return attrs;
}

/** RFC 5802 saslname: "=" and "," escaped. */
function escapeName(name: string): string {
  return name.replace(/=/g, "=3D").replace(/,/g, "=2C");
}
