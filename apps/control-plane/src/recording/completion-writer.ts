// The other half: completions are not write-ahead. They are queued and go out as
// one UPDATE … FROM unnest(…) when the command writer is idle (or the queue grows
// large), when a session ends, and at shutdown.
import type { Logger } from "pino";
import type { CommandsRepository } from "./commands.repository";
import { GroupCommit } from "./group-commit";
import type { CommandCompletion } from "./recording.types";

/** Past this many queued completions they go out even while inserts are busy. */
const MAX_QUEUED = 256;

export class CompletionWriter {
  private readonly group: GroupCommit<CommandCompletion>;

  constructor(
    repository: CommandsRepository,
    inserting: () => boolean,
    private readonly logger: Logger,
  ) {
    this.group = new GroupCommit((rows) => repository.complete(rows), {
      shouldLaunch: (queued) => queued >= MAX_QUEUED || !inserting(),
    });
  }

  start(): void {}

  /** Queues a completion; a failed write is logged (the command stays pending in the record). */
  complete(completion: CommandCompletion): void {
    this.group.add([completion]).catch((err: unknown) => {
      this.logger.warn({ err }, "could not record command completions");
    });
  }

  /** The command writer went idle: send what is queued. */
  onInsertsIdle(): void {
    if (this.group.queued > 0) this.group.launch();
  }

  /** Settles once everything queued so far was written (or failed). */
  flush(): Promise<void> {
    return this.group.flush();
  }

  stop(): Promise<void> {
    return this.group.stop();
  }
}
