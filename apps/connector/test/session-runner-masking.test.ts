// The session runner's side of masking: the open request carries the mask,
// `maskStats` items become mask_stats frames in order with the data, mask
// updates and COPY hints reach the target between the data frames around them,
// and a SessionError from the target closes the session with its own code.
// The gRPC call is a fake duplex; the engine is a fake typed against the real interface.

import { Duplex } from "node:stream";
import { Metadata, type StatusObject } from "@grpc/grpc-js";
import {
  CloseCode,
  type ConnectorSessionFrame,
  type ConnectorTunnelClient,
  type CopyHint,
  type GatewaySessionFrame,
  type MaskConfig,
} from "@airlock/proto";
import { describe, expect, it } from "vitest";
import type {
  OpenTargetRequest,
  OutputItem,
  SessionControl,
  TargetConnection,
  TargetEngine,
} from "../src/engines/engine";
import { SessionError } from "../src/engines/session-error";
import { createLogger } from "../src/logger";
import { SessionRunner, type OpenSessionWithTarget } from "../src/tunnel/session-runner";

/** The session stream as the connector sees it: what it writes, and frames the test pushes. */
class FakeCall extends Duplex {
  readonly written: ConnectorSessionFrame[] = [];

  constructor() {
    super({ objectMode: true });
  }

  override _write(frame: ConnectorSessionFrame, _encoding: string, done: () => void): void {
    this.written.push(frame);
    done();
  }

  override _read(): void {}

  override _final(done: () => void): void {
    done();
    setImmediate(() => this.finishStatus());
  }

  cancel(): void {
    this.finishStatus();
  }

  fromGateway(frame: GatewaySessionFrame["frame"]): void {
    this.push({ frame });
  }

  private finishStatus(): void {
    const status: StatusObject = { code: 0, details: "", metadata: new Metadata() };
    this.emit("status", status);
  }
}

/** A target whose output the test feeds, recording writes and control frames in order. */
class FakeTarget implements TargetConnection {
  readonly remoteAddress = "127.0.0.1:5432";
  readonly log: string[] = [];
  readonly controls: SessionControl[] = [];
  private readonly pending: OutputItem[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private ended = false;
  controlError: Error | undefined;

  readonly output: AsyncIterable<OutputItem> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<OutputItem>> => {
        for (;;) {
          const item = this.pending.shift();
          if (item) return { done: false, value: item };
          if (this.failure) throw this.failure;
          if (this.ended) return { done: true, value: undefined };
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      },
    }),
  };

  emit(...items: OutputItem[]): void {
    this.pending.push(...items);
    this.wake?.();
  }

  fail(err: Error): void {
    this.failure = err;
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async write(chunk: Buffer): Promise<void> {
    this.log.push(`write ${chunk.toString()}`);
  }

  control(frame: SessionControl): void {
    this.log.push(`control ${frame.$case}`);
    this.controls.push(frame);
    if (this.controlError) throw this.controlError;
  }

  close(): void {
    this.end();
  }
}

const MASK: MaskConfig = {
  rules: [{ columns: ["*.email"], detect: [], strategy: "redact" }],
  hashKey: Buffer.alloc(32, 1),
};

interface Run {
  readonly call: FakeCall;
  readonly target: FakeTarget;
  readonly requests: OpenTargetRequest[];
  readonly done: Promise<void>;
}

