import { describe, expect, it } from "vitest";
import { connectorStartCommand, grpcAddressFor } from "../src/commands/connector-start";

describe("connector start command", () => {
  it("derives the gRPC address from the REST URL's host with port 8090", () => {
    expect(grpcAddressFor("http://127.0.0.1:8080")).toBe("127.0.0.1:8090");
    expect(grpcAddressFor("https://airlock.example.com/base")).toBe("airlock.example.com:8090");
    expect(grpcAddressFor("http://[::1]:8080")).toBe("[::1]:8090");
  });

  it("prints the exact command, insecure only for a plain-http control plane", () => {
    const token = "alk_ctr_0123456789ab_AbC-_x";
    expect(
      connectorStartCommand({
        grpcAddress: "127.0.0.1:8090",
        token,
        restUrl: "http://127.0.0.1:8080",
      }),
    ).toBe(
      `AIRLOCK_CONTROL_PLANE=127.0.0.1:8090 AIRLOCK_CONNECTOR_TOKEN=${token} AIRLOCK_INSECURE=true node apps/connector/dist/main.js`,
    );
    expect(connectorStartCommand({ grpcAddress: "gw:443", token, restUrl: "https://gw" })).toBe(
      `AIRLOCK_CONTROL_PLANE=gw:443 AIRLOCK_CONNECTOR_TOKEN=${token} node apps/connector/dist/main.js`,
    );
  });

  it("quotes a value that the shell would otherwise split", () => {
    expect(connectorStartCommand({ grpcAddress: "a b", token: "t'x", restUrl: "https://gw" })).toBe(
      `AIRLOCK_CONTROL_PLANE='a b' AIRLOCK_CONNECTOR_TOKEN='t'\\''x' node apps/connector/dist/main.js`,
    );
  });
});
