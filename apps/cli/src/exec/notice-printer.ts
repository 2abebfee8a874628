import type { Terminal } from "../io/terminal";
import { Spinner } from "../io/spinner";
import { formatNotice, type ServerMessage } from "../output/sql-messages";
import { heldNotice, waitingText } from "./held-notice";

/**
 * Where `airlock exec` puts the NOTICEs of its session, on stderr. The gateway's notice for
 * a held command becomes a spinner line on a terminal (`⠋ waiting for review rv-… (needs 1
 * approval from dba) … 12s`), erased by `stop()` when the result arrives; elsewhere (a pipe,
 * a CI log) it is printed once like any other notice.
 */
export class NoticePrinter {
  private readonly spinner: Spinner | undefined;

  constructor(
    private readonly term: Pick<Terminal, "err" | "stderrIsTTY" | "columns">,
    now: () => number = () => Date.now(),
  ) {
    this.spinner = term.stderrIsTTY
      ? new Spinner({ write: (text) => term.err(text), now, width: term.columns })
      : undefined;
  }

  notice(notice: ServerMessage): void {
    const held = heldNotice(notice);
    if (held !== undefined && this.spinner !== undefined) {
      this.spinner.start(waitingText(held));
      return;
    }
    if (this.spinner !== undefined) this.spinner.print(formatNotice(notice));
    else this.term.err(formatNotice(notice));
  }

  /** Erases the spinner line, if any; safe to call twice. */
  stop(): void {
    this.spinner?.stop();
  }
}
