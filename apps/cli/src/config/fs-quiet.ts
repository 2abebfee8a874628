// Small file-system helpers shared by the profile store and its lock file.
import { unlinkSync } from "node:fs";

/** Deletes the file if it is there; a file already gone is not an error. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone (or never created)
  }
}

/** The errno code of a file-system error (ENOENT, EEXIST…), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}
