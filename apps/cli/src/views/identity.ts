import type { Target } from "../config/target";
import type { Whoami } from "../http/schemas";
import { renderDetails } from "../output/details";

export function whoamiDetails(
  me: Whoami,
  target: Pick<Target, "url" | "profile" | "apiKeyFrom">,
): string {
  const groups = me.groups.map((g) => (typeof g === "string" ? g : g.name));
  return renderDetails([
    ["User", me.user.name],
    ["Role", me.user.role],
    ["Kind", me.user.kind],
    ["Groups", groups.length > 0 ? groups.join(", ") : "-"],
    ["Auth method", me.authMethod],
    ["Control plane", target.url],
    ["Credentials", credentialsSource(target)],
  ]);
}

function credentialsSource(target: Pick<Target, "profile" | "apiKeyFrom">): string {
  return target.apiKeyFrom === "AIRLOCK_API_KEY"
    ? "AIRLOCK_API_KEY environment variable"
    : `profile "${target.profile}"`;
}
