import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { stringify } from "yaml";
import { type CliContext, connect } from "../context";
import { CliError, ReportedError, UsageError } from "../errors";
import { ApiError } from "../http/errors";
import type { ApplyResult, SimulationInput } from "../http/schemas";
import { outputOption } from "../output/format-option";
import { renderJson } from "../output/json";
import { sanitize } from "../output/text";
import { applyLine, policyTable, simulationReport, versionTable } from "../views/policies";
import { collect } from "./connection-flags";
import { type PolicyFile, PolicyFileError, readPolicyFile } from "./policy-files";
import { commonOptions, emit, quoted } from "./shared";

/** `airlock policy test` exit codes: scripts branch on the decision. */
export const TEST_EXIT = { allow: 0, deny: 3, review: 4 } as const;

interface ApplyOptions {
  file?: string[];
  comment?: string;
  dryRun?: boolean;
}

interface ShowOptions {
  revision?: number;
  output?: "yaml" | "json";
}

interface TestOptions {
  as?: string;
  groups?: string;
  connection: string;
  command?: string;
  file?: string;
  searchPath?: string;
}

export function registerPolicy(program: Command, ctx: CliContext): void {
  const policy = program
    .command("policy")
    .description("manage policies: versioned YAML/JSON documents that decide on every command");

  registerApply(policy, ctx);

  policy
    .command("list")
    .description("list the policies in force")
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const items = await api.listPolicies();
      emit(ctx, cmd, items, () =>
        items.length === 0
          ? "No policies yet, so every command is denied. Apply one with: airlock policy apply -f policy.yaml\n"
          : policyTable(items, ctx.now()),
      );
    });

  policy
    .command("show")
    .description("print a policy as it was applied (the current version, or --revision N)")
    .argument("<name>", "policy name")
    .option(
      "-r, --revision <n>",
      "an older version (see: airlock policy versions <name>); --version is the CLI's own flag",
      parseVersion,
    )
    .addOption(
      new Option(
        "-o, --output <format>",
        "yaml or json: the document in that format (default: the text as applied)",
      ).choices(["yaml", "json"]),
    )
    .action(async (name: string, options: ShowOptions, _cmd: Command) => {
      const { api } = connect(ctx, commonOptions(_cmd).profile);
      const detail = await api.getPolicy(name, options.revision);
      switch (options.output) {
        case undefined:
          ctx.term.out(withNewline(detail.sourceText));
          return;
        case "json":
          ctx.term.out(renderJson(detail.document));
          return;
        case "yaml":
          ctx.term.out(
            detail.sourceFormat === "yaml"
              ? withNewline(detail.sourceText)
              : stringify(detail.document),
          );
          return;
      }
    });

  policy
    .command("versions")
    .description("list every version of a policy with its author and time (the change history)")
    .argument("<name>", "policy name")
    .addOption(outputOption())
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const list = await api.listPolicyVersions(name);
      emit(ctx, cmd, list, () => {
        const state = list.deleted === true ? " (deleted)" : "";
        return `Policy ${quoted(list.name)}, current version ${list.currentVersion}${state}\n\n${versionTable(list.items, ctx.now())}`;
      });
    });

  policy
    .command("delete")
    .description("delete a policy: it stops applying at once; its versions stay as history")
    .argument("<name>", "policy name")
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      await api.deletePolicy(name);
      ctx.term.out(
        `Deleted policy ${quoted(name)}; it no longer applies (history: airlock policy versions ${name}).\n`,
      );
    });

  registerTest(policy, ctx);
}

function registerApply(policy: Command, ctx: CliContext): void {
  policy
    .command("apply")
    .description("create or change policies from YAML or JSON files (each change is a new version)")
    .option(
      "-f, --file <path>",
      "policy file (.yaml, .yml or .json; - for stdin); repeatable",
      collect,
    )
    .option("--comment <text>", "why: stored with each new version")
    .option("--dry-run", "validate and show what would change; store nothing")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Every file holds one policy; its name: field names the policy. All files are validated
by the control plane first: if any is invalid, nothing is applied and each problem is
printed with its path (rules[2].match.sql.statements[0]: …). A file equal to the
current version stores nothing and prints "unchanged".

Examples:
  airlock policy apply -f prod-engineers.yaml
  airlock policy apply -f policies/readers.yaml -f policies/dba.yaml --comment "JIRA-42"`,
    )
    .action(async (options: ApplyOptions, cmd: Command) => {
      const files = await readFiles(ctx, options.file ?? []);
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const send = { ...(options.comment === undefined ? {} : { comment: options.comment }) };
      const checked = await Promise.all(
        files.map((file) =>
          attempt(file, () => api.applyPolicy(file.name, file.body, { ...send, dryRun: true })),
        ),
      );
      const failed = checked.filter((r) => r.error !== undefined);
      if (failed.length > 0 || options.dryRun === true) {
        for (const result of failed.length > 0 ? failed : checked) report(ctx, result);
        if (failed.length > 0) {
          if (files.length > 1) ctx.term.err("Nothing was applied.\n");
          throw new ReportedError(1);
        }
        return;
      }
      const applied: ApplyResult[] = [];
      for (const file of files) {
        const result = await api.applyPolicy(file.name, file.body, send);
        applied.push(result);
        if (commonOptions(cmd).output !== "json") ctx.term.out(applyLine(result));
      }
      if (commonOptions(cmd).output === "json") ctx.term.out(renderJson(applied));
    });
}

function registerTest(policy: Command, ctx: CliContext): void {
  policy
    .command("test")
    .description("decide on a command with the policies in force, without running it")
    .option("--as <user>", "decide for this user (their groups and kind)")
    .option(
      "--groups <g1,g2>",
      "decide for a member of these groups (with --as: instead of theirs)",
    )
    .requiredOption(
      "--connection <name>",
      "the connection the command would run on (its tags count)",
    )
    .option("-c, --command <sql>", "the SQL to decide on")
    .option("-f, --file <path>", "read the SQL from a file")
    .option("--search-path <s1,s2>", "the session's search_path (default: public)")
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Prints ALLOW, DENY or REVIEW, the ids of the rules that matched, the reasons, and what
each statement does (kind, tables read and written, functions, UPDATE/DELETE without
WHERE) as the control plane's SQL parser sees it.

Exit codes: ${TEST_EXIT.allow} allow, ${TEST_EXIT.deny} deny, ${TEST_EXIT.review} review; 1 error, 2 usage error.

Examples:
  airlock policy test --as alice --connection pg-prod -c "delete from orders"
  airlock policy test --groups engineers,oncall --connection pg-prod -c "drop table users"`,
    )
    .action(async (options: TestOptions, cmd: Command) => {
      const input = simulationInput(options);
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const result = await api.simulatePolicy(input);
      emit(ctx, cmd, result, () => simulationReport(result));
      const code = testExitCode(result.decision.action);
      if (code !== 0) throw new ReportedError(code);
    });
}

