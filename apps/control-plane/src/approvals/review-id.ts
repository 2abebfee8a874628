// Review and grant ids: a kind prefix and 10 base32 characters (50 random bits), short
// enough to type from a psql notice. A unique key catches the rare collision; the
// caller retries with a new id.
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function random10(): string {
  const bytes = randomBytes(10);
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

export function newReviewId(): string {
  return `rv-${random10()}`;
}

export function newGrantId(): string {
  return `gr-${random10()}`;
}
