import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProfileStore } from "../src/config/profile-store";
import { ConfigError } from "../src/errors";
import { tempDir } from "./helpers";

const KEY = "alk_key_0123456789ab_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";

describe("ProfileStore", () => {
  let dir: string;
  let cleanup: () => void;
  let warnings: string[];
  const store = (path: string, ownsDirectory = true) =>
    new ProfileStore(path, { ownsDirectory, warn: (m) => warnings.push(m) });
  const mode = (path: string) => statSync(path).mode & 0o777;

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    warnings = [];
  });
  afterEach(() => cleanup());

  it("reads a missing file as an empty config", () => {
    expect(store(join(dir, "airlock", "config.json")).read()).toEqual({ profiles: {} });
  });

  it("creates its directory 0700 and the file 0600", () => {
    const path = join(dir, "airlock", "config.json");
    store(path).write({
      current: "default",
      profiles: { default: { url: "http://x:8080", apiKey: KEY } },
    });
    expect(mode(join(dir, "airlock"))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(store(path).read()).toEqual({
      current: "default",
      profiles: { default: { url: "http://x:8080", apiKey: KEY } },
    });
  });

  it("tightens an existing directory it owns to 0700", () => {
    mkdirSync(join(dir, "airlock"), { mode: 0o755 });
    chmodSync(join(dir, "airlock"), 0o755);
    store(join(dir, "airlock", "config.json")).write({ profiles: {} });
    expect(mode(join(dir, "airlock"))).toBe(0o700);
  });

  it("leaves the directory of a custom AIRLOCK_CONFIG path alone", () => {
    chmodSync(dir, 0o755);
    store(join(dir, "my-airlock.json"), false).write({ profiles: {} });
    expect(mode(dir)).toBe(0o755);
    expect(mode(join(dir, "my-airlock.json"))).toBe(0o600);
  });

  it("replaces a looser existing file atomically: new inode, mode 0600, no temporary file left", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, JSON.stringify({ profiles: {} }), { mode: 0o644 });
    chmodSync(path, 0o644);
    const before = statSync(path).ino;
    store(path, false).write({ profiles: { default: { url: "http://x:8080", apiKey: KEY } } });
    expect(statSync(path).ino).not.toBe(before);
    expect(mode(path)).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });

  it("tightens a readable-by-others file on read and says so", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, JSON.stringify({ profiles: {} }));
    chmodSync(path, 0o644);
    store(path, false).read();
    expect(mode(path)).toBe(0o600);
    expect(warnings).toEqual([expect.stringMatching(/mode 0644.*0600/)]);
  });

  it("removes its temporary file and names the path when the rename fails", () => {
    const path = join(dir, "config.json");
    mkdirSync(path); // a directory where the file should be: rename fails with EISDIR
    expect(() => store(path, false).write({ profiles: {} })).toThrow(
      new ConfigError(`cannot write the config file ${path}: EISDIR`),
    );
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });

  it("writes through a symlink to its target and keeps the link", () => {
    const real = join(dir, "dotfiles-config.json");
    const link = join(dir, "config.json");
    writeFileSync(real, JSON.stringify({ profiles: {} }), { mode: 0o600 });
    symlinkSync(real, link);
    store(link, false).write({ current: "x", profiles: {} });
    expect(statSync(link, { throwIfNoEntry: true }).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(real, "utf8"))).toEqual({ current: "x", profiles: {} });
  });

  it("keeps fields it does not know about", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, JSON.stringify({ profiles: {}, fromANewerCli: { a: 1 } }), { mode: 0o600 });
    store(path, false).update((c) => ({ ...c, current: "default" }));
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      current: "default",
      profiles: {},
      fromANewerCli: { a: 1 },
    });
  });

  it("names the file for invalid JSON without quoting its content (it may hold a key)", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, `{"profiles": {"default": {"url": "http://x", "apiKey": ${KEY}}}}`, {
      mode: 0o600,
    });
    const error = catchError(() => store(path, false).read());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `the config file ${path} is not valid JSON; fix it or delete it and run airlock login again`,
    );
  });

  it("gives the line and column of a JSON syntax error when V8 reports a position", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, '{\n  "profiles": {}\n  "current": "x"\n}', { mode: 0o600 });
    expect(catchError(() => store(path, false).read()).message).toBe(
      `the config file ${path} is not valid JSON (line 3, column 3); ` +
        "fix it or delete it and run airlock login again",
    );
  });

  it("names the file and the field for a config that does not match the schema", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, JSON.stringify({ profiles: { default: { url: "ftp://x" } } }), {
      mode: 0o600,
    });
    expect(() => store(path, false).read()).toThrow(
      `the config file ${path} is invalid: profiles.default.url: expected an http(s) URL`,
    );
  });

  it("treats an empty file as an empty config", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, "\n", { mode: 0o600 });
    expect(store(path, false).read()).toEqual({ profiles: {} });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}
