// The recording module's facade: session rows, write-ahead command records and
// their completions. Owns the two writers and closes the hot-path pool after
// flushing them at shutdown (after the gateway ended its sessions).
import { Inject, Injectable, type OnApplicationShutdown } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { CommandWriter } from "./command-writer";
import { CommandsRepository } from "./commands.repository";
import { CompletionWriter } from "./completion-writer";
import type { CommandCompletion, CommandRecord, SessionEnd, SessionStart } from "./recording.types";
import { SessionRecordsRepository } from "./session-records.repository";

@Injectable()
export class RecordingService implements OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly commands: CommandWriter;
  private readonly completions: CompletionWriter;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly repository: CommandsRepository,
    private readonly sessions: SessionRecordsRepository,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "recording" });
    this.commands = new CommandWriter(repository, () => this.completions.onInsertsIdle());
    this.completions = new CompletionWriter(repository, () => this.commands.busy, this.logger);
    this.commands.start();
    this.completions.start();
  }

  startSession(start: SessionStart): Promise<void> {
    return this.sessions.create(start);
  }

  markActive(sessionId: string): Promise<void> {
    return this.sessions.markActive(sessionId);
  }

  endSession(sessionId: string, end: SessionEnd): Promise<void> {
    return this.sessions.end(sessionId, end);
  }

  /** Write-ahead: resolves once durable. */
  recordCommands(rows: readonly CommandRecord[]): Promise<void> {
    return this.commands.record(rows);
  }

  completeCommand(completion: CommandCompletion): void {
    this.completions.complete(completion);
  }

  flushCompletions(): Promise<void> {
    return this.completions.flush();
  }

  /** Flushes both writers, then closes the pool; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  private async shutdown(): Promise<void> {
    await this.commands.stop();
    await this.completions.stop();
    await this.repository.close().catch((err: unknown) => {
      this.logger.warn({ err }, "closing the recording pool failed");
    });
  }
}
