import { describe, expect, it } from "vitest";
import type { ConfigFile } from "../src/config/config-file";
import { readCliEnv } from "../src/config/env";
import { normalizeUrl, resolveTarget, selectProfile } from "../src/config/target";
import { ConfigError, NotLoggedInError, UsageError } from "../src/errors";

const CONFIG_PATH = "/home/u/.config/airlock/config.json";
const file: ConfigFile = {
  current: "staging",
  profiles: {
    default: { url: "http://default.example:8080", apiKey: "key-default" },
    staging: { url: "https://staging.example/", apiKey: "key-staging" },
    prod: { url: "https://prod.example" },
  },
};
const env = (vars: Record<string, string>) => readCliEnv({ HOME: "/home/u", ...vars });
const unreadable = (): ConfigFile => {
  throw new Error("the config file must not be read");
};

describe("config file location", () => {
  it("prefers AIRLOCK_CONFIG, then $XDG_CONFIG_HOME/airlock, then ~/.config/airlock", () => {
    expect(env({ AIRLOCK_CONFIG: "/etc/a.json", XDG_CONFIG_HOME: "/x" }).configPath).toBe(
      "/etc/a.json",
    );
    expect(env({ AIRLOCK_CONFIG: "/etc/a.json" }).configPathIsCustom).toBe(true);
    expect(env({ XDG_CONFIG_HOME: "/x" }).configPath).toBe("/x/airlock/config.json");
    expect(env({}).configPath).toBe(CONFIG_PATH);
    expect(env({}).configPathIsCustom).toBe(false);
  });

  it("ignores a relative XDG_CONFIG_HOME (the XDG spec says so) and empty variables", () => {
    expect(env({ XDG_CONFIG_HOME: "relative/dir" }).configPath).toBe(CONFIG_PATH);
    expect(env({ AIRLOCK_CONFIG: "", XDG_CONFIG_HOME: "" }).configPath).toBe(CONFIG_PATH);
    expect(env({ AIRLOCK_API_KEY: "" }).apiKey).toBeUndefined();
  });
});

describe("profile selection", () => {
  it("--profile beats AIRLOCK_PROFILE beats the current profile beats default", () => {
    expect(selectProfile(env({ AIRLOCK_PROFILE: "prod" }), "default", () => file)).toBe("default");
    expect(selectProfile(env({ AIRLOCK_PROFILE: "prod" }), undefined, () => file)).toBe("prod");
    expect(selectProfile(env({}), undefined, () => file)).toBe("staging");
    expect(selectProfile(env({}), undefined, () => ({ profiles: {} }))).toBe("default");
  });

  it("rejects a profile name that could not be stored", () => {
    expect(() => selectProfile(env({}), "../etc", () => file)).toThrow(UsageError);
  });
});