/** 0 allow, 3 deny, 4 review; an action this CLI does not know counts as deny. */
export function testExitCode(action: string): number {
  return action === "allow"
    ? TEST_EXIT.allow
    : action === "review"
      ? TEST_EXIT.review
      : TEST_EXIT.deny;
}

export function simulationInput(options: TestOptions): SimulationInput {
  if (options.as === undefined && options.groups === undefined) {
    throw new UsageError("say who would run the command: --as <user> or --groups <g1,g2>");
  }
  if (options.command !== undefined && options.file !== undefined) {
    throw new UsageError("give the SQL with either -c or -f, not both");
  }
  const command =
    options.command ??
    (options.file === undefined ? undefined : readText(options.file, "SQL file"));
  if (command === undefined || command.trim() === "") {
    throw new UsageError('give the SQL to decide on with -c "…" or -f <file>');
  }
  const input: SimulationInput = { connection: options.connection, command };
  if (options.as !== undefined) input.user = options.as;
  if (options.groups !== undefined) input.groups = splitList(options.groups);
  if (options.searchPath !== undefined) input.searchPath = splitList(options.searchPath);
  return input;
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

async function readFiles(ctx: CliContext, paths: readonly string[]): Promise<PolicyFile[]> {
  if (paths.length === 0) throw new UsageError("give at least one policy file with -f <path>");
  const files: PolicyFile[] = [];
  const problems: PolicyFileError[] = [];
  for (const path of paths) {
    const text = path === "-" ? await ctx.term.readInput() : readText(path, "policy file");
    try {
      files.push(readPolicyFile(path === "-" ? "stdin" : path, text));
    } catch (error) {
      if (!(error instanceof PolicyFileError)) throw error;
      problems.push(error);
    }
  }
  for (const problem of problems) {
    ctx.term.err(`error: ${sanitize(problem.source)}:\n`);
    for (const line of problem.problems) ctx.term.err(`  ${sanitize(line)}\n`);
  }
  if (problems.length > 0) throw new ReportedError(1);
  const seen = new Map<string, string>();
  for (const file of files) {
    const other = seen.get(file.name);
    if (other !== undefined) {
      throw new UsageError(`${other} and ${file.source} both define policy ${quoted(file.name)}`);
    }
    seen.set(file.name, file.source);
  }
  return files;
}

interface Attempt {
  file: PolicyFile;
  result?: ApplyResult;
  error?: ApiError;
}

/** Runs one request; a refusal of the document (400) is kept for the report, else thrown. */
async function attempt(file: PolicyFile, run: () => Promise<ApplyResult>): Promise<Attempt> {
  try {
    return { file, result: await run() };
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return { file, error };
    throw error;
  }
}

/** `policy x version 2 (dry run)`, or the file and one line per problem. */
function report(ctx: CliContext, attempt: Attempt): void {
  if (attempt.result !== undefined) {
    ctx.term.out(applyLine(attempt.result));
    return;
  }
  const error = attempt.error;
  if (error === undefined) return;
  if (error.issues.length === 0) {
    ctx.term.err(`error: ${sanitize(attempt.file.source)}: ${sanitize(error.serverMessage)}\n`);
    return;
  }
  ctx.term.err(
    `error: ${sanitize(attempt.file.source)}: policy ${quoted(attempt.file.name)} is invalid:\n`,
  );
  for (const issue of error.issues) {
    const line = issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`;
    ctx.term.err(`  ${sanitize(line)}\n`);
  }
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new CliError(`cannot read the ${what} ${path} (${code})`);
  }
}

function parseVersion(value: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value))
    throw new InvalidArgumentError("expected a version number: 1, 2, 3…");
  return Number(value);
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
