import type { User } from "../http/schemas";
import { renderDetails } from "../output/details";
import { type Column, renderTable } from "../output/table";
import { orDash } from "../output/text";
import { formatAge, formatTimestamp } from "../output/time";

export function userTable(users: readonly User[], now: Date): string {
  const columns: Column<User>[] = [
    { header: "NAME", value: (u) => u.name },
    { header: "ROLE", value: (u) => u.role },
    { header: "KIND", value: (u) => kindLabel(u.kind) },
    { header: "GROUPS", value: (u) => orDash(u.groups.join(",")) },
    { header: "STATUS", value: (u) => (u.disabledAt ? "disabled" : "active") },
    { header: "DISPLAY NAME", value: (u) => orDash(u.displayName) },
    { header: "CREATED", value: (u) => formatAge(u.createdAt, now) },
  ];
  return renderTable(columns, users);
}

export function userDetails(u: User, now: Date): string {
  return renderDetails([
    ["Name", u.name],
    ["Display name", orDash(u.displayName)],
    ["ID", u.id],
    ["Role", u.role],
    ["Kind", kindLabel(u.kind)],
    ["Owner", orDash(u.owner?.name)],
    ["Groups", orDash(u.groups.join(", "))],
    [
      "Status",
      u.disabledAt
        ? `disabled since ${formatTimestamp(u.disabledAt, now)}; its API keys do not work`
        : "active",
    ],
    ["Created", formatTimestamp(u.createdAt, now)],
  ]);
}

/** `service_account` reads better as `service account`. */
function kindLabel(kind: string): string {
  return kind.replace(/_/g, " ");
}