describe("resolveTarget: environment over config file", () => {
  it("uses AIRLOCK_URL and AIRLOCK_API_KEY without reading the file", () => {
    const target = resolveTarget(
      env({ AIRLOCK_URL: "http://ci.example:8080/", AIRLOCK_API_KEY: "key-env" }),
      undefined,
      unreadable,
    );
    expect(target).toEqual({
      url: "http://ci.example:8080",
      credential: { kind: "api_key", apiKey: "key-env" },
      profile: "default",
      urlFrom: "AIRLOCK_URL",
      credentialFrom: "AIRLOCK_API_KEY",
      grpc: {
        address: "ci.example:8090",
        insecure: false,
        caFile: undefined,
        addressFrom: "default",
      },
    });
  });

  it("takes the key from AIRLOCK_API_KEY and the URL from the selected profile", () => {
    const target = resolveTarget(env({ AIRLOCK_API_KEY: "key-env" }), undefined, () => file);
    expect(target).toMatchObject({
      url: "https://staging.example",
      credential: { kind: "api_key", apiKey: "key-env" },
      urlFrom: "profile",
      credentialFrom: "AIRLOCK_API_KEY",
    });
  });

  it("takes the URL from AIRLOCK_URL and the key from the profile", () => {
    const target = resolveTarget(env({ AIRLOCK_URL: "http://other:1" }), "default", () => file);
    expect(target).toMatchObject({
      url: "http://other:1",
      credential: { kind: "api_key", apiKey: "key-default" },
      profile: "default",
    });
  });

  it("uses the profile alone when no variable is set", () => {
    expect(resolveTarget(env({}), undefined, () => file)).toMatchObject({
      url: "https://staging.example",
      credential: { kind: "api_key", apiKey: "key-staging" },
      profile: "staging",
      urlFrom: "profile",
      credentialFrom: "profile",
    });
  });

  it("defaults the URL to http://127.0.0.1:8080 for an AIRLOCK_API_KEY without any profile", () => {
    const target = resolveTarget(env({ AIRLOCK_API_KEY: "k" }), undefined, () => ({
      profiles: {},
    }));
    expect(target).toMatchObject({ url: "http://127.0.0.1:8080", urlFrom: "default" });
  });

  it("says how to log in when the profile does not exist", () => {
    expect(() => resolveTarget(env({}), undefined, () => ({ profiles: {} }))).toThrow(
      new NotLoggedInError(
        `not logged in (no profile "default" in ${CONFIG_PATH}); run: airlock login (single sign-on), ` +
          "or airlock login --api-key - (an API key on stdin), or set AIRLOCK_API_KEY",
      ),
    );
  });

  it("says how to log in when the profile was logged out (URL kept, no key)", () => {
    expect(() => resolveTarget(env({}), "prod", () => file)).toThrow(
      `not logged in (profile "prod" in ${CONFIG_PATH} has no login or API key); ` +
        "run: airlock login --profile prod (single sign-on), or airlock login --profile prod --api-key -",
    );
  });

  it("uses a profile's login tokens; AIRLOCK_API_KEY still wins over them", () => {
    const login = {
      accessToken: "eyJ.access",
      accessTokenExpiresAt: "2025-11-25T12:15:00.000Z",
      refreshToken: "alk_rt_0123456789ab_x",
    };
    const withLogin: ConfigFile = { profiles: { sso: { url: "https://sso.example", ...login } } };
    expect(resolveTarget(env({}), "sso", () => withLogin)).toMatchObject({
      credential: { kind: "login", login },
      credentialFrom: "profile",
    });
    expect(
      resolveTarget(env({ AIRLOCK_API_KEY: "key-env" }), "sso", () => withLogin),
    ).toMatchObject({
      credential: { kind: "api_key", apiKey: "key-env" },
      credentialFrom: "AIRLOCK_API_KEY",
    });
    // Half a login (no refresh token) is no login.
    const half: ConfigFile = {
      profiles: { sso: { url: "https://sso.example", accessToken: "eyJ.access" } },
    };
    expect(() => resolveTarget(env({}), "sso", () => half)).toThrow(NotLoggedInError);
  });

  it("names AIRLOCK_URL when it is not a usable URL", () => {
    expect(() =>
      resolveTarget(
        env({ AIRLOCK_URL: "127.0.0.1:8080", AIRLOCK_API_KEY: "k" }),
        undefined,
        unreadable,
      ),
    ).toThrow(
      new ConfigError(
        'AIRLOCK_URL is not a valid URL: "127.0.0.1:8080" (expected e.g. http://127.0.0.1:8080)',
      ),
    );
    expect(() =>
      resolveTarget(
        env({ AIRLOCK_URL: "localhost:8080", AIRLOCK_API_KEY: "k" }),
        undefined,
        unreadable,
      ),
    ).toThrow(
      'AIRLOCK_URL must be an http:// or https:// URL (e.g. http://127.0.0.1:8080), got "localhost:8080"',
    );
  });
});

describe("normalizeUrl", () => {
  it("drops trailing slashes and keeps a path prefix", () => {
    expect(normalizeUrl("http://127.0.0.1:8080/", "--url")).toBe("http://127.0.0.1:8080");
    expect(normalizeUrl("https://gw.example/airlock//", "--url")).toBe(
      "https://gw.example/airlock",
    );
  });

  it("refuses credentials, queries and other schemes", () => {
    expect(() => normalizeUrl("http://u:p@h", "--url")).toThrow(
      "--url must not contain a user name or password",
    );
    expect(() => normalizeUrl("http://h/?x=1", "--url")).toThrow("--url must not have a query");
    expect(() => normalizeUrl("grpc://h:8090", "--url")).toThrow(
      "--url must be an http:// or https:// URL",
    );
  });
});
