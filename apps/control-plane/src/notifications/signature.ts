// The X-Airlock-Signature header of webhook deliveries (docs/design/0006-approvals.md,
// "Notifications"): `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
// timestamp is signed with the body, so a receiver can refuse replays of old deliveries.
// Pure: no clock, no I/O. verifySignature is for receivers (and tests).
import { createHmac, timingSafeEqual } from "node:crypto";

const SCHEME = "v1";
const HEX_DIGEST = /^[0-9a-f]{64}$/;

function digest(secret: string, body: string, unixSeconds: number): Buffer {
  return createHmac("sha256", secret).update(`${unixSeconds}.${body}`, "utf8").digest();
}

/** The header value signing `body` at `unixSeconds` (whole seconds). */
export function signPayload(secret: string, body: string, unixSeconds: number): string {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0)
    throw new RangeError("unixSeconds must be a whole, non-negative number of seconds");
  return `t=${unixSeconds},${SCHEME}=${digest(secret, body, unixSeconds).toString("hex")}`;
}

interface ParsedHeader {
  timestamp: number;
  signatures: Buffer[];
}

function parseHeader(header: string): ParsedHeader | undefined {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === SCHEME && HEX_DIGEST.test(value)) {
      signatures.push(Buffer.from(value, "hex"));
    }
    // Other schemes are ignored, so a receiver keeps working when one is added.
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/**
 * True when `header` carries a v1 signature of `body` under `secret` whose timestamp is
 * within `toleranceSeconds` of `nowSeconds` (either way). Compares in constant time.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds: number,
): boolean {
  const parsed = parseHeader(header);
  if (parsed === undefined) return false;
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return false;
  const expected = digest(secret, body, parsed.timestamp);
  let match = false;
  for (const candidate of parsed.signatures) {
    // Every candidate is compared, so the time taken does not say which one matched.
    if (timingSafeEqual(candidate, expected)) match = true;
  }
  return match;
}
