// The byte pipe to a Postgres server: TCP, then TLS as sslmode says (libpq's
// meanings): disable sends no SSLRequest; prefer asks and takes what the server
// offers; require insists on TLS but (like libpq without a root cert) does not
// verify the certificate; verify-full checks the chain against sslrootcert (or
// the system roots) and the name against sslservername (or the host).
//
// Used by the session's own connection and by each cancel connection. Every
// wait ends when `signal` aborts (session closed, or the caller's deadline).

import { connect, isIP, type Socket } from "node:net";
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate } from "node:tls";
import { BackendParser, encodeSSLRequest } from "@airlock/pg-wire";
import { CloseCode } from "@airlock/proto";
import { writeWithBackpressure } from "../../streams";
import { SessionError } from "../session-error";
import type { PostgresTarget, TlsSettings } from "./options";

export interface Transport {
  /** The socket to speak Postgres on: the TLS socket when TLS is on. */
  readonly socket: Socket;
  /** The TCP socket underneath (the same object without TLS). */
  readonly tcp: Socket;
  readonly encrypted: boolean;
  /** The dialled address as `ip:port` / `[ip6]:port`. */
  readonly remoteAddress: string;
}

/** Dials and negotiates TLS. Rejects with a SessionError, or with `signal.reason` on abort. */
export async function openTransport(
  target: PostgresTarget,
  signal: AbortSignal,
): Promise<Transport> {
  const tcp = await dial(target, signal);
  // Errors reach whoever waits on the socket; none may go unheard and crash the process.
  tcp.on("error", () => undefined);
  try {
    const remoteAddress = formatAddress(tcp);
    if (target.tls.mode === "disable") return { socket: tcp, tcp, encrypted: false, remoteAddress };
    const accepted = await requestSsl(tcp, target, signal);
    if (!accepted) {
      if (target.tls.mode === "prefer")
        return { socket: tcp, tcp, encrypted: false, remoteAddress };
      throw new SessionError(
        CloseCode.CLOSE_CODE_UNAVAILABLE,
        `target ${where(target)} does not accept TLS connections, but the connection's sslmode is ${target.tls.mode}; turn on ssl in the target's postgresql.conf, or set sslmode to prefer or disable`,
      );
    }
    const socket = await startTls(tcp, target, signal);
    return { socket, tcp, encrypted: true, remoteAddress };
  } catch (err) {
    tcp.destroy();
    throw err;
  }
}

function dial(target: PostgresTarget, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const socket = connect({ host: target.host, port: target.port });
    const onError = (err: NodeJS.ErrnoException): void => {
      fail(
        new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `cannot reach target ${where(target)} from the connector (${err.code ?? err.message}); check the connection's host and port`,
        ),
      );
    };
    const onAbort = (): void => fail(abortError(signal));
    const onConnect = (): void => {
      cleanup();
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    };
    const cleanup = (): void => {
      socket.off("error", onError);
      socket.off("connect", onConnect);
      signal.removeEventListener("abort", onAbort);
    };
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    socket.once("connect", onConnect);
    socket.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Sends SSLRequest and reads the one-byte answer: true for 'S', false for 'N'. */
async function requestSsl(
  tcp: Socket,
  target: PostgresTarget,
  signal: AbortSignal,
): Promise<boolean> {
  await writeWithBackpressure(tcp, encodeSSLRequest());
  const answer = await readFirstChunk(tcp, target, signal);
  // More than the byte means someone wrote into the stream before the TLS
  // handshake (CVE-2021-23222): nothing before the handshake may be trusted.
  if (answer.length !== 1 || (answer[0] !== 0x53 && answer[0] !== 0x4e)) {
    throw new SessionError(
      CloseCode.CLOSE_CODE_UNAVAILABLE,
      `target ${where(target)} did not answer the SSL request as a Postgres server does; check that the connection's host and port point at Postgres`,
    );
  }
  const parser = new BackendParser();
  parser.expectSslResponse();
  let accepted = false;
  parser.parse(answer, (msg) => {
    if (msg.type === "sslResponse") accepted = msg.byte === "S";
  });
  return accepted;
}

function readFirstChunk(tcp: Socket, target: PostgresTarget, signal: AbortSignal): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      tcp.pause();
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      reject(
        new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `target ${where(target)} closed the connection at the SSL request; check that the connection's host and port point at Postgres`,
        ),
      );
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      cleanup();
      reject(
        new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `the connection to target ${where(target)} failed at the SSL request (${err.code ?? err.message})`,
        ),
      );
    };
    const onAbort = (): void => {
      cleanup();
      reject(abortError(signal));
    };
    const cleanup = (): void => {
      tcp.off("data", onData);
      tcp.off("end", onEnd);
      tcp.off("close", onEnd);
      tcp.off("error", onError);
      signal.removeEventListener("abort", onAbort);
    };
    tcp.on("data", onData);
    tcp.once("end", onEnd);
    tcp.once("close", onEnd);
    tcp.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function startTls(tcp: Socket, target: PostgresTarget, signal: AbortSignal): Promise<Socket> {
  const { tls } = target;
  const verify = tls.mode === "verify-full";
  return new Promise<Socket>((resolve, reject) => {
    const socket = tlsConnect({
      socket: tcp,
      // SNI carries names only, never an IP address.
      ...(isIP(tls.serverName) === 0 ? { servername: tls.serverName } : {}),
      rejectUnauthorized: verify,
      ...(verify && tls.rootCert !== undefined ? { ca: tls.rootCert } : {}),
      checkServerIdentity: (_host: string, cert: PeerCertificate) =>
        verify ? checkServerIdentity(tls.serverName, cert) : undefined,
    });
    const onError = (err: NodeJS.ErrnoException): void => fail(tlsFailure(err, target));
    const onAbort = (): void => fail(abortError(signal));
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const cleanup = (): void => {
      socket.off("error", onError);
      socket.off("secureConnect", onConnect);
      signal.removeEventListener("abort", onAbort);
    };
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    socket.once("secureConnect", onConnect);
    socket.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const CHAIN_ERRORS = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

function tlsFailure(err: NodeJS.ErrnoException, target: PostgresTarget): SessionError {
  const { tls } = target;
  const code = err.code ?? err.message;
  let message: string;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    message = `the certificate of target ${where(target)} is not valid for the name ${JSON.stringify(tls.serverName)} (sslmode verify-full); set the connection's sslservername to a name the certificate carries, or fix its host`;
  } else if (CHAIN_ERRORS.has(code)) {
    message = `the certificate of target ${where(target)} is not signed by ${describeRoots(tls)} (${code}, sslmode verify-full); put the CA that signed the server certificate in the connection's sslrootcert`;
  } else if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    message = `the certificate of target ${where(target)} is outside its validity period (${code}); renew the server certificate`;
  } else {
    message = `the TLS handshake with target ${where(target)} failed (${code}); check the target's ssl settings and the connection's sslmode`;
  }
  return new SessionError(CloseCode.CLOSE_CODE_UNAVAILABLE, message);
}

function describeRoots(tls: TlsSettings): string {
  return tls.rootCert === undefined
    ? "a CA the connector host trusts"
    : "the connection's sslrootcert";
}

/** The abort reason as an Error (the engine and the session always abort with one). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error("aborted");
}

function where(target: PostgresTarget): string {
  return target.host.includes(":")
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
}

function formatAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? "unknown";
  return address.includes(":")
    ? `[${address}]:${socket.remotePort}`
    : `${address}:${socket.remotePort}`;
}
