// Checks a connector's hello before any of it is stored.
import type { ConnectorHello } from "@airlock/proto";
import { InvalidInput } from "../../errors/domain-errors";
import type { HelloFacts } from "../connector.repository";

const MAX_TEXT = 255;
const MAX_CAPABILITIES = 32;
const CAPABILITY = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function validateHello(hello: ConnectorHello): HelloFacts {
  text("hello.version", hello.version);
  text("hello.hostname", hello.hostname);
  text("hello.instance_id", hello.instanceId);
  if (hello.capabilities.length > MAX_CAPABILITIES) {
    throw new InvalidInput(
      `hello.capabilities: at most ${MAX_CAPABILITIES} entries`,
      "capabilities",
    );
  }
  for (const capability of hello.capabilities) {
    if (!CAPABILITY.test(capability)) {
      throw new InvalidInput(
        "hello.capabilities: each entry must be a lowercase engine name such as postgres",
        "capabilities",
      );
    }
  }
  return {
    version: hello.version,
    hostname: hello.hostname,
    capabilities: [...new Set(hello.capabilities)],
    instanceId: hello.instanceId,
  };
}

function text(field: string, value: string): void {
  if (value.length > MAX_TEXT)
    throw new InvalidInput(`${field}: at most ${MAX_TEXT} characters`, field.split(".")[1]);
}
