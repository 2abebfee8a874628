// /api/v1/audit: the public key that signs checkpoints, and chain verification.
import { Controller, Get, HttpCode, Post, Query } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { z } from "zod";
import { CurrentPrincipal, ExportScope, Public, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { AuditRetention, type RetentionReport } from "./audit-retention";
import { DocAuthenticated, DocQuery } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { AuditSealer } from "./audit-sealer";
import { AuditVerifier, type VerifyResult } from "./audit-verifier";
import type { PublicKeyView } from "./checkpoint-signer";

const Instant = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z" })
  .transform((v) => new Date(v));

export const VerifyQuery = z
  .strictObject({
    from: Instant.optional().describe("verify events from this time (default: the chain's start)"),
    to: Instant.optional().describe("…up to this time (default: now)"),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    error: "from must be before to",
    path: ["from"],
  });
type VerifyQuery = z.output<typeof VerifyQuery>;

@ApiTags("audit")
@Controller("api/v1/audit")
export class AuditController {
  constructor(
    private readonly sealer: AuditSealer,
    private readonly verifier: AuditVerifier,
    private readonly retention: AuditRetention,
  ) {}

  /** Runs retention now (it also runs hourly), and says what it removed. */
  @Post("retention")
  @HttpCode(200)
  @Roles("admin")
  @DocAuthenticated()
  runRetention(@CurrentPrincipal() caller: Principal): Promise<RetentionReport> {
    return this.retention.run({ id: caller.userId, name: caller.userName, kind: caller.kind });
  }

  /** The Ed25519 public key of this installation's audit checkpoints; keep a copy. */
  @Get("public-key")
  @Public()
  publicKey(): PublicKeyView {
    return this.sealer.signer.publicKey();
  }

  /** Checks the chain (and its signed checkpoints) over a time range. */
  @Get("verify")
  @Roles("auditor")
  @ExportScope()
  @DocAuthenticated()
  @DocQuery(VerifyQuery)
  verify(@Query(new ZodPipe(VerifyQuery)) query: VerifyQuery): Promise<VerifyResult> {
    return this.verifier.verify({
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
    });
  }
}
