import { formatDuration } from "../output/duration";
import { sanitize } from "../output/text";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/** Carriage return and "erase the whole line": the spinner redraws in place. */
const CLEAR_LINE = "\r\u001b[2K";

export interface SpinnerOptions {
  /** Where the line is drawn: stderr, and only when it is a terminal. */
  readonly write: (text: string) => void;
  readonly now: () => number;
  /** The terminal's width, if known: a longer line would wrap and could not be erased. */
  readonly width?: number | undefined;
  readonly intervalMs?: number;
}

/**
 * One progress line on a terminal, `⠋ waiting for review rv-… … 12s`, redrawn in place until
 * `stop()` erases it. `print()` writes a line above it (a NOTICE that arrives meanwhile).
 * `stop()` is safe to call twice, and the timer never keeps the process alive.
 */
export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private startedAt = 0;
  private text = "";

  constructor(private readonly options: SpinnerOptions) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts (or restarts, with new text) the line: `⠋ <text> … <time waited>`. */
  start(text: string): void {
    this.text = sanitize(text);
    this.startedAt = this.options.now();
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.draw(), this.options.intervalMs ?? 100);
      this.timer.unref();
    }
    this.draw();
  }

  print(text: string): void {
    if (!this.running) {
      this.options.write(text);
      return;
    }
    this.options.write(CLEAR_LINE + text);
    this.draw();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.options.write(CLEAR_LINE);
  }

  private draw(): void {
    const glyph = FRAMES[this.frame++ % FRAMES.length] ?? "";
    const tail = ` … ${waited(this.options.now() - this.startedAt)}`;
    let text = this.text;
    // Stay one column short of the width: a line that wraps cannot be erased in place.
    const room =
      this.options.width === undefined ? undefined : this.options.width - 3 - tail.length;
    if (room !== undefined && room > 10 && text.length > room) text = `${text.slice(0, room - 1)}…`;
    this.options.write(`${CLEAR_LINE}${glyph} ${text}${tail}`);
  }
}

/** `0s`, `12s`, then `3m 05s`, `1h 02m`: whole seconds, no tenths flickering by. */
export function waited(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000);
}