function run(target: FakeTarget = new FakeTarget(), withControl = true): Run {
  const call = new FakeCall();
  const requests: OpenTargetRequest[] = [];
  const opened: TargetConnection = withControl
    ? target
    : {
        remoteAddress: target.remoteAddress,
        output: target.output,
        write: (chunk) => target.write(chunk),
        close: () => target.close(),
      };
  const engine: TargetEngine = {
    name: "fake",
    open: async (request) => {
      requests.push(request);
      return opened;
    },
  };
  const instruction: OpenSessionWithTarget = {
    sessionId: "s-1",
    attachToken: "t",
    target: {
      engine: "fake",
      host: "h",
      port: 1,
      database: "d",
      username: "u",
      credential: undefined,
      options: {},
    },
    startupParameters: {},
    mask: MASK,
  };
  const runner = new SessionRunner(instruction, engine, {
    client: { session: () => call } as unknown as ConnectorTunnelClient,
    metadata: () => new Metadata(),
    log: createLogger("silent"),
    resolveCredential: () => ({ kind: "none" }),
    reportOpenFailed: () => undefined,
  });
  return { call, target, requests, done: runner.start() };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

function cases(call: FakeCall): string[] {
  return call.written.map((f) => f.frame?.$case ?? "?");
}

describe("a masked session's frames", () => {
  it("passes the mask to the engine and sends stats as mask_stats frames, in order with the data", async () => {
    const { call, target, requests, done } = run();
    target.emit(Buffer.from("rows"), { maskStats: { EMAIL: 2, COLUMN: 1 } }, Buffer.from("CC"));
    target.end();
    await done;
    expect(requests[0]?.mask).toEqual(MASK);
    expect(cases(call)).toEqual(["attach", "opened", "data", "maskStats", "data", "close"]);
    expect(call.written[3]?.frame).toEqual({
      $case: "maskStats",
      value: { counts: { EMAIL: 2, COLUMN: 1 } },
    });
  });

  it("hands mask updates and COPY hints to the target between the data around them", async () => {
    const { call, target, done } = run();
    await until(() => cases(call).includes("opened"));
    call.fromGateway({ $case: "data", value: { payload: Buffer.from("Q1") } });
    call.fromGateway({ $case: "maskUpdate", value: MASK });
    const hint: CopyHint = {
      readyIndex: 1,
      copyOrdinal: 0,
      table: "public.t",
      columns: [],
      format: "csv",
      delimiter: ";",
      nullString: "",
      quote: "",
      escape: "",
      header: true,
    };
    call.fromGateway({ $case: "copyHint", value: hint });
    call.fromGateway({ $case: "data", value: { payload: Buffer.from("Q2") } });
    call.fromGateway({ $case: "close", value: { code: CloseCode.CLOSE_CODE_NORMAL, reason: "" } });
    await done;
    expect(target.log).toEqual(["write Q1", "control maskUpdate", "control copyHint", "write Q2"]);
    // The hint reaches the engine whole: its format and options decide how rows split.
    expect(target.controls[1]).toEqual({ $case: "copyHint", value: hint });
  });

  it("closes with the SessionError the target's output failed with", async () => {
    const { call, target, done } = run();
    target.emit(Buffer.from("head"));
    target.fail(
      new SessionError(
        CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        "binary COPY output cannot be masked",
      ),
    );
    await done;
    expect(cases(call)).toEqual(["attach", "opened", "data", "close"]);
    expect(call.written[3]?.frame).toEqual({
      $case: "close",
      value: {
        code: CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        reason: "binary COPY output cannot be masked",
      },
    });
  });

  it("closes with the SessionError control() throws, writing nothing after it", async () => {
    const target = new FakeTarget();
    target.controlError = new SessionError(
      CloseCode.CLOSE_CODE_PERMISSION_DENIED,
      "mask rules now apply to this session",
    );
    const { call, done } = run(target);
    await until(() => cases(call).includes("opened"));
    call.fromGateway({ $case: "maskUpdate", value: MASK });
    call.fromGateway({ $case: "data", value: { payload: Buffer.from("Q") } });
    await done;
    expect(target.log).toEqual(["control maskUpdate"]);
    expect(call.written.at(-1)?.frame).toEqual({
      $case: "close",
      value: {
        code: CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        reason: "mask rules now apply to this session",
      },
    });
  });

  it("ends the session when rules arrive for an engine that cannot mask", async () => {
    const { call, target, done } = run(new FakeTarget(), false);
    await until(() => cases(call).includes("opened"));
    call.fromGateway({ $case: "maskUpdate", value: { rules: [], hashKey: Buffer.alloc(0) } });
    call.fromGateway({ $case: "data", value: { payload: Buffer.from("Q") } });
    call.fromGateway({ $case: "maskUpdate", value: MASK });
    await done;
    expect(target.log).toEqual(["write Q"]);
    const close = call.written.at(-1)?.frame;
    expect(close?.$case).toBe("close");
    expect(close?.$case === "close" && close.value.code).toBe(
      CloseCode.CLOSE_CODE_PERMISSION_DENIED,
    );
    expect(close?.$case === "close" && close.value.reason).toMatch(
      /the fake engine cannot mask results/,
    );
  });
});
