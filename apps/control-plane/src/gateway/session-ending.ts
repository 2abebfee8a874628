// How a session ends: what is recorded (status, close code, reason), what the
// client is told (a Postgres ErrorResponse, then a `close` frame for abnormal
// ends) and whether the connector must be told to close.
import { CloseCode, type SessionClose } from "@airlock/proto";
import { encodeErrorResponse, SqlState } from "@airlock/pg-wire";
import type { SessionEndStatus } from "../recording/recording.types";

export interface SessionEnding {
  status: SessionEndStatus;
  code: CloseCode;
  /** Recorded as close_reason and sent in the `close` frames; never holds a secret. */
  reason: string;
  /** A FATAL ErrorResponse for the client, when it should learn why. */
  clientError: Buffer | undefined;
  /** Send `close` on the connector's session stream (false when the connector ended it). */
  tellConnector: boolean;
  /** Send Terminate to the target first (the client left without one). */
  terminateTarget: boolean;
}

export function fatal(code: string, message: string): Buffer {
  return encodeErrorResponse({ severity: "FATAL", code, message });
}

export function clientQuit(sentTerminate: boolean): SessionEnding {
  return {
    status: "closed",
    code: CloseCode.CLOSE_CODE_NORMAL,
    reason: "client quit",
    clientError: undefined,
    tellConnector: true,
    terminateTarget: !sentTerminate,
  };
}

/** The connector closed the session: the target ended the connection, or it failed. */
export function targetClosed(close: SessionClose): SessionEnding {
  const normal = close.code === CloseCode.CLOSE_CODE_NORMAL;
  return {
    status: normal ? "closed" : "failed",
    code: close.code,
    reason: "target closed",
    clientError: normal
      ? undefined
      : fatal(SqlState.connectionFailure, `connection to the target was lost: ${close.reason}`),
    tellConnector: false,
    terminateTarget: false,
  };
}

export function connectorLost(connectorName: string): SessionEnding {
  return {
    status: "failed",
    code: CloseCode.CLOSE_CODE_UNAVAILABLE,
    reason: "connector lost",
    clientError: fatal(
      SqlState.connectionFailure,
      `connection to the target was lost: the connector ${connectorName} disconnected`,
    ),
    tellConnector: true,
    terminateTarget: false,
  };
}

export function shuttingDown(): SessionEnding {
  return {
    status: "closed",
    code: CloseCode.CLOSE_CODE_SHUTTING_DOWN,
    reason: "control plane shutting down",
    clientError: fatal(SqlState.adminShutdown, "Airlock control plane is shutting down"),
    tellConnector: true,
    terminateTarget: true,
  };
}

/** The identity behind the session was revoked (user disabled, login or key revoked). */
export function identityRevoked(why: string): SessionEnding {
  return {
    status: "closed",
    code: CloseCode.CLOSE_CODE_UNAUTHENTICATED,
    reason: `identity revoked: ${why}`,
    clientError: fatal(
      SqlState.invalidAuthorizationSpecification,
      `Airlock ended this session: ${why}`,
    ),
    tellConnector: true,
    terminateTarget: true,
  };
}

/** Bad input from the client (or garbage from the target): only this session closes. */
export function protocolError(
  problem: string,
  sqlState: string = SqlState.protocolViolation,
): SessionEnding {
  return {
    status: "failed",
    code: CloseCode.CLOSE_CODE_INVALID_INPUT,
    reason: `protocol error: ${problem}`,
    clientError: fatal(sqlState, problem),
    tellConnector: true,
    terminateTarget: true,
  };
}

export function couldNotConnect(
  why: string,
  code: CloseCode = CloseCode.CLOSE_CODE_UNAVAILABLE,
  tellConnector = true,
): SessionEnding {
  const reason = `could not connect to the target: ${why}`;
  return {
    status: "failed",
    code,
    reason,
    clientError: fatal(SqlState.connectionFailure, reason),
    tellConnector,
    terminateTarget: false,
  };
}

export function refusedAtStartup(reason: string, sqlState: string, code: CloseCode): SessionEnding {
  return {
    status: "failed",
    code,
    reason,
    clientError: fatal(sqlState, reason),
    tellConnector: false,
    terminateTarget: false,
  };
}

export function internalFailure(): SessionEnding {
  return {
    status: "failed",
    code: CloseCode.CLOSE_CODE_INTERNAL,
    reason: "internal error",
    clientError: fatal(
      SqlState.internalError,
      "Airlock internal error; the control plane log has the details",
    ),
    tellConnector: true,
    terminateTarget: true,
  };
}

const CLOSE_CODE_NAMES: Record<CloseCode, string> = {
  [CloseCode.CLOSE_CODE_UNSPECIFIED]: "unspecified",
  [CloseCode.CLOSE_CODE_NORMAL]: "normal",
  [CloseCode.CLOSE_CODE_UNAUTHENTICATED]: "unauthenticated",
  [CloseCode.CLOSE_CODE_PERMISSION_DENIED]: "permission_denied",
  [CloseCode.CLOSE_CODE_NOT_FOUND]: "not_found",
  [CloseCode.CLOSE_CODE_UNAVAILABLE]: "unavailable",
  [CloseCode.CLOSE_CODE_INVALID_INPUT]: "invalid_input",
  [CloseCode.CLOSE_CODE_SHUTTING_DOWN]: "shutting_down",
  [CloseCode.CLOSE_CODE_INTERNAL]: "internal",
  [CloseCode.UNRECOGNIZED]: "unrecognized",
};

/** The close code as stored in sessions.close_code. */
export function closeCodeName(code: CloseCode): string {
  return CLOSE_CODE_NAMES[code] ?? "unrecognized";
}
