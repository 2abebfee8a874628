import { iso } from "../validation/common.schemas";
import type { UserWithGroups } from "./user.repository";
import type { UserView } from "./user.schemas";

/** The API representation of a user, with their owner and their group names sorted. */
export function toUserView(row: UserWithGroups): UserView {
  return {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    kind: row.kind,
    role: row.role,
    owner: row.owner === null ? null : { id: row.owner.id, name: row.owner.name },
    groups: row.groups.map((membership) => membership.group.name).sort(),
    disabledAt: iso(row.disabledAt),
    createdAt: iso(row.createdAt),
  };
}
