import type { RuleStatementKind } from "../sql/kinds";

export const ACTIONS = ["allow", "deny", "review"] as const;
export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const MASK_STRATEGIES = ["redact", "partial", "hash", "null"] as const;
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

export type DecisionAction = (typeof ACTIONS)[number];
export type Day = (typeof DAYS)[number];
export type MaskStrategy = (typeof MASK_STRATEGIES)[number];
export type Detector = (typeof DETECTORS)[number];

/** A policy document, as parsed from YAML or JSON by the caller. */
export interface PolicyDocument {
  name: string;
  description?: string;
  /** Who the policy is for: any listed group, user or service account. */
  subjects: { groups?: string[]; users?: string[]; service_accounts?: string[] };
  /** Which connections it covers: a name matching a glob, or every listed tag equal. */
  resources: { connections?: string[]; tags?: Record<string, string> };
  /** Ordered: for each statement, the first matching rule decides. */
  rules: PolicyRule[];
  /** Masking applied to results when this policy allowed the command. */
  mask?: MaskRule[];
  /**
   * Makes this an elevation policy: it applies only to subjects holding the role
   * (`Subject.elevations`), and where one of its rules matches a statement, the elevation
   * policies decide that statement instead of the ordinary ones.
   */
  elevation?: PolicyElevation;
}

/** The `elevation` section of a policy (docs/design/0006-approvals.md, access grants). */
export interface PolicyElevation {
  /** The role a grant names (`airlock request --role`). */
  role: string;
  /** Groups whose members may approve a request for the role. */
  approvers: string[];
  /** 1..10, default 1. */
  min_approvals?: number;
  /** The longest grant accepted, a duration from "1m" to "7d"; default "8h". */
  max_duration?: string;
  /** How long the request waits for approval; default "30m". */
  timeout?: string;
  /** Groups who may approve alone (break glass). */
  break_glass?: string[];
  /** Webhook names notified of requests for the role. */
  notify?: string[];
}

export interface PolicyRule {
  id: string;
  match: RuleMatch;
  action: DecisionAction;
  message?: string;
  review?: {
    approvers: string[];
    min_approvals?: number;
    /** A duration such as "45s", "30m", "1h", "1h30m". */
    timeout?: string;
    break_glass?: string[];
    require_justification?: boolean;
    /** Webhook names notified of the review, besides the webhooks that receive everything. */
    notify?: string[];
  };
}

/** Every condition given must hold. See docs/design/0003-policy.md for allow vs deny. */
export interface RuleMatch {
  sql?: {
    statements?: RuleStatementKind[];
    /** Globs on `schema.table`; a glob without a dot matches the name in any schema. */
    tables?: string[];
    /** Globs on function names; see docs/design/0003-policy.md for qualification. */
    functions?: string[];
    without_where?: boolean;
    /** A regular expression tested (case-insensitively) on the normalised statement text. */
    regex?: string;
    /** COPY … PROGRAM (runs a shell command on the database server). */
    copy_program?: boolean;
    /** COPY to or from a file on the database server (not STDIN/STDOUT). */
    copy_file?: boolean;
  };
  subjects?: { groups?: string[]; users?: string[] };
  tags?: Record<string, string>;
  time?: {
    days?: Day[];
    /** "HH:MM" 24-hour; `from` inclusive, `to` exclusive; wraps past midnight when from > to. */
    hours?: { from: string; to: string };
    /** An IANA time zone, such as "Europe/Paris". */
    timezone: string;
  };
}

export interface MaskRule {
  /** Globs on `table.column` (e.g. "*.email", "customers.card_number"). */
  columns?: string[];
  detect?: Detector[];
  strategy: MaskStrategy;
}

export interface PolicyValidationError {
  /** Where, e.g. `rules[2].match.sql.statements[0]`. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

export interface Subject {
  user: string;
  groups: string[];
  kind?: "human" | "service_account";
  /**
   * Roles of the subject's active grants on this connection. An elevation policy applies
   * only when its role is listed here (and its subjects and resources match as usual).
   */
  elevations?: string[];
}

export interface ConnectionRef {
  name: string;
  tags: Record<string, string>;
}
