import {
  BackendMessage,
  BackendParser,
  FrontendMessage,
  FrontendParser,
  ParserOptions,
} from "../src/index";

/** Every way to cut `buf` in two: [head, tail] for each offset 0..length. */
export function* twoChunkSplits(buf: Buffer): Generator<[number, Buffer[]]> {
  for (let at = 0; at <= buf.length; at++) {
    yield [at, [buf.subarray(0, at), buf.subarray(at)]];
  }
}

/** `buf` one byte per chunk. */
export function oneByteChunks(buf: Buffer): Buffer[] {
  return Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
}

/** Copies so no chunk shares memory with the fixture (the parser may keep views). */
function copies(chunks: Buffer[]): Buffer[] {
  return chunks.map((c) => Buffer.from(c));
}

export function parseFrontend(chunks: Buffer[], options?: ParserOptions): FrontendMessage[] {
  const parser = new FrontendParser(options);
  const out: FrontendMessage[] = [];
  for (const chunk of copies(chunks)) parser.parse(chunk, (m) => out.push(m));
  return out;
}

export function parseBackend(chunks: Buffer[], options?: ParserOptions): BackendMessage[] {
  const parser = new BackendParser(options);
  const out: BackendMessage[] = [];
  for (const chunk of copies(chunks)) parser.parse(chunk, (m) => out.push(m));
  return out;
}

/** The message without `raw`, to compare with a fixture's `expected`. */
export function withoutRaw<M extends { raw: Buffer }>(msg: M): Omit<M, "raw"> {
  const { raw: _raw, ...rest } = msg;
  return rest;
}

/** The typed-phase frontend parser needs a StartupMessage first. */
export const STARTUP_PREFIX = Buffer.from(
  "0000001400030000" + "7573657200" + "616c69636500" + "00", // length 20, 3.0, user=alice
  "hex",
);

/**
 * A canonical text form of decoded messages (Buffers included, via their toJSON), cheap to
 * compare thousands of times in the split-everywhere tests.
 */
export function snapshot(msgs: readonly unknown[]): string {
  return JSON.stringify(msgs);
}
