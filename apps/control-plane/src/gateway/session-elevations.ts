// A live session's elevation roles follow its user's grants on its connection: re-read
// when any replica says the user's grants changed (pub/sub), every 10 s as a safety net,
// and at the earliest expiry (a local timer: an expiry ends the elevation even if every
// message was lost). The subject object is replaced, never mutated, so a decision in
// flight sees one consistent subject.
import type { Logger } from "pino";
import type { ApprovalsFacade } from "../approvals/approvals.facade";
import type { SessionFacts } from "./decision";

const REREAD_MS = 10_000;

export class SessionElevations {
  private timer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly facts: SessionFacts,
    private readonly approvals: ApprovalsFacade,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.approvals.onGrantsChanged(this.facts.userId, () => void this.reread());
    this.timer = setInterval(() => void this.reread(), REREAD_MS);
    this.timer.unref();
    void this.reread();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.expiryTimer);
    this.unsubscribe?.();
  }

  private reread(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    if (this.stopped) return;
    let roles: string[];
    let nextExpiry: Date | null;
    try {
      ({ roles, nextExpiry } = await this.approvals.elevations(
        this.facts.userId,
        this.facts.connectionId,
      ));
    } catch (err) {
      // Fail closed: when grants cannot be read, the session loses its elevations.
      this.logger.warn({ err }, "could not read the session's grants; elevations dropped");
      roles = [];
      nextExpiry = null;
    }
    if (this.stopped) return;
    const current = this.facts.subject.elevations ?? [];
    if (current.join("\n") !== roles.join("\n")) {
      const { elevations: _dropped, ...rest } = this.facts.subject;
      this.facts.subject = roles.length === 0 ? rest : { ...rest, elevations: roles };
      this.logger.info({ elevations: roles }, "session elevations changed");
    }
    clearTimeout(this.expiryTimer);
    if (nextExpiry !== null) {
      const delay = Math.max(0, nextExpiry.getTime() - Date.now()) + 20;
      this.expiryTimer = setTimeout(() => void this.reread(), Math.min(delay, 2 ** 31 - 1));
      this.expiryTimer.unref();
    }
  }
}
