import {
  encodeAuthenticationOk,
  encodeAuthenticationSASLFinal,
  encodeBackendKeyData,
  encodeNoticeResponse,
  encodeParameterStatus,
  encodeReadyForQuery,
} from "@airlock/pg-wire";
import { describe, expect, it } from "vitest";
import { BackendReader } from "../../src/engines/postgres/backend-reader";
import { bytesFrom } from "../../src/engines/postgres/backend-reader";
import { TargetOutput, type BackendKey } from "../../src/engines/postgres/output";

// What a server sends after the client's last SCRAM message: the final SASL
// message (part of the login, never forwarded), then AuthenticationOk and the
// rest of the startup, then (already in relay) an asynchronous notice and bytes
// that are not valid protocol at all: after ReadyForQuery nothing is parsed.
const beforeOk = encodeAuthenticationSASLFinal(Buffer.from("v=c2lnbmF0dXJl"));
const fromOk = Buffer.concat([
  encodeAuthenticationOk(),
  encodeParameterStatus("server_version", "15.0"),
  encodeBackendKeyData(4242, 0xdeadbeef),
  encodeParameterStatus("TimeZone", "UTC"),
  encodeReadyForQuery("I"),
  encodeNoticeResponse({ severity: "NOTICE", code: "00000", message: "later" }),
  Buffer.from([0x00, 0xff, 0x13, 0x37]),
]);
const stream = Buffer.concat([beforeOk, fromOk]);

async function* chunksOf(parts: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

/** Reads up to AuthenticationOk like the login does, then drains the output. */
async function run(parts: readonly Buffer[]): Promise<{ out: Buffer; key?: BackendKey }> {
  const chunks = chunksOf(parts);
  const reader = new BackendReader(chunks);
  for (;;) {
    const read = await reader.next();
    if (!read) throw new Error("stream ended before AuthenticationOk");
    if (read.message.type !== "authenticationOk") continue;
    let key: BackendKey | undefined;
    const output = new TargetOutput(bytesFrom(read), chunks, reader, (k) => (key = k));
    const out: Buffer[] = [];
    for await (const chunk of output) out.push(chunk);
    return { out: Buffer.concat(out), ...(key ? { key } : {}) };
  }
}

describe("the bytes from AuthenticationOk on", () => {
  it("pass unchanged in one chunk, and the backend key is kept", async () => {
    const { out, key } = await run([stream]);
    expect(out.equals(fromOk)).toBe(true);
    expect(key).toEqual({ processId: 4242, secretKey: 0xdeadbeef });
  });

  it("pass unchanged whatever the split into two reads", async () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { out, key } = await run([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(out.equals(fromOk), `split at ${cut}`).toBe(true);
      expect(key?.processId, `split at ${cut}`).toBe(4242);
    }
  });

  it("pass unchanged when every byte is its own read", async () => {
    const parts = [...stream].map((byte) => Buffer.from([byte]));
    const { out, key } = await run(parts);
    expect(out.equals(fromOk)).toBe(true);
    expect(key?.secretKey).toBe(0xdeadbeef);
  });

  it("keeps a longer (protocol 3.2) key as bytes", async () => {
    const long = Buffer.alloc(32, 9);
    const parts = [
      Buffer.concat([
        encodeAuthenticationOk(),
        encodeBackendKeyData(7, long),
        encodeReadyForQuery("I"),
      ]),
    ];
    const { key } = await run(parts);
    expect(key?.processId).toBe(7);
    expect(Buffer.isBuffer(key?.secretKey) && key.secretKey.equals(long)).toBe(true);
  });
});
