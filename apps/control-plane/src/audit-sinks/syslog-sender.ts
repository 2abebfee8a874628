// Sends a batch of framed syslog messages over one TCP or TLS connection (RFC 6587 / RFC
// 5425). Syslog has no acknowledgement, so "accepted" means: every byte was written, our
// end was closed, and the server closed its end too (it read up to our EOF) without an
// error. The outcome's error is a short class (the error code): never the payload.
import { isIP, Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export const SYSLOG_TIMEOUT_MS = 10_000;

export interface SyslogTarget {
  host: string;
  port: number;
  transport: "tcp" | "tls";
  /** PEM CA bundle for tls; null: the system's roots. */
  caPem: string | null;
}

export type SyslogOutcome = { ok: true } | { ok: false; error: string };

export function sendSyslog(
  target: SyslogTarget,
  frames: readonly Buffer[],
  timeoutMs = SYSLOG_TIMEOUT_MS,
): Promise<SyslogOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let flushed = false;
    const socket: Socket =
      target.transport === "tls"
        ? tlsConnect({
            host: target.host,
            port: target.port,
            // SNI carries a name, never an address; the certificate is checked against either.
            ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
            ...(target.caPem === null ? {} : { ca: target.caPem }),
            minVersion: "TLSv1.2",
          })
        : new Socket().connect({ host: target.host, port: target.port });
    const done = (outcome: SyslogOutcome): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ ok: false, error: `no progress within ${timeoutMs / 1000} s` }),
    );
    socket.on("error", (err) => done({ ok: false, error: errorClass(err) }));
    // A syslog server sends nothing; read (and drop) whatever it does, so its FIN is seen.
    socket.on("data", () => undefined);
    socket.once(target.transport === "tls" ? "secureConnect" : "connect", () => {
      socket.end(Buffer.concat(frames), () => {
        flushed = true;
      });
    });
    socket.once("close", (hadError) => {
      if (hadError) done({ ok: false, error: "connection failed" });
      else if (!flushed)
        done({ ok: false, error: "closed by the server before everything was sent" });
      else done({ ok: true });
    });
  });
}

/** `network error (ECONNREFUSED)`, `TLS error (DEPTH_ZERO_SELF_SIGNED_CERT)`: codes only. */
function errorClass(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const known = typeof code === "string" && /^[A-Z0-9_]{1,60}$/.test(code) ? code : undefined;
  if (known === undefined) return "network error";
  const tls = /CERT|SSL|TLS|SIGNATURE|ISSUER|ALTNAME|VERIFY/.test(known);
  return `${tls ? "TLS error" : "network error"} (${known})`;
}
