// What `airlock exec` does with the gateway's notice for a held command: find the review
// id, show a spinner on a terminal (or the notice once elsewhere), and for --no-wait end
// the session at once. The Postgres side is a few hand-written backend messages.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { reportHeld } from "../src/commands/exec";
import { heldNotice, REVIEW_ID_IN_TEXT, waitingText } from "../src/exec/held-notice";
import { NoticePrinter } from "../src/exec/notice-printer";
import { runSql } from "../src/exec/run-sql";
import { Spinner, waited } from "../src/io/spinner";
import { captureContext } from "./helpers";

const MESSAGE =
  "Airlock is holding this command for review rv-7k2m9x4qpa (rule demo/ddl-needs-dba): " +
  "needs 1 approval from dba within 30m";
const HINT = "approve it with: airlock reviews approve rv-7k2m9x4qpa";
const HELD = { severity: "NOTICE", code: "00000", message: MESSAGE, hint: HINT };

describe("the held-command notice", () => {
  it("gives the review id and what it needs", () => {
    expect(heldNotice(HELD)).toEqual({
      reviewId: "rv-7k2m9x4qpa",
      needs: "needs 1 approval from dba",
    });
    expect(waitingText({ reviewId: "rv-7k2m9x4qpa", needs: "needs 1 approval from dba" })).toBe(
      "waiting for review rv-7k2m9x4qpa (needs 1 approval from dba)",
    );
  });

  it("copes with other wordings: several approvals, several groups, no 'needs' part", () => {
    expect(
      heldNotice({
        message:
          "Airlock is holding this command for review rv-0123456789 (rule p/r): needs 2 approvals from dba or sre within 1h.",
      }),
    ).toEqual({ reviewId: "rv-0123456789", needs: "needs 2 approvals from dba or sre" });
    expect(heldNotice({ message: "held: rv-abcdefghij" })).toEqual({
      reviewId: "rv-abcdefghij",
      needs: undefined,
    });
    expect(waitingText({ reviewId: "rv-abcdefghij", needs: undefined })).toBe(
      "waiting for review rv-abcdefghij",
    );
  });

  it("ignores every other notice, and ids that are not whole words", () => {
    expect(heldNotice({ message: 'relation "t" already exists, skipping' })).toBeUndefined();
    expect(heldNotice({ message: "see rv-7k2m9x4qpa0" })).toBeUndefined();
    expect(heldNotice({ message: "xrv-7k2m9x4qpa" })).toBeUndefined();
    expect(heldNotice({})).toBeUndefined();
    expect(REVIEW_ID_IN_TEXT.exec("(rv-7k2m9x4qpa)")?.[0]).toBe("rv-7k2m9x4qpa");
    expect(REVIEW_ID_IN_TEXT.test("rv-7K2M9X4QPA")).toBe(false);
  });
});

describe("notices while exec waits", () => {
  function printer(stderrIsTTY: boolean) {
    let err = "";
    let now = 1_000;
    const notices = new NoticePrinter(
      { err: (text) => void (err += text), stderrIsTTY, columns: undefined },
      () => now,
    );
    return { notices, err: () => err, tick: (ms: number) => void (now += ms) };
  }

  it("not on a terminal: the notice once, like any other, with its hint", () => {
    const { notices, err } = printer(false);
    notices.notice(HELD);
    notices.notice({ severity: "WARNING", message: "something else" });
    notices.stop();
    expect(err()).toBe(`NOTICE: ${MESSAGE}\nHINT: ${HINT}\nWARNING: something else\n`);
  });

  it("on a terminal: a spinner line with the time waited, erased when the result arrives", () => {
    const { notices, err } = printer(true);
    notices.notice(HELD);
    expect(err()).toBe(
      "\r\u001b[2K⠋ waiting for review rv-7k2m9x4qpa (needs 1 approval from dba) … 0s",
    );
    notices.notice({ severity: "NOTICE", message: "other" });
    notices.stop();
    notices.stop();
    // The other notice is written above the spinner, which is drawn again, then erased.
    const clear = "\r\u001b[2K";
    expect(err()).toBe(
      `${clear}⠋ waiting for review rv-7k2m9x4qpa (needs 1 approval from dba) … 0s` +
        `${clear}NOTICE: other\n` +
        `${clear}⠙ waiting for review rv-7k2m9x4qpa (needs 1 approval from dba) … 0s` +
        clear,
    );
  });

  it("the spinner counts whole seconds and fits the terminal", () => {
    let out = "";
    let now = 0;
    const spinner = new Spinner({ write: (t) => void (out += t), now: () => now, width: 40 });
    spinner.start("waiting for review rv-7k2m9x4qpa (needs 1 approval from dba)");
    now = 12_400;
    spinner.start("waiting for review rv-7k2m9x4qpa (needs 2 approvals from dba)");
    spinner.stop();
    const lines = out.split("\r\u001b[2K").filter((line) => line !== "");
    expect(lines[0]).toBe("⠋ waiting for review rv-7k2m9x4qp… … 0s");
    expect(lines.every((line) => line.length < 40)).toBe(true);
    expect(waited(12_400)).toBe("12s");
    expect(waited(185_000)).toBe("3m 05s");
  });
});

/** A Postgres backend that accepts any startup and answers a Query with only a notice. */
async function holdingBackend(): Promise<{ port: number; closed: Promise<void>; server: Server }> {
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const server = createServer((socket: Socket) => {
    let started = false;
    socket.on("data", (chunk: Buffer) => {
      if (!started) {
        started = true;
        socket.write(Buffer.concat([message("R", int32(0)), message("Z", Buffer.from("I"))]));
      } else if (chunk[0] === "Q".charCodeAt(0)) {
        socket.write(message("N", noticeFields(HELD)));
      }
    });
    socket.on("close", () => onClosed());
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, closed, server };
}

function int32(n: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(n);
  return buffer;
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

function noticeFields(notice: typeof HELD): Buffer {
  const field = (code: string, value: string) => Buffer.from(`${code}${value}\0`);
  return Buffer.concat([
    field("S", notice.severity),
    field("V", notice.severity),
    field("C", notice.code),
    field("M", notice.message),
    field("H", notice.hint),
    Buffer.from([0]),
  ]);
}

describe("exec --no-wait", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it("ends the session as soon as the notice arrives, with the reason it was given", async () => {
    const backend = await holdingBackend();
    server = backend.server;
    const held = new AbortController();
    const reason = new Error("held");
    const seen: string[] = [];
    const result = runSql({
      host: "127.0.0.1",
      port: backend.port,
      user: "alice",
      database: "demo",
      sql: "alter table users add column x int",
      signal: held.signal,
      onNotice: (notice) => {
        seen.push(notice.message ?? "");
        held.abort(reason);
      },
    });
    await expect(result).rejects.toBe(reason);
    await backend.closed;
    expect(seen).toEqual([MESSAGE]);
  });

  it("prints the id alone on stdout and the way on, one line, on stderr", () => {
    const { ctx, stdout, stderr } = captureContext({});
    reportHeld(ctx, "demo", { reviewId: "rv-7k2m9x4qpa", needs: "needs 1 approval from dba" });
    expect(stdout()).toBe("rv-7k2m9x4qpa\n");
    expect(stderr()).toBe(
      "held for review rv-7k2m9x4qpa (needs 1 approval from dba); run it after approval with: " +
        "airlock exec demo --review rv-7k2m9x4qpa\n",
    );
  });
});
