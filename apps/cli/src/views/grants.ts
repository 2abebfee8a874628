import { GrantSchema, type Grant } from "../http/approval-schemas";
import { type Column, renderTable } from "../output/table";
import { orDash, sanitize } from "../output/text";
import { formatAge, formatRelative } from "../output/time";

export function grantTable(grants: readonly Grant[], now: Date): string {
  const columns: Column<Grant>[] = [
    { header: "ID", value: (g) => g.id },
    { header: "USER", value: (g) => g.user.name },
    { header: "CONNECTION", value: (g) => g.connection },
    { header: "ROLE", value: (g) => g.role },
    { header: "STATUS", value: (g) => g.status },
    { header: "STARTED", value: (g) => formatAge(g.startsAt, now) },
    { header: "ENDS", value: (g) => endsLabel(g, now) },
    { header: "REVIEW", value: (g) => orDash(g.reviewId) },
  ];
  return renderTable(columns, grants);
}

/** `in 45m` while active; when it is over, how long ago it ended (and who revoked it). */
function endsLabel(grant: Grant, now: Date): string {
  if (grant.status === "active") return formatRelative(grant.expiresAt, now);
  const ended = formatAge(grant.endedAt ?? grant.expiresAt, now);
  return grant.revokedBy ? `${ended} (by ${grant.revokedBy.name})` : ended;
}

/** What `grants revoke` prints: the grant that ended, as the control plane describes it. */
export function revokeLine(id: string, answer: unknown): string {
  const parsed = GrantSchema.safeParse(answer);
  if (!parsed.success) return `revoked: ${id}\n`;
  const grant = parsed.data;
  const what = `${grant.user.name}'s ${grant.role} on ${grant.connection}`;
  return `${sanitize(`revoked: ${grant.id} (${what})`)}; live sessions lose it within 10s\n`;
}
