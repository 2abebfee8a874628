// Group commit: one write in flight, everything that arrives meanwhile goes out
// as the next single write; callers learn when their rows committed.
import { describe, expect, it } from "vitest";
import { GroupCommit, RecorderStopped } from "../src/recording/group-commit";

function controlled(): {
  commits: number[][];
  finish: (err?: Error) => void;
  commit: (rows: number[]) => Promise<void>;
} {
  const commits: number[][] = [];
  const pending: ((err?: Error) => void)[] = [];
  return {
    commits,
    finish: (err) => pending.shift()?.(err),
    commit: (rows) =>
      new Promise<void>((resolve, reject) => {
        commits.push([...rows]);
        pending.push((err) => (err ? reject(err) : resolve()));
      }),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("GroupCommit", () => {
  it("sends the first rows at once and batches the rest behind the write in flight", async () => {
    const c = controlled();
    const g = new GroupCommit<number>(c.commit);
    const a = g.add([1]);
    const b = g.add([2]);
    const d = g.add([3, 4]);
    expect(c.commits).toEqual([[1]]);
    c.finish();
    await a;
    await tick();
    expect(c.commits).toEqual([[1], [2, 3, 4]]);
    c.finish();
    await Promise.all([b, d]);
  });

  it("rejects every caller of a failed write, and goes on with the next", async () => {
    const c = controlled();
    const g = new GroupCommit<number>(c.commit);
    const a = g.add([1]);
    const b = g.add([2]);
    c.finish(new Error("disk full"));
    await expect(a).rejects.toThrow("disk full");
    await tick();
    c.finish();
    await expect(b).resolves.toBeUndefined();
  });

  it("waits while shouldLaunch says no, until launched", async () => {
    const c = controlled();
    let allowed = false;
    const g = new GroupCommit<number>(c.commit, { shouldLaunch: () => allowed });
    const a = g.add([1]);
    expect(c.commits).toEqual([]);
    allowed = true;
    g.launch();
    expect(c.commits).toEqual([[1]]);
    c.finish();
    await a;
  });

  it("stop() writes what is queued and refuses new rows; safe twice", async () => {
    const c = controlled();
    const g = new GroupCommit<number>(c.commit, { shouldLaunch: () => false });
    const a = g.add([1, 2]);
    const stopped = g.stop();
    expect(c.commits).toEqual([[1, 2]]);
    c.finish();
    await Promise.all([a, stopped, g.stop()]);
    await expect(g.add([3])).rejects.toBeInstanceOf(RecorderStopped);
  });
});
