// IdP claims → Airlock user name, groups and role (docs/design/0009-oidc-login.md).
// Pure: the mapping file is parsed at boot (load-config.ts) and applied at every login and
// by POST /api/v1/identity/test-mapping, so both always agree.
import picomatch from "picomatch";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export type MappedRole = "admin" | "auditor" | "user";

/** Airlock group names (validation/common.schemas NAME_PATTERN). */
const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const GroupRule = z.strictObject({
  idp: z.string({ error: "must be an IdP group name or glob" }).min(1).max(256),
  group: z
    .string()
    .regex(GROUP_NAME, {
      error:
        "must be an Airlock group name: 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
    })
    .optional(),
});

const MappingFile = z.strictObject({
  groups: z.array(GroupRule, { error: "must be a list of { idp, group } entries" }).optional(),
  roles: z
    .strictObject({
      admin: z.array(z.string().min(1), { error: "must be a list of Airlock group names" }),
      auditor: z.array(z.string().min(1), { error: "must be a list of Airlock group names" }),
    })
    .partial()
    .optional(),
});

export interface GroupRuleSpec {
  idp: string;
  group?: string;
}

export interface IdentityMapping {
  /** Where the rules came from (a file path, or "default"). */
  source: string;
  groups: GroupRuleSpec[];
  roles: { admin: string[]; auditor: string[] };
}

/** Without a file: every IdP group keeps its name; nobody gets a role beyond `user`. */
export const DEFAULT_MAPPING: IdentityMapping = {
  source: "default",
  // "**": picomatch's "*" stops at "/", and Keycloak sends group paths like /eng/dba.
  groups: [{ idp: "**" }],
  roles: { admin: [], auditor: [] },
};

/** Parses the mapping file's text; problems name the entry and the field. */
export function parseMapping(
  text: string,
  source: string,
): { ok: true; mapping: IdentityMapping } | { ok: false; problems: string[] } {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    return { ok: false, problems: [`is not valid YAML: ${(err as Error).message.split("\n")[0]}`] };
  }
  const parsed = MappingFile.safeParse(document ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const where = issue.path.map(String).join(".");
        return `${where === "" ? "the file" : where}: ${issue.message}`;
      }),
    };
  }
  return {
    ok: true,
    mapping: {
      source,
      groups: parsed.data.groups ?? [],
      roles: { admin: parsed.data.roles?.admin ?? [], auditor: parsed.data.roles?.auditor ?? [] },
    },
  };
}

export interface ClaimSettings {
  groupsClaim: string;
  usernameClaim: string;
}

export interface MappedIdentity {
  /** The Airlock user name, or null when the claims hold no usable one. */
  name: string | null;
  /** Which claim the name came from. */
  nameClaim: string | null;
  email: string | null;
  displayName: string | null;
  idpGroups: string[];
  groups: string[];
  role: MappedRole;
  /** For each Airlock group, the IdP group and rule that produced it. */
  matches: Array<{ idpGroup: string; rule: string; group: string }>;
}

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/** Follows a dotted path (`realm_access.roles`) through nested claims. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function asGroups(value: unknown): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === "string" && v !== "");
}

function nameFrom(claims: Record<string, unknown>, preferred: string): [string, string] | null {
  for (const claim of [preferred, "email", "sub"]) {
    const value = claimAt(claims, claim);
    if (typeof value === "string" && USER_NAME.test(value)) return [value, claim];
  }
  return null;
}

/** Applies the mapping to one claim set (an ID token's payload, or a sample). */
export function mapIdentity(
  mapping: IdentityMapping,
  settings: ClaimSettings,
  claims: Record<string, unknown>,
): MappedIdentity {
  const idpGroups = [...new Set(asGroups(claimAt(claims, settings.groupsClaim)))];
  const matchers = mapping.groups.map((rule) => ({
    rule,
    test: picomatch(rule.idp, { dot: true, nocase: false }),
  }));
  const groups = new Set<string>();
  const matches: MappedIdentity["matches"] = [];
  for (const idpGroup of idpGroups) {
    for (const { rule, test } of matchers) {
      if (!test(idpGroup)) continue;
      const group = rule.group ?? asGroupName(idpGroup);
      if (group === null) continue;
      if (!groups.has(group)) matches.push({ idpGroup, rule: rule.idp, group });
      groups.add(group);
    }
  }
  const sorted = [...groups].sort();
  const named = nameFrom(claims, settings.usernameClaim);
  const email = claimAt(claims, "email");
  const display = claimAt(claims, "name");
  return {
    name: named?.[0] ?? null,
    nameClaim: named?.[1] ?? null,
    email: typeof email === "string" && email.length <= 320 ? email : null,
    displayName: typeof display === "string" ? display.slice(0, 200) : null,
    idpGroups,
    groups: sorted,
    role: roleFor(mapping, sorted),
    matches,
  };
}

/**
 * An IdP group kept under its own name, made a valid Airlock group name: lowercased, a
 * Keycloak path's leading "/" dropped, other characters turned into "-" ("/Eng/DBA Team"
 * → "eng-dba-team"). Null when nothing usable is left.
 */
export function asGroupName(idpGroup: string): string | null {
  const name = idpGroup
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return GROUP_NAME.test(name) ? name : null;
}

/** The highest role any of the groups maps to. */
export function roleFor(mapping: IdentityMapping, groups: readonly string[]): MappedRole {
  if (groups.some((g) => mapping.roles.admin.includes(g))) return "admin";
  if (groups.some((g) => mapping.roles.auditor.includes(g))) return "auditor";
  return "user";
}
