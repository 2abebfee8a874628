import { type Command, InvalidArgumentError } from "commander";
import { type CliContext, connect } from "../context";
import { SessionEventsApi } from "../http/session-events-api";
import { play, type ReplayClock, realClock } from "../io/replay-player";
import { outputOption } from "../output/format-option";
import { ReplayRenderer } from "../views/session-replay";
import { commonOptions } from "./shared";
import { parseDuration } from "./time-flags";

interface ReplayOptions {
  speed?: number;
  /** false with --no-wait. */
  wait?: boolean;
  maxGap?: number;
}

/** `airlock sessions replay <id>`: the session's timeline, printed as it happened. */
export function registerSessionReplay(
  sessions: Command,
  ctx: CliContext,
  clock: ReplayClock = realClock,
): void {
  sessions
    .command("replay")
    .description(
      "replay a session as it happened: commands, decisions, reviews, masked results and timing",
    )
    .argument("<id>", "session id (see: airlock sessions list)")
    .option(
      "--speed <n>",
      "play N times as fast as it happened (0.5 = half speed); 0 prints everything at once " +
        "(default: 1 when the output is a terminal, else 0)",
      parseSpeed,
    )
    .option("--no-wait", "print everything at once (same as --speed 0)")
    .option(
      "--max-gap <duration>",
      "cut every pause longer than this (session time) to it, e.g. 5s or 1m",
      parseGap,
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Each command is shown with its time since the session started, the decision (ALLOW, DENY
rule: reason, HELD for review rv-…), then what the client got: the recorded (masked) result
rows, the command tag or the error, and the time it took. Review steps (requested, votes,
approved by …, executed) and the session's end follow where they happened.

Timing: with --speed N the replay waits between entries as long as passed in the session,
divided by N. Without --speed it plays in real time (1) when stdout is a terminal and prints
everything at once when it is piped or redirected (and with -o json).

--output json prints the raw entries of GET /api/v1/sessions/<id>/events, one JSON object
per line, in order.

Examples:
  airlock sessions replay 3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80
  airlock sessions replay 3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80 --speed 4 --max-gap 5s
  airlock sessions replay 3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80 -o json | jq -c 'select(.kind == "command")'`,
    )
    .action(async (id: string, options: ReplayOptions, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const json = commonOptions(cmd).output === "json";
      const speed =
        options.wait === false
          ? 0
          : (options.speed ?? (!json && ctx.term.columns !== undefined ? 1 : 0));
      const events = new SessionEventsApi(api.http);
      const renderer = new ReplayRenderer();
      const print = json
        ? (entry: object) => ctx.term.out(`${JSON.stringify(entry)}\n`)
        : (entry: Parameters<ReplayRenderer["render"]>[0]) => ctx.term.out(renderer.render(entry));
      await play(events.entries(id), print, clock, {
        speed,
        ...(options.maxGap === undefined ? {} : { maxGapMs: options.maxGap }),
      });
      if (!json) ctx.term.out(renderer.finish());
    });
}

function parseSpeed(value: string): number {
  const speed = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(speed) || speed > 1000) {
    throw new InvalidArgumentError("expected a number from 0 to 1000, e.g. 1, 2 or 0.5.");
  }
  return speed;
}

function parseGap(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError("expected a duration like 2s, 30s or 1m.");
  }
  return ms;
}
