// What a login in progress needs between its HTTP requests, kept in Redis with a TTL (no
// server-side sessions): the OIDC state (nonce, PKCE verifier, browser binding, where the
// result goes), one-time codes for the CLI's loopback callback, and device requests.
// Secrets are stored only as SHA-256 (codes) or encrypted (the IdP's refresh token).
import { createHash, randomBytes, randomInt } from "node:crypto";
import { Inject, Injectable } from "@nestjs/common";
import { APP_CONFIG } from "../../config/config.tokens";
import type { AppConfig } from "../../config/config.types";
import { RedisService } from "../../redis/redis.service";

export const STATE_TTL_SECONDS = 600;
export const LOOPBACK_CODE_TTL_SECONDS = 60;
export const DEVICE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

/** Where a finished login goes. */
export type LoginTarget =
  | { kind: "loopback"; redirectUri: string; codeChallenge: string; state: string }
  | { kind: "device"; deviceKey: string }
  | { kind: "web" };

export interface PendingLogin {
  nonce: string;
  codeVerifier: string;
  /** SHA-256 of the browser-binding cookie's value. */
  browserHash: string;
  target: LoginTarget;
}

/** What a finished login hands to the token endpoint. */
export interface FinishedLogin {
  userId: string;
  /** The IdP's refresh token, encrypted (base64), or null. */
  idpRefreshToken: string | null;
}

export interface DeviceRequest {
  userCode: string;
  expiresAt: number;
  status: "pending" | "done" | "denied";
  lastPollAt: number;
  result?: FinishedLogin;
  deniedReason?: string;
}

interface LoopbackCode extends FinishedLogin {
  codeChallenge: string;
  redirectUri: string;
}

// No vowels or look-alikes (0/O, 1/I): codes are read aloud and typed on phones.
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64url");
}

/** ABCD-EFGH; accepts lower case, spaces and a missing dash when typed back. */
export function normalizeUserCode(input: string): string | null {
  const letters = input.toUpperCase().replace(/[\s-]/g, "");
  if (letters.length !== 8 || ![...letters].every((c) => USER_CODE_ALPHABET.includes(c)))
    return null;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

@Injectable()
export class LoginRequests {
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.prefix = `${config.redisPrefix}:auth`;
  }

  private get db() {
    return this.redis.client;
  }

  async savePending(pending: PendingLogin): Promise<string> {
    const handle = randomBytes(24).toString("base64url");
    await this.db.set(
      `${this.prefix}:state:${handle}`,
      JSON.stringify(pending),
      "EX",
      STATE_TTL_SECONDS,
    );
    return handle;
  }

  /** The pending login of a state handle, once: a replayed callback finds nothing. */
  async takePending(handle: string): Promise<PendingLogin | null> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(handle)) return null;
    const text = await this.db.getdel(`${this.prefix}:state:${handle}`);
    return text === null ? null : (JSON.parse(text) as PendingLogin);
  }

  /** A one-time code for the CLI's loopback callback. */
  async saveLoopbackCode(
    login: FinishedLogin,
    target: Extract<LoginTarget, { kind: "loopback" }>,
  ): Promise<string> {
    const code = randomBytes(32).toString("base64url");
    const value: LoopbackCode = {
      ...login,
      codeChallenge: target.codeChallenge,
      redirectUri: target.redirectUri,
    };
    await this.db.set(
      `${this.prefix}:code:${sha256(code)}`,
      JSON.stringify(value),
      "EX",
      LOOPBACK_CODE_TTL_SECONDS,
    );
    return code;
  }

  async takeLoopbackCode(code: string): Promise<LoopbackCode | null> {
    const text = await this.db.getdel(`${this.prefix}:code:${sha256(code)}`);
    return text === null ? null : (JSON.parse(text) as LoopbackCode);
  }

  /** A new device request: the device code (secret, for the CLI) and the user code. */
  async createDevice(): Promise<{ deviceCode: string; userCode: string; expiresAt: number }> {
    const deviceCode = randomBytes(32).toString("base64url");
    const deviceKey = sha256(deviceCode);
    const expiresAt = Date.now() + DEVICE_TTL_SECONDS * 1000;
    for (let attempt = 0; attempt < 5; attempt++) {
      const letters = Array.from(
        { length: 8 },
        () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)],
      ).join("");
      const userCode = `${letters.slice(0, 4)}-${letters.slice(4)}`;
      const claimed = await this.db.set(
        `${this.prefix}:user-code:${userCode}`,
        deviceKey,
        "EX",
        DEVICE_TTL_SECONDS,
        "NX",
      );
      if (claimed !== "OK") continue;
      const request: DeviceRequest = { userCode, expiresAt, status: "pending", lastPollAt: 0 };
      await this.db.set(
        `${this.prefix}:device:${deviceKey}`,
        JSON.stringify(request),
        "EX",
        DEVICE_TTL_SECONDS,
      );
      return { deviceCode, userCode, expiresAt };
    }
    throw new Error("could not allocate a unique user code");
  }

  /** The device key a user code stands for, while the request is pending. */
  async deviceKeyForUserCode(userCode: string): Promise<string | null> {
    return this.db.get(`${this.prefix}:user-code:${userCode}`);
  }

  async getDevice(deviceKey: string): Promise<DeviceRequest | null> {
    const text = await this.db.get(`${this.prefix}:device:${deviceKey}`);
    return text === null ? null : (JSON.parse(text) as DeviceRequest);
  }

  /** Stores the request keeping its TTL. */
  async putDevice(deviceKey: string, request: DeviceRequest): Promise<void> {
    await this.db.set(
      `${this.prefix}:device:${deviceKey}`,
      JSON.stringify(request),
      "KEEPTTL",
      "XX",
    );
  }

  /** Removes a finished request; true for the one caller that removed it. */
  async takeDevice(deviceKey: string, userCode: string): Promise<boolean> {
    const removed = await this.db.del(`${this.prefix}:device:${deviceKey}`);
    await this.db.del(`${this.prefix}:user-code:${userCode}`);
    return removed === 1;
  }
}
