// Detector names: identical to policy-core's DETECTORS (checked by test/detector-names.test.ts).
// Kept here rather than imported so that the connector can mask without policy-core (and
// its libpg-query dependency).

export const DETECTORS = [
  "email",
  "phone",
  "credit_card",
  "iban",
  "ssn",
  "ipv4",
  "ipv6",
  "jwt",
  "aws_access_key",
  "aws_secret_key",
  "api_key",
  "private_key",
  "uri_password",
] as const;

export type Detector = (typeof DETECTORS)[number];

/**
 * Checksummed or structurally unambiguous: email, credit_card, iban, jwt, aws_access_key,
 * private_key. The control plane's verification pass scans with these.
 */
export const HIGH_CONFIDENCE: readonly Detector[] = [
  "email",
  "credit_card",
  "iban",
  "jwt",
  "aws_access_key",
  "private_key",
];

const KNOWN = new Set<string>(DETECTORS);

export function isDetector(name: string): name is Detector {
  return KNOWN.has(name);
}

/** The entity name a detector's matches are counted and redacted under: `CREDIT_CARD`. */
export function entityOf(detector: Detector): string {
  return ENTITIES[detector];
}

const ENTITIES = Object.fromEntries(DETECTORS.map((d) => [d, d.toUpperCase()])) as Record<
  Detector,
  string
>;
