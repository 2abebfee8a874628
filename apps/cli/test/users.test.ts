import { describe, expect, it } from "vitest";
import { createUserBody, updateUserBody } from "../src/commands/user-flags";
import { UsageError } from "../src/errors";
import { UserSchema } from "../src/http/schemas";
import { userDetails, userTable } from "../src/views/users";

const NOW = new Date("2025-11-25T12:00:00.000Z");

describe("users create: flags → POST /api/v1/users body", () => {
  it("maps every flag", () => {
    expect(
      createUserBody("alice", {
        role: "auditor",
        kind: "service_account",
        group: ["dba", "eng"],
        displayName: "Alice L.",
        withKey: true,
      }),
    ).toEqual({
      name: "alice",
      role: "auditor",
      kind: "service_account",
      groups: ["dba", "eng"],
      displayName: "Alice L.",
    });
  });

  it("maps --owner on create and set", () => {
    expect(createUserBody("bot", { kind: "service_account", owner: "alice" })).toEqual({
      name: "bot",
      kind: "service_account",
      owner: "alice",
    });
    expect(updateUserBody({ owner: "bruno" })).toEqual({ owner: "bruno" });
  });

  it("leaves out what was not given, so the server's defaults apply", () => {
    expect(createUserBody("bob", {})).toEqual({ name: "bob" });
  });
});

describe("users set: flags → PATCH /api/v1/users/:name body", () => {
  it("replaces the groups with --group and clears them with --no-groups", () => {
    expect(updateUserBody({ group: ["dba"], groups: true })).toEqual({ groups: ["dba"] });
    expect(updateUserBody({ groups: false })).toEqual({ groups: [] });
  });

  it("maps --disable, --enable, --role and --display-name ('' clears it)", () => {
    expect(updateUserBody({ disable: true })).toEqual({ disabled: true });
    expect(updateUserBody({ enable: true })).toEqual({ disabled: false });
    expect(updateUserBody({ role: "admin", displayName: "" })).toEqual({
      role: "admin",
      displayName: null,
    });
  });

  it("refuses contradictory flags and an empty change as usage errors", () => {
    expect(() => updateUserBody({ group: ["dba"], groups: false })).toThrow(UsageError);
    expect(() => updateUserBody({ disable: true, enable: true })).toThrow(/--disable or --enable/);
    expect(() => updateUserBody({ groups: true })).toThrow(/nothing to change/);
  });
});

describe("users views", () => {
  const alice = UserSchema.parse({
    id: "3f0c1a52-8d7e-4c1b-9a51-0b7c2d4e6f80",
    name: "alice",
    displayName: null,
    kind: "service_account",
    role: "user",
    groups: ["dba", "eng"],
    disabledAt: "2025-11-25T11:59:00.000Z",
    createdAt: "2025-11-24T12:00:00.000Z",
  });

  it("lists users one per line with their groups and status", () => {
    const lines = userTable([alice], NOW).split("\n");
    expect(lines[0]).toMatch(/^NAME\s+ROLE\s+KIND\s+GROUPS\s+STATUS/);
    expect(lines[1]).toMatch(/^alice\s+user\s+service account\s+dba,eng\s+disabled\s+-\s+24h ago$/);
  });

  it("shows one user's details, saying that a disabled user's keys do not work", () => {
    const text = userDetails(alice, NOW);
    expect(text).toMatch(/^Groups:\s+dba, eng$/m);
    expect(text).toMatch(/^Status:\s+disabled since 2025-11-25 11:59:00 UTC .*keys do not work$/m);
    expect(text).toMatch(/^Display name:\s+-$/m);
    expect(text).toMatch(/^Owner:\s+-$/m);
    const owned = UserSchema.parse({ ...alice, owner: { id: alice.id, name: "bruno" } });
    expect(userDetails(owned, NOW)).toMatch(/^Owner:\s+bruno$/m);
  });
});
