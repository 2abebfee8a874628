import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { ConfigError } from "../errors";
import { formatIssues } from "../zod-issues";
import { type ConfigFile, ConfigFileSchema, emptyConfig } from "./config-file";
import { lockPathFor, withFileLock } from "./file-lock";
import { errnoCode, removeQuietly } from "./fs-quiet";

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export interface ProfileStoreOptions {
  /**
   * True when the file sits in a directory the CLI owns (`…/airlock/`), which it then keeps at
   * 0700. False for a custom AIRLOCK_CONFIG path, whose existing directory is left alone.
   */
  readonly ownsDirectory: boolean;
  /** Receives one-line warnings, e.g. that the file's permissions were tightened. */
  readonly warn: (message: string) => void;
}

/**
 * The config file holding profiles and their API keys or login tokens. Reads are validated; writes are atomic
 * (a 0600 temporary file in the same directory, fsynced, renamed over the old one), so a crash
 * or a concurrent reader never sees half a file and the key is never readable by others.
 */
export class ProfileStore {
  constructor(
    readonly path: string,
    private readonly options: ProfileStoreOptions,
  ) {}

  read(): ConfigFile {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return emptyConfig();
      throw new ConfigError(`cannot read the config file ${this.path}: ${describe(error)}`);
    }
    this.tightenLoosePermissions();
    if (text.trim() === "") return emptyConfig();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(
        `the config file ${this.path} is not valid JSON${jsonErrorLocation(error, text)}; ` +
          "fix it or delete it and run airlock login again",
      );
    }
    const parsed = ConfigFileSchema.safeParse(json);
    if (!parsed.success) {
      throw new ConfigError(
        `the config file ${this.path} is invalid: ${formatIssues(parsed.error)}; ` +
          "fix it or delete it and run airlock login again",
      );
    }
    return parsed.data;
  }

  write(config: ConfigFile): void {
    const target = this.resolveTarget();
    const dir = dirname(target);
    this.ensureDirectory(dir);
    const temp = join(
      dir,
      `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      writeFileDurably(temp, `${JSON.stringify(config, null, 2)}\n`);
      renameSync(temp, target);
      // The temporary file was created 0600; this covers filesystems that ignore the mode.
      chmodSync(target, FILE_MODE);
    } catch (error) {
      removeQuietly(temp);
      throw new ConfigError(`cannot write the config file ${target}: ${describe(error)}`);
    }
  }

  /** Reads, applies `change`, writes; returns what was written. */
  update(change: (config: ConfigFile) => ConfigFile): ConfigFile {
    const next = change(this.read());
    this.write(next);
    return next;
  }

  /**
   * Runs `fn` holding `<config>.lock`, which every change to a profile's login tokens takes:
   * refresh tokens are single use, so two processes must never refresh the same one. Read the
   * file again inside `fn`: another process may have changed it while this one waited.
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    this.ensureDirectory(dirname(this.path));
    return withFileLock(lockPathFor(this.path), fn);
  }

  private ensureDirectory(dir: string): void {
    try {
      mkdirSync(dir, { recursive: true, mode: DIR_MODE });
      if (this.options.ownsDirectory) chmodSync(dir, DIR_MODE);
    } catch (error) {
      throw new ConfigError(`cannot create the config directory ${dir}: ${describe(error)}`);
    }
  }

  /** A symlinked config (dotfile managers) is updated in place of its target, not replaced. */
  private resolveTarget(): string {
    try {
      return realpathSync(this.path);
    } catch {
      return this.path;
    }
  }

  private tightenLoosePermissions(): void {
    try {
      const mode = statSync(this.path).mode & 0o777;
      if ((mode & 0o077) === 0) return;
      chmodSync(this.path, FILE_MODE);
      this.options.warn(
        `the config file ${this.path} was readable by others (mode ${octal(mode)}); ` +
          `changed it to ${octal(FILE_MODE)} because it holds API keys`,
      );
    } catch (error) {
      this.options.warn(`cannot check the permissions of ${this.path}: ${describe(error)}`);
    }
  }
}

function writeFileDurably(path: string, data: string): void {
  const fd = openSync(path, "wx", FILE_MODE);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function describe(error: unknown): string {
  return errnoCode(error) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * `(line 3, column 14)` from a JSON.parse error. V8's message itself is not shown: it can quote
 * the text around the error, which may be an API key.
 */
function jsonErrorLocation(error: unknown, text: string): string {
  const match = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
  if (match?.[1] === undefined) return "";
  const before = text.slice(0, Number(match[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return ` (line ${line}, column ${column})`;
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}
