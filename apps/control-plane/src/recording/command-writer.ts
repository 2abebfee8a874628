// The write-ahead half of recording: `record(rows)` resolves once the rows are
// durable, and only then may the session forward the commands (invariant 1).
// One INSERT in flight per process; everything that arrives meanwhile goes out as
// the next single INSERT (group commit, no timer).
import type { CommandsRepository } from "./commands.repository";
import { GroupCommit } from "./group-commit";
import type { CommandRecord } from "./recording.types";

export class CommandWriter {
  private readonly group: GroupCommit<CommandRecord>;

  constructor(repository: CommandsRepository, onIdle: () => void) {
    this.group = new GroupCommit((rows) => repository.insert(rows), { onIdle });
  }

  /** Nothing to warm up: the pool connects on the first write. */
  start(): void {}

  /** Resolves when the rows committed; rejects when they did not (the caller must not forward). */
  record(rows: readonly CommandRecord[]): Promise<void> {
    return this.group.add(rows);
  }

  get busy(): boolean {
    return this.group.busy;
  }

  /** Writes what is queued, then refuses new rows; safe to call twice. */
  stop(): Promise<void> {
    return this.group.stop();
  }
}
