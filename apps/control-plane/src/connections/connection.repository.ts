import { Injectable } from "@nestjs/common";
import { type Db, PrismaService } from "../db/prisma.service";
import { isUniqueViolation } from "../db/prisma-errors";
import { Conflict } from "../errors/domain-errors";
import type { Connection, CredentialSource } from "../generated/prisma/client";
import { isUuid } from "../validation/common.schemas";

export type ConnectionRecord = Connection & { connector: { id: string; name: string } };

/** The credential columns, always written together. */
export interface CredentialColumns {
  credentialSource: CredentialSource;
  credentialCiphertext: Buffer | null;
  credentialEnvRef: string | null;
}

export interface ConnectionFields {
  name: string;
  type: "postgres";
  connectorId: string;
  host: string;
  port: number;
  database: string | null;
  username: string | null;
  tags: Record<string, string>;
  /** The engine settings as stored (see connection-options.ts). */
  options: Record<string, string>;
}

const withConnector = { connector: { select: { id: true, name: true } } } as const;

@Injectable()
export class ConnectionRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(tx?: Db): Promise<ConnectionRecord[]> {
    return (tx ?? this.prisma.client).connection.findMany({
      include: withConnector,
      orderBy: { name: "asc" },
    });
  }

  findById(id: string, tx?: Db): Promise<ConnectionRecord | null> {
    return (tx ?? this.prisma.client).connection.findUnique({
      where: { id },
      include: withConnector,
    });
  }

  /** By id when the value is a UUID (falling back to the name), else by name. */
  async findByIdOrName(idOrName: string, tx?: Db): Promise<ConnectionRecord | null> {
    const db = tx ?? this.prisma.client;
    if (isUuid(idOrName)) {
      const byId = await db.connection.findUnique({
        where: { id: idOrName.toLowerCase() },
        include: withConnector,
      });
      if (byId !== null) return byId;
    }
    return db.connection.findUnique({ where: { name: idOrName }, include: withConnector });
  }

  async create(
    id: string,
    fields: ConnectionFields,
    credential: CredentialColumns,
    tx?: Db,
  ): Promise<ConnectionRecord> {
    try {
      return await (tx ?? this.prisma.client).connection.create({
        data: { id, ...fields, ...toPrismaCredential(credential) },
        include: withConnector,
      });
    } catch (err) {
      throw nameTaken(err, fields.name);
    }
  }

  async update(
    id: string,
    fields: Partial<ConnectionFields>,
    credential: CredentialColumns | undefined,
    tx?: Db,
  ): Promise<ConnectionRecord> {
    try {
      return await (tx ?? this.prisma.client).connection.update({
        where: { id },
        data: { ...fields, ...(credential === undefined ? {} : toPrismaCredential(credential)) },
        include: withConnector,
      });
    } catch (err) {
      throw nameTaken(err, fields.name ?? "");
    }
  }

  async delete(id: string, tx?: Db): Promise<boolean> {
    const { count } = await (tx ?? this.prisma.client).connection.deleteMany({ where: { id } });
    return count > 0;
  }
}

function toPrismaCredential(c: CredentialColumns): {
  credentialSource: CredentialSource;
  credentialCiphertext: Uint8Array<ArrayBuffer> | null;
  credentialEnvRef: string | null;
} {
  return {
    credentialSource: c.credentialSource,
    credentialCiphertext:
      c.credentialCiphertext === null ? null : new Uint8Array(c.credentialCiphertext),
    credentialEnvRef: c.credentialEnvRef,
  };
}

function nameTaken(err: unknown, name: string): unknown {
  return isUniqueViolation(err) ? new Conflict(`a connection named "${name}" already exists`) : err;
}
