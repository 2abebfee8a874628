import { Option } from "commander";

export type OutputFormat = "table" | "json";

/** `-o, --output <format>`, added to every command that prints a resource. */
export function outputOption(): Option {
  return new Option(
    "-o, --output <format>",
    "output format: table for people, json for scripts and agents",
  )
    .choices(["table", "json"])
    .default("table");
}
