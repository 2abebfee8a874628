import { describe, expect, it } from "vitest";
import { grpcSettings } from "../src/commands/login";
import type { ConfigFile } from "../src/config/config-file";
import { readCliEnv } from "../src/config/env";
import {
  defaultGrpcInsecure,
  grpcAddressFor,
  grpcAddressProblem,
  isLoopbackHost,
  resolveGrpcTarget,
} from "../src/config/grpc-target";
import { resolveTarget } from "../src/config/target";
import { ConfigError, UsageError } from "../src/errors";

const env = (vars: Record<string, string> = {}) => readCliEnv({ HOME: "/home/u", ...vars });

describe("gRPC address defaults", () => {
  it("derives host:8090 from the REST URL, keeping IPv6 brackets", () => {
    expect(grpcAddressFor("http://127.0.0.1:8080")).toBe("127.0.0.1:8090");
    expect(grpcAddressFor("https://airlock.example.com/prefix")).toBe("airlock.example.com:8090");
    expect(grpcAddressFor("http://[::1]:8080")).toBe("[::1]:8090");
  });

  it("uses plaintext by default only for http:// on a loopback host", () => {
    expect(defaultGrpcInsecure("http://127.0.0.1:8080")).toBe(true);
    expect(defaultGrpcInsecure("http://localhost:8080")).toBe(true);
    expect(defaultGrpcInsecure("http://[::1]:8080")).toBe(true);
    expect(defaultGrpcInsecure("http://10.0.0.5:8080")).toBe(false);
    expect(defaultGrpcInsecure("https://127.0.0.1:8443")).toBe(false);
    expect(isLoopbackHost("127.9.9.9")).toBe(true);
    expect(isLoopbackHost("127.example.com")).toBe(false);
  });

  it("checks host:port", () => {
    for (const good of ["127.0.0.1:8090", "airlock.example.com:443", "[::1]:8090", "cp:1"]) {
      expect(grpcAddressProblem(good)).toBeUndefined();
    }
    for (const bad of ["cp", "cp:", "cp:0", "cp:65536", "::1:8090", "http://cp:8090", "a b:1"]) {
      expect(grpcAddressProblem(bad)).toMatch(/expected host:port/);
    }
  });
});

describe("resolving the gRPC target", () => {
  const profile = {
    url: "https://cp.example",
    apiKey: "k",
    grpcAddress: "grpc.cp.example:443",
    grpcInsecure: false,
  };

  it("reads an old profile without gRPC fields as the defaults for its URL", () => {
    expect(
      resolveGrpcTarget(env(), "http://127.0.0.1:8080", { url: "http://127.0.0.1:8080" }, "p"),
    ).toEqual({
      address: "127.0.0.1:8090",
      insecure: true,
      caFile: undefined,
      addressFrom: "default",
    });
  });

  it("uses the profile's address and TLS choice for the profile's own URL", () => {
    expect(resolveGrpcTarget(env(), "https://cp.example", profile, "p")).toMatchObject({
      address: "grpc.cp.example:443",
      insecure: false,
      addressFrom: "profile",
    });
  });

  it("ignores the profile's gRPC settings when AIRLOCK_URL points elsewhere", () => {
    expect(resolveGrpcTarget(env(), "http://127.0.0.1:9000", profile, "p")).toMatchObject({
      address: "127.0.0.1:8090",
      insecure: true,
      addressFrom: "default",
    });
  });

  it("lets AIRLOCK_GRPC_ADDRESS, AIRLOCK_GRPC_INSECURE and AIRLOCK_GRPC_CA_FILE override", () => {
    const vars = {
      AIRLOCK_GRPC_ADDRESS: "10.1.2.3:9443",
      AIRLOCK_GRPC_INSECURE: "true",
      AIRLOCK_GRPC_CA_FILE: "/etc/ca.pem",
    };
    expect(resolveGrpcTarget(env(vars), "https://cp.example", profile, "p")).toEqual({
      address: "10.1.2.3:9443",
      insecure: true,
      caFile: "/etc/ca.pem",
      addressFrom: "AIRLOCK_GRPC_ADDRESS",
    });
    // A CA file alone means TLS, even next to a local plain-http URL.
    expect(
      resolveGrpcTarget(
        env({ AIRLOCK_GRPC_CA_FILE: "/ca.pem" }),
        "http://127.0.0.1:8080",
        undefined,
        "p",
      ).insecure,
    ).toBe(false);
  });

  it("names a bad variable or profile value", () => {
    expect(() =>
      resolveGrpcTarget(env({ AIRLOCK_GRPC_ADDRESS: "nope" }), "http://x", undefined, "p"),
    ).toThrow(
      new ConfigError(
        'AIRLOCK_GRPC_ADDRESS: expected host:port (e.g. 127.0.0.1:8090 or [::1]:8090), got "nope"',
      ),
    );
    expect(() =>
      resolveGrpcTarget(env({ AIRLOCK_GRPC_INSECURE: "maybe" }), "http://x", undefined, "p"),
    ).toThrow('AIRLOCK_GRPC_INSECURE must be true or false, got "maybe"');
    expect(() =>
      resolveGrpcTarget(env(), "https://cp.example", { ...profile, grpcAddress: "bad" }, "prod"),
    ).toThrow(/^the gRPC address of profile "prod": expected host:port/);
  });

  it("is part of the resolved target", () => {
    const file: ConfigFile = { current: "p", profiles: { p: profile } };
    expect(resolveTarget(env(), undefined, () => file).grpc.address).toBe("grpc.cp.example:443");
  });
});

describe("what login stores about gRPC", () => {
  it("stores defaults derived from the URL", () => {
    expect(grpcSettings(env(), {}, "http://127.0.0.1:8080", undefined)).toEqual({
      grpcAddress: "127.0.0.1:8090",
      grpcInsecure: true,
    });
    expect(grpcSettings(env(), {}, "https://cp.example", undefined)).toEqual({
      grpcAddress: "cp.example:8090",
      grpcInsecure: false,
    });
  });

  it("prefers the flags, then the environment, then the profile for the same URL", () => {
    const existing = { url: "https://cp.example", grpcAddress: "old:1", grpcInsecure: true };
    expect(grpcSettings(env(), {}, "https://cp.example", existing)).toEqual({
      grpcAddress: "old:1",
      grpcInsecure: true,
    });
    expect(
      grpcSettings(env({ AIRLOCK_GRPC_ADDRESS: "env:2" }), {}, "https://cp.example", existing),
    ).toEqual({ grpcAddress: "env:2", grpcInsecure: true });
    expect(
      grpcSettings(
        env({ AIRLOCK_GRPC_ADDRESS: "env:2" }),
        { grpcAddress: "flag:3", grpcInsecure: false },
        "https://cp.example",
        existing,
      ),
    ).toEqual({ grpcAddress: "flag:3", grpcInsecure: false });
    // A new URL forgets the old gRPC settings.
    expect(grpcSettings(env(), {}, "https://other.example", existing)).toEqual({
      grpcAddress: "other.example:8090",
      grpcInsecure: false,
    });
  });

  it("refuses a bad --grpc-address as a usage error", () => {
    expect(() =>
      grpcSettings(env(), { grpcAddress: "x" }, "http://127.0.0.1:8080", undefined),
    ).toThrow(UsageError);
  });
});
