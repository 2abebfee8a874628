// The one error a session step throws to end the session with a stated code.
// The message is sent to the control plane and may be shown to the user, so it
// must name the cause and the fix and never hold a secret.

import { CloseCode } from "@airlock/proto";

export class SessionError extends Error {
  constructor(
    readonly code: CloseCode,
    message: string,
  ) {
    super(message);
    this.name = "SessionError";
  }
}
