import { createServer, type Server, type ServerResponse } from "node:http";
import { CliError } from "../errors";

/** The browser came back with a code for this login; answer it with `respond`. */
export interface CallbackCode {
  readonly code: string;
  /** Answers the browser (once): the login's outcome, as a small page. */
  respond(outcome: { readonly ok: boolean; readonly message: string }): void;
}

/** The local end of the browser login (RFC 8252 loopback redirect). */
export interface Loopback {
  /** `http://127.0.0.1:<port>/callback`. */
  readonly redirectUri: string;
  /**
   * Settles at the first request to `/callback`: with its code, or rejected (after answering
   * the browser) when it carries an error, no code, or a state other than the one expected.
   */
  readonly callback: Promise<CallbackCode>;
  close(): Promise<void>;
}

const PATH = "/callback";

/**
 * Listens on 127.0.0.1, on a port the OS picks, for the one redirect that ends a browser
 * login. Only `GET /callback` is served; its `state` must be `expectedState`.
 */
export async function startLoopback(expectedState: string): Promise<Loopback> {
  let settle!: { resolve: (code: CallbackCode) => void; reject: (error: Error) => void };
  const callback = new Promise<CallbackCode>((resolve, reject) => (settle = { resolve, reject }));
  // Keep an early rejection from counting as unhandled before the caller awaits it.
  callback.catch(() => undefined);
  let handled = false;

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== PATH) {
      plain(response, 404, "Not found");
      return;
    }
    if (request.method !== "GET") {
      plain(response, 405, "Method not allowed");
      return;
    }
    if (handled) {
      page(response, 409, false, "This login was already handled; see the terminal.");
      return;
    }
    handled = true;
    handleCallback(url, response, expectedState, settle);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          `cannot listen on 127.0.0.1 for the browser's answer (${error.code ?? error.message})`,
        ),
      ),
    );
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  server.on("error", () => undefined);
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    redirectUri: `http://127.0.0.1:${port}${PATH}`,
    callback,
    close: () => closeServer(server),
  };
}

function handleCallback(
  url: URL,
  response: ServerResponse,
  expectedState: string,
  settle: { resolve: (code: CallbackCode) => void; reject: (error: Error) => void },
): void {
  const params = url.searchParams;
  if (params.get("state") !== expectedState) {
    page(
      response,
      400,
      false,
      "This answer does not belong to the login the airlock command is waiting for " +
        "(state mismatch), so it was refused. Run airlock login again.",
    );
    settle.reject(
      new CliError(
        "the browser came back with an answer for a different login request (state mismatch), " +
          "so it was refused and nothing was saved; run airlock login again",
      ),
    );
    return;
  }
  const error = params.get("error");
  if (error !== null) {
    const description = params.get("error_description");
    const text = description !== null && description !== "" ? `${description} (${error})` : error;
    page(response, 400, false, `The login failed: ${text}`);
    settle.reject(new CliError(`the login failed: ${text}`));
    return;
  }
  const code = params.get("code");
  if (code === null || code === "") {
    page(response, 400, false, "The answer carries no login code. Run airlock login again.");
    settle.reject(
      new CliError("the browser came back without a login code; run airlock login again"),
    );
    return;
  }
  let answered = false;
  settle.resolve({
    code,
    respond: ({ ok, message }) => {
      if (answered) return;
      answered = true;
      page(response, ok ? 200 : 400, ok, message);
    },
  });
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  response.end(`${text}\n`);
}

function page(response: ServerResponse, status: number, ok: boolean, message: string): void {
  const title = ok ? "Airlock: logged in" : "Airlock: login failed";
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3em auto; max-width: 40em">
<h1>${ok ? "Logged in" : "Login failed"}</h1>
<p>${escapeHtml(message)}</p>
</body></html>
`;
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    connection: "close",
  });
  response.end(body);
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // A browser keeps its connection open; the page has been answered by now.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
  });
}
