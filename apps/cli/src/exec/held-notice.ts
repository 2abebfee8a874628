import type { ServerMessage } from "../output/sql-messages";

/** A review id anywhere in a text: `rv-` + 10 base32 characters. */
export const REVIEW_ID_IN_TEXT = /\brv-[0-9a-z]{10}\b/;

/** What the gateway's NoticeResponse says about a command it holds for review. */
export interface HeldNotice {
  readonly reviewId: string;
  /** `needs 1 approval from dba`, when the message says so. */
  readonly needs: string | undefined;
}

/**
 * Recognises the gateway's notice for a held command (docs/design/0006-approvals.md):
 * `Airlock is holding this command for review rv-7k2m9x4qpa (rule demo/ddl-needs-dba):
 * needs 1 approval from dba within 30m`. Any other notice gives `undefined`.
 */
export function heldNotice(notice: ServerMessage): HeldNotice | undefined {
  const message = notice.message ?? "";
  const id = REVIEW_ID_IN_TEXT.exec(message)?.[0];
  if (id === undefined) return undefined;
  const needs = /\b(needs? \d+ approvals?(?: from .*?)?)(?:\s+within\s+\S+)?\s*\.?\s*$/.exec(
    message,
  )?.[1];
  return { reviewId: id, needs };
}

/** `waiting for review rv-… (needs 1 approval from dba)`: the spinner's text. */
export function waitingText(held: HeldNotice): string {
  return held.needs === undefined
    ? `waiting for review ${held.reviewId}`
    : `waiting for review ${held.reviewId} (${held.needs})`;
}
