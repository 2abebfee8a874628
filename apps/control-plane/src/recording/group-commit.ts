// Group commit: one write in flight at a time; rows that arrive meanwhile are
// queued and go out together as the next single write when it finishes. No
// timer: a lone caller pays one round trip, a busy process amortises it over
// everyone who arrived during the previous write.
//
// Pure scheduling: the write itself is the `commit` function it is given.

interface Batch<T> {
  rows: T[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /**
   * Whether queued rows may go out now (checked when rows arrive and after each
   * write). Default: always. The completion writer uses it to wait for idle time.
   */
  shouldLaunch?: (queued: number) => boolean;
  /** After a write finished and nothing else was queued. */
  onIdle?: () => void;
}

export class RecorderStopped extends Error {
  constructor() {
    super("the recorder is stopped (the control plane is shutting down)");
    this.name = "RecorderStopped";
  }
}

export class GroupCommit<T> {
  private next: Batch<T> | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly commit: (rows: T[]) => Promise<void>,
    private readonly options: GroupCommitOptions = {},
  ) {}

  /** Queues the rows; resolves once the write that carries them committed, rejects if it failed. */
  add(rows: readonly T[]): Promise<void> {
    if (this.stopped) return Promise.reject(new RecorderStopped());
    const batch = (this.next ??= newBatch<T>());
    for (const row of rows) batch.rows.push(row);
    this.maybeLaunch();
    return batch.done;
  }

  /** A write is in flight. */
  get busy(): boolean {
    return this.inflight !== undefined;
  }

  /** Rows waiting for the next write. */
  get queued(): number {
    return this.next?.rows.length ?? 0;
  }

  /** Sends what is queued now if nothing is in flight (ignores shouldLaunch). */
  launch(): void {
    if (this.inflight !== undefined || this.next === undefined) return;
    const batch = this.next;
    this.next = undefined;
    this.inflight = this.commit(batch.rows).then(batch.resolve, batch.reject);
    void this.inflight.then(() => {
      this.inflight = undefined;
      if (this.next !== undefined) {
        if (this.stopping !== undefined || this.allowed()) this.launch();
      } else {
        this.options.onIdle?.();
      }
    });
  }

  /** Settles once everything queued before the call was written (never rejects). */
  async flush(): Promise<void> {
    while (this.inflight !== undefined || this.next !== undefined) {
      const waiting = this.next?.done;
      this.launch();
      await this.inflight;
      if (waiting !== undefined) await waiting.catch(() => undefined);
    }
  }

  /** Refuses new rows and writes out the queued ones; safe to call twice. */
  stop(): Promise<void> {
    this.stopped = true;
    this.stopping ??= this.flush();
    return this.stopping;
  }

  private maybeLaunch(): void {
    if (this.inflight === undefined && this.allowed()) this.launch();
  }

  private allowed(): boolean {
    return this.options.shouldLaunch?.(this.queued) ?? true;
  }
}

function newBatch<T>(): Batch<T> {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits (completions) must not become an unhandled rejection.
  done.catch(() => undefined);
  return { rows: [], done, resolve, reject };
}
