// Target credentials, resolved in one place. An `env_ref` is looked up only when
// its name matches AIRLOCK_SECRET_*, so whoever configures a connection cannot
// make the connector send its own token (or any other process secret) to a
// target of their choosing. A reference that does not resolve fails the session
// (fail closed) with a reason that names the variable, never its value.

import { inspect } from "node:util";
import { CloseCode, type Credential } from "@airlock/proto";
import { assertNever } from "./assert-never";
import { SessionError } from "./engines/session-error";

export const SECRET_ENV_NAME = /^AIRLOCK_SECRET_[A-Z0-9_]+$/;

/** A secret that prints as [redacted] in logs, JSON and util.inspect. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return "[redacted]";
  }

  toString(): string {
    return "[redacted]";
  }

  [inspect.custom](): string {
    return "[redacted]";
  }
}

export type ResolvedCredential =
  { readonly kind: "none" } | { readonly kind: "password"; readonly password: Secret };

/** Shows an untrusted variable name in a message: quoted, escaped, bounded. */
function showName(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

/**
 * The only function outside config.ts that reads process.env: returns the value
 * of an AIRLOCK_SECRET_* variable, or throws a SessionError naming the variable.
 */
export function readSecretEnv(name: string, env: NodeJS.ProcessEnv = process.env): Secret {
  if (!SECRET_ENV_NAME.test(name)) {
    throw new SessionError(
      CloseCode.CLOSE_CODE_INVALID_INPUT,
      `credential env_ref ${showName(name)} is not allowed: the connector only resolves variables named AIRLOCK_SECRET_<NAME> (A-Z, 0-9, _); rename the variable on the connector host and update the connection`,
    );
  }
  const value = env[name];
  if (value === undefined || value === "") {
    throw new SessionError(
      CloseCode.CLOSE_CODE_NOT_FOUND,
      `credential env_ref ${name} is not set on the connector host; set it in the connector's environment and restart the connector`,
    );
  }
  return new Secret(value);
}

/** Resolves the credential of an open_session instruction. No credential means none. */
export function resolveCredential(
  credential: Credential | undefined,
  env?: NodeJS.ProcessEnv,
): ResolvedCredential {
  const source = credential?.source;
  switch (source?.$case) {
    case undefined:
    case "none":
      return { kind: "none" };
    case "password":
      return { kind: "password", password: new Secret(source.value) };
    case "envRef":
      return { kind: "password", password: readSecretEnv(source.value, env) };
    default:
      return assertNever(source);
  }
}
