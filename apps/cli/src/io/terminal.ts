import { CliError } from "../errors";

/** The process streams the CLI talks to; commands never touch `process.std*` directly. */
export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  /**
   * Reads a secret: all of stdin when it is piped (`echo "$KEY" | airlock login --api-key -`),
   * or a line typed at a hidden prompt when stdin is a terminal. Strips the final newline.
   */
  readSecret(prompt: string): Promise<string>;
  /** Reads all of stdin as UTF-8 (for `airlock exec` without -c or -f). */
  readInput(): Promise<string>;
  /** True when stdin is a terminal, i.e. nothing is piped in. */
  readonly stdinIsTTY: boolean;
  /** The width of stdout when it is a terminal; undefined when it is piped or redirected. */
  readonly columns: number | undefined;
  /** True when stderr is a terminal: progress lines (spinners) may be drawn and erased. */
  readonly stderrIsTTY: boolean;
}

export function processTerminal(): Terminal {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    readSecret: (prompt) =>
      process.stdin.isTTY
        ? readHidden(prompt, process.stdin, process.stderr)
        : readAll(process.stdin).then((text) => text.replace(/\r?\n$/, "")),
    readInput: () => readAll(process.stdin),
    get stdinIsTTY() {
      return process.stdin.isTTY === true;
    },
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined;
    },
    get stderrIsTTY() {
      return process.stderr.isTTY === true;
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A prompt whose input is not echoed (raw mode), so the secret does not show on screen. */
function readHidden(
  prompt: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (): void => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish();
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          finish();
          reject(new CliError("cancelled", 130));
          return;
        }
        if (ch === "\u007f" || ch === "\b") {
          value = Array.from(value).slice(0, -1).join("");
        } else {
          value += ch;
        }
      }
    };
    output.write(prompt);
    input.setEncoding("utf8");
    input.setRawMode(true);
    input.resume();
    input.on("data", onData);
  });
}
