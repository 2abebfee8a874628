// Airlock's access tokens: JWTs signed with EdDSA (Ed25519), short-lived, naming the user
// and the login session (docs/design/0009-oidc-login.md). Verification accepts EdDSA only
// (so `alg: none` and HMAC confusion are refused), with our issuer, our audience and an
// unexpired `exp`. Messages say what was wrong, never echo the token.
import { randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { Unauthenticated } from "../../errors/domain-errors";
import { deriveSigningKey, type SigningKey } from "./signing-key";

export const ACCESS_TOKEN_AUDIENCE = "airlock";
const PURPOSE = "airlock-access-token-v1";
/** Clock skew tolerated between replicas. */
const CLOCK_TOLERANCE_SECONDS = 5;

export interface AccessClaims {
  userId: string;
  loginSessionId: string;
  expiresAt: Date;
}

/** A JWT's shape: three base64url parts. API keys and refresh tokens never look like this. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export class AccessTokens {
  private readonly key: SigningKey;

  constructor(
    masterKey: Buffer,
    readonly issuer: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = deriveSigningKey(masterKey, PURPOSE);
  }

  async sign(userId: string, loginSessionId: string): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT({ sid: loginSessionId })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: this.key.kid })
      .setIssuer(this.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(userId)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid token; Unauthenticated naming the problem otherwise. */
  async verify(token: string): Promise<AccessClaims> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: ["EdDSA"],
        issuer: this.issuer,
        audience: ACCESS_TOKEN_AUDIENCE,
        requiredClaims: ["exp", "sub", "sid", "iat"],
        typ: "at+jwt",
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (err) {
      throw new Unauthenticated(`access token refused: ${reason(err)}`);
    }
    if (typeof payload.sub !== "string" || typeof payload["sid"] !== "string") {
      throw new Unauthenticated("access token refused: sub and sid must be strings");
    }
    return {
      userId: payload.sub,
      loginSessionId: payload["sid"],
      expiresAt: new Date((payload.exp as number) * 1000),
    };
  }

  /** The public key as a JWKS, for anyone who wants to check our tokens. */
  jwks(): { keys: Array<Record<string, unknown>> } {
    const jwk = this.key.publicKey.export({ format: "jwk" });
    return { keys: [{ ...jwk, kid: this.key.kid, alg: "EdDSA", use: "sig" }] };
  }
}

function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "it has expired; refresh it or log in again";
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "iss":
        return "it was issued by someone else (wrong iss)";
      case "aud":
        return "it is meant for someone else (wrong aud)";
      default:
        return `claim ${err.claim} is invalid (${err.reason})`;
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "its algorithm is not accepted (EdDSA only)";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "its signature does not verify";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return "it is not a well-formed JWT";
  return "it could not be verified";
}
