import type { Target } from "../config/target";
import type { Whoami } from "../http/schemas";
import { renderDetails } from "../output/details";
import { formatTimestamp } from "../output/time";

type Row = readonly [label: string, value: string];

/**
 * `airlock whoami`: the user, what kind of identity, role and groups, how the CLI
 * authenticated (an OIDC login and when it ends, or an API key with its scope and expiry),
 * and what the user may approve. Rows the control plane did not send are left out.
 */
export function whoamiDetails(
  me: Whoami,
  target: Pick<Target, "url" | "profile" | "credentialFrom">,
  now: Date,
): string {
  const groups = me.groups.map((g) => (typeof g === "string" ? g : g.name));
  const rows: Row[] = [["User", me.user.name]];
  if (me.user.displayName) rows.push(["Name", me.user.displayName]);
  if (me.user.email) rows.push(["Email", me.user.email]);
  rows.push(["Identity", identityLabel(me.user.kind)]);
  if (me.owner) rows.push(["Owner", me.owner.name]);
  rows.push(["Role", me.user.role], ["Groups", listOrDash(groups)]);
  if (me.approves) rows.push(["Approves", listOrDash(me.approves)]);
  rows.push(["Auth method", authMethodLabel(me.authMethod)]);
  if (me.loginSession) {
    rows.push(["Login expires", formatTimestamp(me.loginSession.expiresAt, now)]);
  }
  if (me.apiKey) {
    rows.push(
      [
        "Key connections",
        me.apiKey.connections.length > 0 ? me.apiKey.connections.join(", ") : "any",
      ],
      ["Key expires", formatTimestamp(me.apiKey.expiresAt, now)],
    );
  }
  rows.push(["Control plane", target.url], ["Credentials", credentialsSource(target)]);
  return renderDetails(rows);
}

function identityLabel(kind: string): string {
  if (kind === "human") return "human";
  if (kind === "service_account") return "service account";
  return kind;
}

function authMethodLabel(method: string): string {
  if (method === "oidc") return "OIDC login";
  if (method === "api_key") return "API key";
  return method;
}

function listOrDash(items: readonly string[]): string {
  return items.length > 0 ? items.join(", ") : "-";
}

function credentialsSource(target: Pick<Target, "profile" | "credentialFrom">): string {
  return target.credentialFrom === "AIRLOCK_API_KEY"
    ? "AIRLOCK_API_KEY environment variable"
    : `profile "${target.profile}"`;
}
