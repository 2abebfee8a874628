// Signs and checks audit checkpoints with Ed25519, the key derived from the master key
// (docs/design/0010-audit.md): every replica signs alike, nobody without the master key can.
import { sign, verify } from "node:crypto";
import { deriveSigningKey, type SigningKey } from "../identity/tokens/signing-key";
import { checkpointMessage } from "./audit-event";

const PURPOSE = "airlock-audit-checkpoint-v1";

export interface PublicKeyView {
  keyId: string;
  algorithm: "Ed25519";
  publicKeyPem: string;
  jwk: Record<string, unknown>;
}

export class CheckpointSigner {
  private readonly key: SigningKey;

  constructor(masterKey: Buffer) {
    this.key = deriveSigningKey(masterKey, PURPOSE);
  }

  get keyId(): string {
    return this.key.kid;
  }

  sign(seq: bigint, hash: Buffer): Buffer {
    return sign(null, checkpointMessage(seq, hash), this.key.privateKey);
  }

  /** Whether the signature is ours over (seq, hash). */
  verify(seq: bigint, hash: Buffer, signature: Buffer): boolean {
    try {
      return verify(null, checkpointMessage(seq, hash), this.key.publicKey, signature);
    } catch {
      return false;
    }
  }

  publicKey(): PublicKeyView {
    return {
      keyId: this.key.kid,
      algorithm: "Ed25519",
      publicKeyPem: this.key.publicKey.export({ format: "pem", type: "spki" }).toString(),
      jwk: { ...this.key.publicKey.export({ format: "jwk" }), kid: this.key.kid, alg: "EdDSA" },
    };
  }
}
