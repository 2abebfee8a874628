// Errors of the token endpoint, in OAuth 2.0's shape (RFC 6749 §5.2, RFC 8628 §3.5):
// `{ error, error_description }`, so standard clients understand them.
export type TokenErrorCode =
  | "invalid_request"
  | "invalid_grant"
  | "unsupported_grant_type"
  | "authorization_pending"
  | "slow_down"
  | "expired_token"
  | "access_denied";

export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = "TokenError";
  }
}
