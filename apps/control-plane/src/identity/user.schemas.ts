import { z } from "zod";
import {
  Name,
  NAME_PATTERN,
  NAME_RULE,
  NullableTimestamp,
  Timestamp,
} from "../validation/common.schemas";

export const MAX_GROUPS = 100;

const Role = z.enum(["admin", "auditor", "user"], {
  error: 'must be "admin", "auditor" or "user"',
});
const UserKind = z.enum(["human", "service_account"], {
  error: 'must be "human" or "service_account"',
});

const GroupName = z.string().regex(NAME_PATTERN, { error: `must be ${NAME_RULE}` });

/** A set of group names: duplicates are dropped, the result is sorted. */
const Groups = z
  .array(GroupName)
  .max(MAX_GROUPS, { error: `at most ${MAX_GROUPS} groups` })
  .transform((names) => [...new Set(names)].sort())
  .describe("group names; each group is created when first used");

const DisplayName = z
  .string()
  .trim()
  .min(1, { error: "must not be empty (send null to clear it)" })
  .max(200);

/** A user name; looser than `Name` like `UserNameParam`, since owners may come from an IdP. */
const OwnerName = z
  .string()
  .min(1, { error: "must be a user name" })
  .max(200)
  .describe("service accounts only: the name of the human user accountable for it");

export const CreateUserBody = z.strictObject({
  name: Name,
  role: Role.default("user"),
  kind: UserKind.default("human"),
  groups: Groups.default([]),
  displayName: DisplayName.optional(),
  /** Required for a service account; refused for a human. */
  owner: OwnerName.optional(),
});
export type CreateUserBody = z.output<typeof CreateUserBody>;

/** Any subset; `groups` replaces the whole set; `displayName: null` clears it. */
export const UpdateUserBody = z.strictObject({
  role: Role.optional(),
  groups: Groups.optional(),
  displayName: DisplayName.nullable().optional(),
  disabled: z.boolean().optional().describe("true: the user's API keys stop authenticating"),
  /** Service accounts only: hands the account to another human owner. */
  owner: OwnerName.optional(),
});
export type UpdateUserBody = z.output<typeof UpdateUserBody>;

/**
 * `:name` path parameters. Looser than `Name` on purpose: users synced from an identity
 * provider later may carry names (e-mail addresses) that `POST /users` does not accept.
 */
export const UserNameParam = z.string().min(1).max(200);

export const UserView = z.object({
  id: z.uuid(),
  name: z.string(),
  displayName: z.string().nullable(),
  kind: UserKind,
  role: Role,
  /** The human accountable for a service account; null for humans (or a deleted owner). */
  owner: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  /** Sorted by name. */
  groups: z.array(z.string()),
  disabledAt: NullableTimestamp,
  createdAt: Timestamp,
});
export type UserView = z.output<typeof UserView>;

export const UserList = z.object({ items: z.array(UserView) });
export type UserList = z.output<typeof UserList>;
