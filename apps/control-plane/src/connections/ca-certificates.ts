// Checks a connection's sslrootcert: PEM-encoded X.509 CA certificates, nothing else
// (in particular no private key, which would then be stored and returned in clear).
import { X509Certificate } from "node:crypto";

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** What is wrong with `text` as a bundle of CA certificates, or undefined when nothing is. */
export function caCertificatesProblem(text: string): string | undefined {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    return "holds a private key; give only the CA certificate(s) that signed the target's certificate";
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) {
    return "must be PEM-encoded CA certificates (-----BEGIN CERTIFICATE----- …)";
  }
  for (const [index, block] of blocks.entries()) {
    if (block[1] !== "CERTIFICATE") {
      return `PEM block ${index + 1} is a ${block[1]}, not a CERTIFICATE`;
    }
    try {
      new X509Certificate(block[0]);
    } catch {
      return `certificate ${index + 1} is not a valid X.509 certificate; paste the PEM file unchanged`;
    }
  }
  return undefined;
}
