// Audit events that stand alone (not written inside another module's transaction): stable
// code, explicit outcome, who and where. Issue 8 adds the hash chain to the same table.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { type AuditRecord, AuditRepository } from "./audit.repository";

export type { AuditRecord };

@Injectable()
export class AuditService {
  private readonly logger: Logger;

  constructor(
    private readonly repo: AuditRepository,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "audit" });
  }

  /** Writes one event; a failure is logged (with the code) and reported to the caller. */
  async record(event: AuditRecord): Promise<void> {
    try {
      await this.repo.insert(event);
    } catch (err) {
      this.logger.error({ err, code: event.code }, "could not write an audit event");
      throw err;
    }
  }
}
