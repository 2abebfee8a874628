// The authentication exchange, from our StartupMessage to AuthenticationOk:
// trust, cleartext password, md5 and SCRAM-SHA-256 with the credential the
// connector resolved. Every failure is a SessionError whose message names the
// cause and the fix and never holds the password (the server's own text is
// scrubbed of it too, in case a hostile target echoes what we sent).

import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import {
  encodePasswordMessage,
  encodeSASLInitialResponse,
  encodeSASLResponse,
  encodeStartupMessage,
  type NoticeFields,
} from "@airlock/pg-wire";
import { CloseCode } from "@airlock/proto";
import type { Secret } from "../../credentials";
import type { Logger } from "../../logger";
import { writeWithBackpressure } from "../../streams";
import { SessionError } from "../session-error";
import type { BackendReader, ReadMessage } from "./backend-reader";
import { SCRAM_SHA_256, saltPassword, ScramError, ScramSha256Client } from "./scram";

export interface AuthenticateRequest {
  readonly socket: Socket;
  readonly reader: BackendReader;
  /** StartupMessage parameters, `user` and `database` included. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly password: Secret | undefined;
  readonly encrypted: boolean;
  readonly log: Logger;
}

/** Resolves with the AuthenticationOk message (and where it sits in its chunk). */
export async function authenticate(request: AuthenticateRequest): Promise<ReadMessage> {
  const { socket, reader, parameters, log } = request;
  const user = parameters["user"] ?? "";
  const send = (frame: Buffer): Promise<void> => writeWithBackpressure(socket, frame);
  let scram: ScramSha256Client | undefined;
  let scramVerified = false;

  await send(encodeStartupMessage({ ...parameters }));
  for (;;) {
    const read = await reader.next();
    if (!read) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_UNAVAILABLE,
        "the target closed the connection during the login; check the target's log",
      );
    }
    const msg = read.message;
    switch (msg.type) {
      case "authenticationOk":
        if (scram && !scramVerified) {
          throw new SessionError(
            CloseCode.CLOSE_CODE_UNAUTHENTICATED,
            "the target accepted the login without proving it knows the password (no SCRAM final message); refusing it",
          );
        }
        return read;
      case "authenticationCleartextPassword": {
        const password = need(request.password, "password", user);
        if (!request.encrypted) {
          log.warn("the target asks for the password in clear text over an unencrypted connection");
        }
        await send(encodePasswordMessage(password.reveal()));
        break;
      }
      case "authenticationMD5Password": {
        const password = need(request.password, "md5", user);
        await send(encodePasswordMessage(md5Response(password.reveal(), user, msg.salt)));
        break;
      }
      case "authenticationSASL": {
        if (!msg.mechanisms.includes(SCRAM_SHA_256)) {
          throw unsupported(`SASL with ${msg.mechanisms.join(", ") || "no mechanism"}`);
        }
        const password = need(request.password, SCRAM_SHA_256, user);
        scram = new ScramSha256Client(password.reveal());
        const first = Buffer.from(scram.clientFirstMessage(), "utf8");
        await send(encodeSASLInitialResponse(SCRAM_SHA_256, first));
        break;
      }
      case "authenticationSASLContinue": {
        const client = expectScram(scram);
        const { salt, iterations } = scramStep(() => client.receiveServerFirst(utf8(msg.data)));
        const salted = await saltPassword(client.password, salt, iterations);
        await send(encodeSASLResponse(Buffer.from(client.clientFinalMessage(salted), "utf8")));
        break;
      }
      case "authenticationSASLFinal": {
        const client = expectScram(scram);
        scramStep(() => client.verifyServerFinal(utf8(msg.data)));
        scramVerified = true;
        break;
      }
      case "authenticationKerberosV5":
        throw unsupported("Kerberos V5");
      case "authenticationGSS":
      case "authenticationGSSContinue":
        throw unsupported("GSSAPI");
      case "authenticationSSPI":
        throw unsupported("SSPI");
      case "errorResponse":
        throw refused(msg.fields, request.password);
      case "noticeResponse":
      case "negotiateProtocolVersion":
        log.debug({ message: msg.type }, "ignoring a message during the target login");
        break;
      default:
        throw new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `the target sent ${msg.type} during the login, which a Postgres server does not; check that the connection's host and port point at Postgres`,
        );
    }
  }
}

/** md5 method: "md5" + md5hex(md5hex(password + user) + salt). */
export function md5Response(password: string, user: string, salt: Buffer): string {
  const inner = createHash("md5")
    .update(password + user, "utf8")
    .digest("hex");
  return (
    "md5" +
    createHash("md5")
      .update(Buffer.concat([Buffer.from(inner, "latin1"), salt]))
      .digest("hex")
  );
}

function need(password: Secret | undefined, method: string, user: string): Secret {
  if (password) return password;
  throw new SessionError(
    CloseCode.CLOSE_CODE_INVALID_INPUT,
    `the target asks for a password (${method}) for user ${JSON.stringify(user)}, but the connection has no credential; give the connection a password or an env_ref credential`,
  );
}

function expectScram(scram: ScramSha256Client | undefined): ScramSha256Client {
  if (scram) return scram;
  throw new SessionError(
    CloseCode.CLOSE_CODE_UNAVAILABLE,
    "the target continued a SASL exchange that was never started; check that the connection points at Postgres",
  );
}

function scramStep<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof ScramError)) throw err;
    throw new SessionError(
      CloseCode.CLOSE_CODE_UNAUTHENTICATED,
      `the SCRAM-SHA-256 login to the target failed: ${err.message}`,
    );
  }
}

function unsupported(method: string): SessionError {
  return new SessionError(
    CloseCode.CLOSE_CODE_INVALID_INPUT,
    `the target asks for ${method} authentication, which Airlock does not support; have the target's pg_hba.conf use scram-sha-256, md5 or password for this user`,
  );
}

/** The server's ErrorResponse during the login, as a message for the user. */
export function refused(fields: NoticeFields, password: Secret | undefined): SessionError {
  const text = scrub(`${fields.message}${fields.detail ? ` (${fields.detail})` : ""}`, password);
  return new SessionError(
    closeCodeFor(fields.code),
    `the target refused the login: ${text} (${fields.code || "no SQLSTATE"})`,
  );
}

function closeCodeFor(sqlstate: string): CloseCode {
  if (sqlstate === "28P01") return CloseCode.CLOSE_CODE_UNAUTHENTICATED;
  if (sqlstate.startsWith("28") || sqlstate === "42501")
    return CloseCode.CLOSE_CODE_PERMISSION_DENIED;
  if (sqlstate === "3D000") return CloseCode.CLOSE_CODE_NOT_FOUND;
  if (sqlstate.startsWith("53") || sqlstate.startsWith("57") || sqlstate.startsWith("08")) {
    return CloseCode.CLOSE_CODE_UNAVAILABLE;
  }
  return CloseCode.CLOSE_CODE_PERMISSION_DENIED;
}

/** Server text, bounded, without control characters and without the password. */
function scrub(text: string, password: Secret | undefined): string {
  const secret = password?.reveal();
  const safe = secret ? text.split(secret).join("[redacted]") : text;
  return safe.replace(/\p{Cc}+/gu, " ").slice(0, 500);
}

function utf8(data: Buffer): string {
  return data.toString("utf8");
}
