import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import { isUniqueViolation } from "../db/prisma-errors";
import { Conflict } from "../errors/domain-errors";
import type { Policy, PolicySourceFormat, PolicyVersion, Prisma } from "../generated/prisma/client";

const withAuthor = { author: { select: { id: true, name: true } } } as const;

export type PolicyRecord = Policy;
export type PolicyVersionRecord = PolicyVersion & { author: { id: string; name: string } };

/** A policy with the version in force (for a deleted policy: the deletion). */
export interface PolicyHead {
  policy: PolicyRecord;
  current: PolicyVersionRecord;
}

/** What a new version stores. */
export interface VersionFields {
  document: unknown;
  sourceFormat: PolicySourceFormat;
  sourceText: string;
  authorId: string;
  comment: string | null;
  deleted: boolean;
}

/** One row of the decision snapshot: every policy, the document only when it applies. */
export interface SnapshotRow {
  name: string;
  version: number;
  /** null for a deleted policy. */
  document: unknown;
}

@Injectable()
export class PolicyRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByName(name: string, tx?: Db): Promise<PolicyRecord | null> {
    return (tx ?? this.prisma.client).policy.findUnique({ where: { name } });
  }

  findVersion(policyId: string, version: number, tx?: Db): Promise<PolicyVersionRecord | null> {
    return (tx ?? this.prisma.client).policyVersion.findUnique({
      where: { policyId_version: { policyId, version } },
      include: withAuthor,
    });
  }

  /** Every policy that applies (not deleted) with its current version, by name. */
  async listCurrent(tx?: Db): Promise<PolicyHead[]> {
    const db = tx ?? this.prisma.client;
    const policies = await db.policy.findMany({
      where: { deletedAt: null },
      orderBy: { name: "asc" },
    });
    if (policies.length === 0) return [];
    const versions = await db.policyVersion.findMany({
      where: { OR: policies.map((p) => ({ policyId: p.id, version: p.currentVersion })) },
      include: withAuthor,
    });
    const byPolicy = new Map(versions.map((v) => [v.policyId, v]));
    return policies.flatMap((policy) => {
      const current = byPolicy.get(policy.id);
      return current === undefined ? [] : [{ policy, current }];
    });
  }

  /** Every version of a policy, oldest first. */
  listVersions(policyId: string, tx?: Db): Promise<PolicyVersionRecord[]> {
    return (tx ?? this.prisma.client).policyVersion.findMany({
      where: { policyId },
      orderBy: { version: "asc" },
      include: withAuthor,
    });
  }

  /** A new policy with its version 1. Conflict when another request created it first. */
  async create(name: string, fields: VersionFields, tx?: Db): Promise<PolicyVersionRecord> {
    const db = tx ?? this.prisma.client;
    try {
      const policy = await db.policy.create({ data: { name, currentVersion: 1 } });
      return await db.policyVersion.create({
        data: { policyId: policy.id, version: 1, ...versionData(fields) },
        include: withAuthor,
      });
    } catch (err) {
      throw isUniqueViolation(err) ? concurrentChange(name) : err;
    }
  }

  /**
   * Appends version `after + 1`, but only while `after` is still the current version
   * (optimistic: a concurrent change makes this a Conflict, never a lost update).
   */
  async append(
    policy: PolicyRecord,
    after: number,
    fields: VersionFields,
    at: Date,
    tx?: Db,
  ): Promise<PolicyVersionRecord> {
    const db = tx ?? this.prisma.client;
    const version = after + 1;
    const { count } = await db.policy.updateMany({
      where: { id: policy.id, currentVersion: after },
      data: { currentVersion: version, deletedAt: fields.deleted ? at : null },
    });
    if (count === 0) throw concurrentChange(policy.name);
    try {
      return await db.policyVersion.create({
        data: { policyId: policy.id, version, createdAt: at, ...versionData(fields) },
        include: withAuthor,
      });
    } catch (err) {
      throw isUniqueViolation(err) ? concurrentChange(policy.name) : err;
    }
  }

  /** Every policy's current version, with the document of those that apply. */
  snapshotRows(tx?: Db): Promise<SnapshotRow[]> {
    return (tx ?? this.prisma.client).$queryRaw<SnapshotRow[]>`
      SELECT p.name, p.current_version AS version, v.document
      FROM policies p
      LEFT JOIN policy_versions v
        ON v.policy_id = p.id AND v.version = p.current_version AND p.deleted_at IS NULL
      ORDER BY p.name`;
  }

  /**
   * The sum of every policy's current version: it grows by exactly one with every change
   * (a new policy starts at 1, each change adds a version), so it tells whether the
   * snapshot a replica holds is still current.
   */
  async generation(tx?: Db): Promise<number> {
    const rows = await (tx ?? this.prisma.client).$queryRaw<Array<{ generation: bigint | null }>>`
      SELECT sum(current_version)::bigint AS generation FROM policies`;
    return Number(rows[0]?.generation ?? 0);
  }
}

function versionData(fields: VersionFields) {
  return {
    document: fields.document as Prisma.InputJsonValue,
    sourceFormat: fields.sourceFormat,
    sourceText: fields.sourceText,
    authorId: fields.authorId,
    comment: fields.comment,
    deleted: fields.deleted,
  };
}

function concurrentChange(name: string): Conflict {
  return new Conflict(
    `policy "${name}" was changed by another request at the same time; look at its versions and apply again`,
  );
}
