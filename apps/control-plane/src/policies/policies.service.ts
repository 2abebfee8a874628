// Policies as versioned documents: every change (apply, delete) is a new version with
// its author and time; nothing is overwritten or removed, so the versions are the
// audit trail of policy changes. After a write the decision snapshot is refreshed
// before the request returns, so this replica decides with the new policies at once.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../audit/audit.service";
import { ROOT_LOGGER } from "../config/config.tokens";
import { PrismaService } from "../db/prisma.service";
import { NotFound } from "../errors/domain-errors";
import { auditActor, type Principal } from "../identity/auth/principal";
import { canonicalJson } from "./canonical-json";
import type { PolicySource } from "./policy-body";
import { PolicyDecisions } from "./policy-decisions";
import { PolicyRepository, type PolicyRecord, type PolicyVersionRecord } from "./policy.repository";
import type { ApplyResult, PolicyDetail, PolicySummary, PolicyVersionList } from "./policy.schemas";
import { validatedDocument } from "./policy-validation";
import { toPolicyDetail, toPolicySummary, toVersionView } from "./policy.view";

export interface ApplyOptions {
  comment?: string;
  dryRun?: boolean;
}

@Injectable()
export class PoliciesService {
  private readonly logger: Logger;

  constructor(
    private readonly policies: PolicyRepository,
    private readonly prisma: PrismaService,
    private readonly decisions: PolicyDecisions,
    private readonly audit: AuditService,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: "policies" });
  }

  /** The policies in force, by name. */
  async list(): Promise<PolicySummary[]> {
    return (await this.policies.listCurrent()).map(toPolicySummary);
  }

  /** The current version, or an older one (also of a deleted policy). */
  async get(name: string, version?: number): Promise<PolicyDetail> {
    const policy = await this.find(name);
    if (version === undefined && policy.deletedAt !== null) throw deletedPolicy(policy);
    const wanted = version ?? policy.currentVersion;
    const row = await this.policies.findVersion(policy.id, wanted);
    if (row === null) {
      throw new NotFound(
        `policy "${name}" has no version ${wanted} (versions 1 to ${policy.currentVersion}); ` +
          `list them with GET /api/v1/policies/${name}/versions`,
      );
    }
    return toPolicyDetail(policy, row);
  }

  /** Every version, oldest first; a deleted policy keeps its history. */
  async versions(name: string): Promise<PolicyVersionList> {
    const policy = await this.find(name);
    const rows = await this.policies.listVersions(policy.id);
    return {
      name: policy.name,
      currentVersion: policy.currentVersion,
      deleted: policy.deletedAt !== null,
      items: rows.map(toVersionView),
    };
  }

  /**
   * Validates the document and stores it as the next version. The same document as the
   * current version (whatever its formatting) stores nothing and answers that version.
   */
  async apply(
    caller: Principal,
    name: string,
    source: PolicySource,
    options: ApplyOptions = {},
  ): Promise<ApplyResult> {
    const document = validatedDocument(source.input, name);
    const fields = {
      document,
      sourceFormat: source.format,
      sourceText: source.text,
      authorId: caller.userId,
      comment: options.comment ?? source.comment ?? null,
      deleted: false,
    };
    const dryRun = options.dryRun === true;
    const { result, previousVersion } = await this.prisma.transaction(async (tx) => {
      const policy = await this.policies.findByName(name, tx);
      if (policy === null) {
        if (!dryRun) await this.policies.create(name, fields, tx);
        return applied({ name, version: 1, changed: true, created: true, dryRun }, null);
      }
      const current = await this.policies.findVersion(policy.id, policy.currentVersion, tx);
      if (policy.deletedAt === null && current !== null && sameDocument(current, document)) {
        const unchanged = { name, version: policy.currentVersion, changed: false, created: false };
        return applied({ ...unchanged, dryRun }, policy.currentVersion);
      }
      if (!dryRun)
        await this.policies.append(policy, policy.currentVersion, fields, new Date(), tx);
      return applied(
        { name, version: policy.currentVersion + 1, changed: true, created: false, dryRun },
        policy.currentVersion,
      );
    });
    if (result.changed && !dryRun) {
      this.logger.info(
        { policy: name, version: result.version, author: caller.userName },
        "policy applied",
      );
      await this.decisions.refreshAfterWrite();
      await this.audit.record({
        code: "policy.changed",
        outcome: "changed",
        ...auditActor(caller),
        data: { name, version: result.version, previousVersion },
      });
    }
    return result;
  }

  /** A new version marking the policy deleted: it no longer applies; its history stays. */
  async delete(caller: Principal, name: string): Promise<void> {
    const policy = await this.find(name);
    if (policy.deletedAt !== null) throw deletedPolicy(policy);
    const current = await this.policies.findVersion(policy.id, policy.currentVersion);
    if (current === null) throw new NotFound(`policy "${name}" has no current version`);
    const deletion = await this.policies.append(
      policy,
      policy.currentVersion,
      {
        document: current.document,
        sourceFormat: current.sourceFormat,
        sourceText: current.sourceText,
        authorId: caller.userId,
        comment: null,
        deleted: true,
      },
      new Date(),
    );
    this.logger.info(
      { policy: name, version: deletion.version, author: caller.userName },
      "policy deleted",
    );
    await this.decisions.refreshAfterWrite();
    await this.audit.record({
      code: "policy.deleted",
      outcome: "deleted",
      ...auditActor(caller),
      data: { name, version: deletion.version, previousVersion: policy.currentVersion },
    });
  }

  private async find(name: string): Promise<PolicyRecord> {
    const policy = await this.policies.findByName(name);
    if (policy === null) {
      throw new NotFound(`no policy "${name}"; list them with GET /api/v1/policies`);
    }
    return policy;
  }
}

/** An apply's answer and the version it replaced (null: the policy is new). */
function applied(
  result: ApplyResult,
  previousVersion: number | null,
): { result: ApplyResult; previousVersion: number | null } {
  return { result, previousVersion };
}

function sameDocument(current: PolicyVersionRecord, document: unknown): boolean {
  return canonicalJson(current.document) === canonicalJson(document);
}

function deletedPolicy(policy: PolicyRecord): NotFound {
  return new NotFound(
    `policy "${policy.name}" was deleted (version ${policy.currentVersion}); ` +
      `its history: GET /api/v1/policies/${policy.name}/versions; apply it again to restore it`,
  );
}
