import type { Command } from "commander";
import type { CliContext } from "../context";
import { renderJson } from "../output/json";
import type { OutputFormat } from "../output/format-option";

/** The options every command can see: `--profile` (global) and `--output` where defined. */
export interface CommonOptions {
  profile?: string;
  output?: OutputFormat;
}

export function commonOptions(cmd: Command): CommonOptions {
  return cmd.optsWithGlobals<CommonOptions>();
}

/** Prints `json` as JSON with `-o json`, else the human rendering. */
export function emit(ctx: CliContext, cmd: Command, json: unknown, human: () => string): void {
  ctx.term.out(commonOptions(cmd).output === "json" ? renderJson(json) : human());
}

/** A quoted name for messages: connection "demo". */
export function quoted(value: string): string {
  return JSON.stringify(value);
}
