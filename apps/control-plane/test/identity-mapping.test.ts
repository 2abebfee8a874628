// IdP claims → Airlock name, groups and role: exact names, globs, pass-through, roles,
// and the mapping file's errors naming the entry and the field.
import { describe, expect, it } from "vitest";
import {
  asGroupName,
  DEFAULT_MAPPING,
  type IdentityMapping,
  mapIdentity,
  parseMapping,
} from "../src/identity/mapping/identity-mapping";

const settings = { groupsClaim: "groups", usernameClaim: "preferred_username" };

function mapping(text: string): IdentityMapping {
  const parsed = parseMapping(text, "test.yaml");
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.mapping;
}

const file = mapping(`
groups:
  - { idp: "DB Admins", group: dba }
  - { idp: "eng-*", group: engineers }
  - { idp: "/platform/**", group: platform }
  - { idp: "airlock-*" }
roles:
  admin: [platform]
  auditor: [security]
`);

describe("identity mapping", () => {
  it("maps exact names and globs, keeps pass-through names, drops the rest", () => {
    const result = mapIdentity(file, settings, {
      sub: "u1",
      preferred_username: "alice",
      groups: ["DB Admins", "eng-backend", "eng-frontend", "airlock-Readers", "marketing"],
    });
    expect(result.groups).toEqual(["airlock-readers", "dba", "engineers"]);
    expect(result.role).toBe("user");
    expect(result.idpGroups).toHaveLength(5);
    expect(result.matches).toContainEqual({
      idpGroup: "eng-backend",
      rule: "eng-*",
      group: "engineers",
    });
  });

  it("gives the highest mapped role, and globs follow Keycloak group paths", () => {
    const admin = mapIdentity(file, settings, {
      sub: "u2",
      preferred_username: "pat",
      groups: ["/platform/sre/oncall"],
    });
    expect(admin.groups).toEqual(["platform"]);
    expect(admin.role).toBe("admin");
  });

  it("falls back from the username claim to email, then sub, and follows dotted claim paths", () => {
    const claims = { sub: "0f3a", email: "bob@example.com", realm_access: { roles: ["Ops"] } };
    const result = mapIdentity(
      DEFAULT_MAPPING,
      { groupsClaim: "realm_access.roles", usernameClaim: "preferred_username" },
      claims,
    );
    expect(result.name).toBe("bob@example.com");
    expect(result.nameClaim).toBe("email");
    expect(result.groups).toEqual(["ops"]);
    expect(mapIdentity(DEFAULT_MAPPING, settings, { sub: "0f3a" }).name).toBe("0f3a");
    expect(mapIdentity(DEFAULT_MAPPING, settings, { sub: "has space" }).name).toBeNull();
  });

  it("turns IdP names into valid Airlock group names or drops them", () => {
    expect(asGroupName("/Eng/DBA Team")).toBe("eng-dba-team");
    expect(asGroupName("***")).toBeNull();
    expect(asGroupName("a".repeat(80))).toHaveLength(63);
  });

  it("ignores a groups claim that is not a list of strings", () => {
    const result = mapIdentity(file, settings, { sub: "x", groups: { nested: true } });
    expect(result.groups).toEqual([]);
  });

  it("reports file problems by entry and field", () => {
    const bad = parseMapping(
      `groups:\n  - { idp: "x", group: "Not Valid" }\n  - { group: dba }\nroles: { owner: [a] }\n`,
      "m.yaml",
    );
    expect(bad.ok).toBe(false);
    const problems = bad.ok ? [] : bad.problems;
    expect(
      problems.some((p) => p.startsWith("groups.0.group: must be an Airlock group name")),
    ).toBe(true);
    expect(problems.some((p) => p.startsWith("groups.1.idp:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("roles:") && p.includes("owner"))).toBe(true);
    const yaml = parseMapping("groups: [", "m.yaml");
    expect(yaml.ok === false && yaml.problems[0]).toMatch(/^is not valid YAML/);
  });
});
