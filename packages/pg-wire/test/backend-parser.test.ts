import { describe, expect, it } from "vitest";
import { BackendMessage, BackendParser, decodeDataRowValues, ProtocolError } from "../src/index";
import * as fx from "./fixtures/backend";
import { oneByteChunks, parseBackend, snapshot, twoChunkSplits, withoutRaw } from "./helpers";

const byName = <T extends { name: string }>(list: readonly T[]): [string, T][] =>
  list.map((f) => [f.name, f]);

describe("BackendParser: every message type", () => {
  it.each(byName(fx.typed))("%s decodes", (_name, f) => {
    const msgs = parseBackend([f.bytes]);
    expect(msgs).toHaveLength(1);
    expect(withoutRaw(msgs[0]!)).toEqual(f.expected);
    expect(msgs[0]!.raw).toEqual(f.bytes);
  });

  it.each(byName(fx.typed))("%s: same result split at every offset", (_name, f) => {
    const whole = parseBackend([f.bytes]);
    for (const [at, chunks] of twoChunkSplits(f.bytes)) {
      expect(parseBackend(chunks), `split at ${at}`).toEqual(whole);
    }
    expect(parseBackend(oneByteChunks(f.bytes))).toEqual(whole);
  });
});

describe("BackendParser: message sequences", () => {
  const stream = Buffer.concat(fx.typed.map((f) => f.bytes));

  it("decodes every fixture concatenated, in order, with exact raw bytes", () => {
    const msgs = parseBackend([stream]);
    expect(msgs.map(withoutRaw)).toEqual(fx.typed.map((f) => f.expected));
    msgs.forEach((m, i) => expect(m.raw).toEqual(fx.typed[i]!.bytes));
  });

  it("gives the same messages split at every offset", () => {
    const whole = snapshot(parseBackend([stream]));
    for (const [at, chunks] of twoChunkSplits(stream)) {
      expect(snapshot(parseBackend(chunks)), `split at ${at}`).toBe(whole);
    }
  });

  it("gives the same messages fed one byte at a time", () => {
    expect(snapshot(parseBackend(oneByteChunks(stream)))).toBe(snapshot(parseBackend([stream])));
  });

  it("decodes a captured session start and simple query split at every offset", () => {
    const types = [
      "authenticationOk",
      "parameterStatus",
      "parameterStatus",
      "backendKeyData",
      "readyForQuery",
      "rowDescription",
      "dataRow",
      "commandComplete",
      "readyForQuery",
    ];
    for (const [at, chunks] of twoChunkSplits(fx.startupAndQuery)) {
      expect(
        parseBackend(chunks).map((m) => m.type),
        `split at ${at}`,
      ).toEqual(types);
    }
  });

  it("emits a frame inside one chunk as a view of it, values included", () => {
    const chunk = Buffer.concat([fx.rowDescription.bytes, fx.dataRow.bytes]);
    const msgs: BackendMessage[] = [];
    new BackendParser().parse(chunk, (m) => msgs.push(m));
    const row = msgs[1]!;
    if (row.type !== "dataRow") throw new Error("expected dataRow");
    expect(row.raw.buffer).toBe(chunk.buffer);
    expect(row.raw.byteOffset).toBe(chunk.byteOffset + fx.rowDescription.bytes.length);
    expect(row.values![0]!.buffer).toBe(chunk.buffer);
  });
});

describe("BackendParser: the SSL answer byte", () => {
  const answer = (bytes: Buffer): BackendMessage[] => {
    const parser = new BackendParser();
    const msgs: BackendMessage[] = [];
    parser.expectSslResponse();
    parser.parse(bytes, (m) => msgs.push(m));
    return msgs;
  };

  it.each([
    ["N (captured)", fx.sslRefused, false, "N"],
    ["S", fx.sslAccepted, true, "S"],
    ["G", fx.gssAccepted, true, "G"],
  ] as const)("decodes %s", (_name, bytes, accepted, byte) => {
    const msgs = answer(bytes);
    expect(msgs).toEqual([{ type: "sslResponse", accepted, byte, raw: bytes }]);
  });

  it("reads typed messages again right after the byte, in the same chunk", () => {
    const msgs = answer(Buffer.concat([fx.sslRefused, fx.authenticationOk.bytes]));
    expect(msgs.map((m) => m.type)).toEqual(["sslResponse", "authenticationOk"]);
  });

  it("reads the byte when it arrives in a later chunk", () => {
    const parser = new BackendParser();
    const msgs: BackendMessage[] = [];
    parser.expectSslResponse();
    parser.parse(Buffer.alloc(0), (m) => msgs.push(m));
    parser.parse(fx.sslRefused, (m) => msgs.push(m));
    expect(msgs.map((m) => m.type)).toEqual(["sslResponse"]);
  });

  it("rejects any other byte as malformed", () => {
    const parser = new BackendParser();
    parser.expectSslResponse();
    expect(() => parser.parse(Buffer.from("E"), () => {})).toThrow(
      expect.objectContaining({ code: "malformed", message: expect.stringContaining("'E'") }),
    );
  });

  it("refuses to expect the byte while part of a message is buffered", () => {
    const parser = new BackendParser();
    parser.parse(fx.authenticationOk.bytes.subarray(0, 3), () => {});
    expect(() => parser.expectSslResponse()).toThrow(/3 bytes of a message buffered/);
  });

  it("without expectSslResponse, 'N' is read as the start of a NoticeResponse", () => {
    const parser = new BackendParser();
    parser.parse(fx.sslRefused, () => {});
    expect(parser.buffered).toBe(1);
  });
});

describe("BackendParser: lazyDataRows", () => {
  const stream = Buffer.concat(fx.typed.map((f) => f.bytes));
  const lazy = parseBackend([stream], { lazyDataRows: true });
  const eager = parseBackend([stream]);

  it("gives DataRow messages a column count and no values", () => {
    const rows = lazy.filter((m) => m.type === "dataRow");
    expect(rows.map((r) => [r.columnCount, r.values])).toEqual([
      [2, undefined],
      [2, undefined],
      [0, undefined],
    ]);
  });

  it("decodes the values on demand, as the eager parser does", () => {
    lazy.forEach((m, i) => {
      const e = eager[i]!;
      if (m.type !== "dataRow" || e.type !== "dataRow") return;
      expect(decodeDataRowValues(m)).toEqual(e.values);
      expect(decodeDataRowValues(e)).toBe(e.values);
    });
  });

  it("leaves every other message as the eager parser decodes it", () => {
    const others = (msgs: BackendMessage[]) => msgs.filter((m) => m.type !== "dataRow");
    expect(others(lazy)).toEqual(others(eager));
  });

  it("still checks the column count against the frame", () => {
    // 'D', length 6 + 0: column count 1 but no room for its length
    const bad = Buffer.from([0x44, 0, 0, 0, 6, 0, 1]);
    expect(() => parseBackend([bad], { lazyDataRows: true })).toThrow(ProtocolError);
  });

  it("reports a malformed value only when the values are decoded", () => {
    // 'D', length 10: 1 column announcing 100 bytes, none present
    const bad = Buffer.from([0x44, 0, 0, 0, 10, 0, 1, 0, 0, 0, 100]);
    const [row] = parseBackend([bad], { lazyDataRows: true });
    if (row?.type !== "dataRow") throw new Error("expected dataRow");
    expect(() => decodeDataRowValues(row)).toThrow(/column value needs 100 bytes/);
  });
});
