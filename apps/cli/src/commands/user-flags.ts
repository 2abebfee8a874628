import { UsageError } from "../errors";
import type { UserInput, UserKind, UserPatch, UserRole } from "../http/schemas";

/** The flags of `admin users create|set`, as commander hands them over. */
export interface UserFlags {
  role?: UserRole;
  kind?: UserKind;
  /** Repeatable `--group`. */
  group?: string[];
  /** false when `--no-groups` was given (commander's negatable option). */
  groups?: boolean;
  displayName?: string;
  disable?: boolean;
  enable?: boolean;
  withKey?: boolean;
  /** Service accounts: the accountable human's name. */
  owner?: string;
}

export const ROLES: readonly UserRole[] = ["admin", "auditor", "user"];
export const KINDS: readonly UserKind[] = ["human", "service_account"];

/** POST /api/v1/users body; what was not given is left to the server's defaults. */
export function createUserBody(name: string, flags: UserFlags): UserInput {
  return {
    name,
    ...(flags.role === undefined ? {} : { role: flags.role }),
    ...(flags.kind === undefined ? {} : { kind: flags.kind }),
    ...(flags.group === undefined ? {} : { groups: flags.group }),
    ...(flags.displayName === undefined || flags.displayName === ""
      ? {}
      : { displayName: flags.displayName }),
    ...(flags.owner === undefined ? {} : { owner: flags.owner }),
  };
}

/** PATCH /api/v1/users/:name body: only what the flags change. */
export function updateUserBody(flags: UserFlags): UserPatch {
  if (flags.group !== undefined && flags.groups === false)
    throw new UsageError("choose --group or --no-groups, not both");
  if (flags.disable === true && flags.enable === true)
    throw new UsageError("choose --disable or --enable, not both");
  const patch: UserPatch = {
    ...(flags.role === undefined ? {} : { role: flags.role }),
    ...(flags.group === undefined ? {} : { groups: flags.group }),
    ...(flags.groups === false ? { groups: [] } : {}),
    ...(flags.displayName === undefined
      ? {}
      : { displayName: flags.displayName === "" ? null : flags.displayName }),
    ...(flags.disable === true ? { disabled: true } : {}),
    ...(flags.enable === true ? { disabled: false } : {}),
    ...(flags.owner === undefined ? {} : { owner: flags.owner }),
  };
  if (Object.keys(patch).length === 0) {
    throw new UsageError(
      "nothing to change: give --role, --group, --no-groups, --display-name, --owner, --disable or --enable",
    );
  }
  return patch;
}
