import { describe, expect, it } from "vitest";
import { Secret } from "../src/credentials";
import { createLogger } from "../src/logger";

function capture(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

describe("logger redaction", () => {
  it("redacts secret-bearing fields at the top level and nested", () => {
    const { lines, stream } = capture();
    const log = createLogger("info", stream);
    log.info(
      {
        token: "alk_ctr_top",
        password: "pw-top",
        authorization: "Bearer alk_ctr_hdr",
        attachToken: "attach-top",
        request: {
          credential: { password: "nested-pw" },
          headers: { authorization: "Bearer deep" },
        },
        spec: { host: "db", password: "spec-pw" },
      },
      "hello",
    );
    const out = lines.join("");
    for (const secret of [
      "alk_ctr_top",
      "pw-top",
      "alk_ctr_hdr",
      "attach-top",
      "nested-pw",
      "Bearer deep",
      "spec-pw",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(JSON.parse(out)).toMatchObject({
      level: "info",
      msg: "hello",
      token: "[redacted]",
      spec: { host: "db" },
    });
  });

  it("prints a Secret as [redacted] wherever it sits", () => {
    const { lines, stream } = capture();
    createLogger("info", stream).info({ resolved: { value: new Secret("hunter2") } }, "resolved");
    expect(lines.join("")).not.toContain("hunter2");
    expect(lines.join("")).toContain("[redacted]");
  });
});
