import { type Command, Option } from "commander";
import { type CliContext, connect } from "../context";
import type { AirlockApi } from "../http/airlock-api";
import type { CreatedApiKey, User } from "../http/schemas";
import { outputOption } from "../output/format-option";
import { keyBlock } from "../views/api-keys";
import { userDetails, userTable } from "../views/users";
import { collect } from "./connection-flags";
import { commonOptions, emit, quoted } from "./shared";
import { createUserBody, KINDS, ROLES, updateUserBody, type UserFlags } from "./user-flags";

/** The name of the key `create --with-key` makes for the new user. */
const DEFAULT_KEY_NAME = "default";

export function registerAdminUsers(admin: Command, ctx: CliContext): void {
  const users = admin
    .command("users")
    .description("manage users, their roles and groups (e.g. the approvers of a review rule)");

  users
    .command("list")
    .description("list users with their role, kind, groups and status")
    .addOption(outputOption())
    .action(async (_options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const items = await api.listUsers();
      emit(ctx, cmd, items, () => userTable(items, ctx.now()));
    });

  users
    .command("show")
    .alias("get")
    .description("show one user")
    .argument("<name>", "user name")
    .addOption(outputOption())
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const user = await api.getUser(name);
      emit(ctx, cmd, user, () => userDetails(user, ctx.now()));
    });

  users
    .command("create")
    .description("create a user; groups that do not exist yet are created")
    .argument("<name>", 'user name: lowercase letters, digits, ".", "_", "-"')
    .addOption(roleOption("default: user"))
    .option(
      "--group <group>",
      "group to put the user in, repeatable: --group dba --group eng",
      collect,
    )
    .addOption(
      new Option("--kind <kind>", "a person or a service account (default: human)").choices(KINDS),
    )
    .option("--display-name <text>", "name to show for the user")
    .option(
      "--owner <name>",
      "service accounts (required): the human user accountable for the account",
    )
    .option(
      "--with-key",
      `also create an API key named "${DEFAULT_KEY_NAME}" for the user and print it once`,
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Examples:
  airlock admin users create alice --group dba --display-name "Alice Liddell"
  airlock admin users create ci-bot --kind service_account --owner alice --with-key`,
    )
    .action(async (name: string, flags: UserFlags, cmd: Command) => {
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const user = await api.createUser(createUserBody(name, flags));
      const created = flags.withKey === true ? await createKey(ctx, api, user) : undefined;
      const json =
        created === undefined ? user : { user, apiKey: created.apiKey, key: created.key };
      emit(ctx, cmd, json, () =>
        [
          `Created user ${quoted(user.name)}.\n`,
          userDetails(user, ctx.now()),
          ...(created === undefined ? [] : [keyBlock(user.name, created.key)]),
        ].join("\n"),
      );
    });

  users
    .command("set")
    .description("change a user; only the given flags change")
    .argument("<name>", "user name")
    .addOption(roleOption("admins cannot change their own role"))
    .option("--group <group>", "group, repeatable; replaces all the user's groups", collect)
    .option("--no-groups", "remove the user from all groups")
    .option("--display-name <text>", 'name to show for the user ("" clears it)')
    .option("--owner <name>", "service accounts: hand the account to another human user")
    .option("--disable", "disable the user: their API keys stop working")
    .option("--enable", "enable a disabled user again")
    .addOption(outputOption())
    .action(async (name: string, flags: UserFlags, cmd: Command) => {
      const patch = updateUserBody(flags);
      const { api } = connect(ctx, commonOptions(cmd).profile);
      const user = await api.updateUser(name, patch);
      emit(
        ctx,
        cmd,
        user,
        () => `Updated user ${quoted(user.name)}.\n\n${userDetails(user, ctx.now())}`,
      );
    });
}

function roleOption(whenAbsent: string): Option {
  return new Option("--role <role>", `the user's role (${whenAbsent})`).choices(ROLES);
}

/** The user exists by now: say so if the key cannot be made, then fail. */
async function createKey(ctx: CliContext, api: AirlockApi, user: User): Promise<CreatedApiKey> {
  try {
    return await api.createApiKey(DEFAULT_KEY_NAME, user.name);
  } catch (err) {
    ctx.term.err(`Created user ${quoted(user.name)}, but not its API key:\n`);
    throw err;
  }
}
