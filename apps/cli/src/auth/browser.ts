import { spawn } from "node:child_process";

/** How to start the browser: a program and its arguments, the URL last. */
export interface BrowserCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Windows: pass the arguments as written (cmd's own quoting keeps `&` in the URL). */
  readonly verbatim: boolean;
}

/**
 * AIRLOCK_BROWSER (split on spaces, the URL appended; `none`: nothing), else the platform's
 * opener: `open` on macOS, `cmd /c start` on Windows, `xdg-open` elsewhere.
 */
export function browserCommand(
  url: string,
  browserEnv: string | undefined,
  platform: NodeJS.Platform = process.platform,
): BrowserCommand | undefined {
  if (browserEnv !== undefined && browserEnv !== "") {
    if (browserEnv.toLowerCase() === "none") return undefined;
    const [command = browserEnv, ...args] = browserEnv.split(/\s+/).filter((part) => part !== "");
    return { command, args: [...args, url], verbatim: false };
  }
  if (platform === "darwin") return { command: "open", args: [url], verbatim: false };
  if (platform === "win32") {
    // `start` takes a first quoted argument as the window title, hence the empty "".
    return { command: "cmd", args: ["/c", "start", '""', `"${url}"`], verbatim: true };
  }
  return { command: "xdg-open", args: [url], verbatim: false };
}

/**
 * Starts the browser on `url`, detached and silent; any failure is ignored, since the URL is
 * printed for the user to open by hand anyway.
 */
export function openBrowser(url: string, browserEnv: string | undefined): void {
  const browser = browserCommand(url, browserEnv);
  if (browser === undefined) return;
  try {
    const child = spawn(browser.command, [...browser.args], {
      detached: true,
      stdio: "ignore",
      windowsHide: true,
      windowsVerbatimArguments: browser.verbatim,
    });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // no opener on this machine: the printed URL is the way
  }
}
