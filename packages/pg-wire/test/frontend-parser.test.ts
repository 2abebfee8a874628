import { describe, expect, it } from "vitest";
import { FrontendMessage, FrontendParser } from "../src/index";
import * as fx from "./fixtures/frontend";
import {
  oneByteChunks,
  parseFrontend,
  STARTUP_PREFIX,
  twoChunkSplits,
  snapshot,
  withoutRaw,
} from "./helpers";

const byName = <T extends { name: string }>(list: readonly T[]): [string, T][] =>
  list.map((f) => [f.name, f]);

describe("FrontendParser: startup-phase packets", () => {
  it.each(byName(fx.startupPhase))("%s decodes", (_name, f) => {
    const msgs = parseFrontend([f.bytes]);
    expect(msgs).toHaveLength(1);
    expect(withoutRaw(msgs[0]!)).toEqual(f.expected);
    expect(msgs[0]!.raw).toEqual(f.bytes);
  });

  it.each(byName(fx.startupPhase))("%s: same result split at every offset", (_name, f) => {
    const whole = parseFrontend([f.bytes]);
    for (const [at, chunks] of twoChunkSplits(f.bytes)) {
      expect(parseFrontend(chunks), `split at ${at}`).toEqual(whole);
    }
    expect(parseFrontend(oneByteChunks(f.bytes))).toEqual(whole);
  });
});

describe("FrontendParser: typed messages", () => {
  /** Typed messages follow a StartupMessage; returns what came after it. */
  const afterStartup = (chunks: Buffer[]): FrontendMessage[] => {
    const msgs = parseFrontend(chunks);
    expect(msgs[0]!.type).toBe("startup");
    return msgs.slice(1);
  };

  it.each(byName(fx.typed))("%s decodes", (_name, f) => {
    const msgs = afterStartup([STARTUP_PREFIX, f.bytes]);
    expect(msgs).toHaveLength(1);
    expect(withoutRaw(msgs[0]!)).toEqual(f.expected);
    expect(msgs[0]!.raw).toEqual(f.bytes);
  });

  it.each(byName(fx.typed))("%s: same result split at every offset", (_name, f) => {
    const stream = Buffer.concat([STARTUP_PREFIX, f.bytes]);
    const whole = afterStartup([stream]);
    for (const [at, chunks] of twoChunkSplits(stream)) {
      expect(afterStartup(chunks), `split at ${at}`).toEqual(whole);
    }
    expect(afterStartup(oneByteChunks(stream))).toEqual(whole);
  });
});

describe("FrontendParser: message sequences", () => {
  const stream = Buffer.concat([
    fx.sslRequest.bytes,
    fx.gssEncRequest.bytes,
    fx.startup.bytes,
    ...fx.typed.map((f) => f.bytes),
  ]);
  const expected = [fx.sslRequest, fx.gssEncRequest, fx.startup, ...fx.typed].map(
    (f) => f.expected,
  );

  it("decodes SSLRequest, GSSENCRequest, StartupMessage and every typed message in order", () => {
    const msgs = parseFrontend([stream]);
    expect(msgs.map(withoutRaw)).toEqual(expected);
    expect(Buffer.concat(msgs.map((m) => m.raw))).toEqual(stream);
  });

  it("gives the same messages and raw bytes split at every offset", () => {
    const whole = snapshot(parseFrontend([stream]));
    for (const [at, chunks] of twoChunkSplits(stream)) {
      expect(snapshot(parseFrontend(chunks)), `split at ${at}`).toBe(whole);
    }
  });

  it("gives the same messages fed one byte at a time", () => {
    expect(snapshot(parseFrontend(oneByteChunks(stream)))).toBe(snapshot(parseFrontend([stream])));
  });

  it("decodes a captured psql session (SSLRequest, StartupMessage, Query, Terminate)", () => {
    const types = ["sslRequest", "startup", "query", "terminate"];
    for (const [at, chunks] of twoChunkSplits(fx.psqlSession)) {
      expect(
        parseFrontend(chunks).map((m) => m.type),
        `split at ${at}`,
      ).toEqual(types);
    }
  });
});

describe("FrontendParser: phases", () => {
  it("stays in the startup phase after SSLRequest and GSSENCRequest", () => {
    const parser = new FrontendParser();
    parser.parse(Buffer.concat([fx.sslRequest.bytes, fx.gssEncRequest.bytes]), () => {});
    expect(parser.phase).toBe("startup");
  });

  it("stays in the startup phase after a CancelRequest", () => {
    const parser = new FrontendParser();
    const msgs: FrontendMessage[] = [];
    parser.parse(fx.cancelRequest.bytes, (m) => msgs.push(m));
    expect(msgs.map((m) => m.type)).toEqual(["cancelRequest"]);
    expect(parser.phase).toBe("startup");
  });

  it("switches to typed messages right after the StartupMessage, within one chunk", () => {
    const parser = new FrontendParser();
    const phases: string[] = [];
    parser.parse(Buffer.concat([fx.startup.bytes, fx.query.bytes]), () =>
      phases.push(parser.phase),
    );
    expect(phases).toEqual(["typed", "typed"]);
    expect(parser.phase).toBe("typed");
  });

  it("reads the same bytes as a typed message only after the StartupMessage", () => {
    // In the startup phase, 'Q' 00 00 00 0d is the length 0x5100_0000: far too long.
    expect(() => parseFrontend([fx.query.bytes])).toThrow(/startup packet of \d+ bytes/);
    expect(parseFrontend([STARTUP_PREFIX, fx.query.bytes])[1]!.type).toBe("query");
  });

  it("reports what it holds while waiting for the rest of a frame", () => {
    const parser = new FrontendParser();
    parser.parse(fx.startup.bytes.subarray(0, 10), () => {});
    expect(parser.buffered).toBe(10);
    parser.parse(fx.startup.bytes.subarray(10), () => {});
    expect(parser.buffered).toBe(0);
  });
});

describe("FrontendParser: zero copy", () => {
  it("emits a frame that arrived in one chunk as a view of that chunk", () => {
    const chunk = Buffer.concat([STARTUP_PREFIX, fx.bindNullAndBinary.bytes]);
    const msgs: FrontendMessage[] = [];
    new FrontendParser().parse(chunk, (m) => msgs.push(m));
    const bind = msgs[1]!;
    expect(bind.raw.buffer).toBe(chunk.buffer);
    expect(bind.raw.byteOffset).toBe(chunk.byteOffset + STARTUP_PREFIX.length);
    if (bind.type !== "bind") throw new Error("expected bind");
    expect(bind.params[1]!.buffer).toBe(chunk.buffer);
  });

  it("copies a frame that spans chunks into its own buffer", () => {
    const parser = new FrontendParser();
    const msgs: FrontendMessage[] = [];
    const bytes = fx.query.bytes;
    const head = Buffer.from(bytes.subarray(0, 7));
    const tail = Buffer.from(bytes.subarray(7));
    parser.parse(STARTUP_PREFIX, () => {});
    parser.parse(head, (m) => msgs.push(m));
    parser.parse(tail, (m) => msgs.push(m));
    head.fill(0);
    tail.fill(0);
    expect(msgs[0]!.raw).toEqual(bytes);
  });
});
