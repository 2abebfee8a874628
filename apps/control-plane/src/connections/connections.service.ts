// Connections: the REST resource, and (for sessions, issue 3) the target spec with
// the decrypted credential. The connection id is chosen here, before the insert,
// because it is the ciphertext's additional authenticated data.
import { randomUUID } from "node:crypto";
import type { Credential, TargetSpec } from "@airlock/proto";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../audit/audit.service";
import { APP_CONFIG, ROOT_LOGGER } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { ConnectorsFacade, type ConnectorRef } from "../connectors/connectors.facade";
import { InvalidInput, NotFound, Unavailable } from "../errors/domain-errors";
import { auditActor, type Principal } from "../identity/auth/principal";
import { decryptCredential, encryptCredential } from "../security/credential-cipher";
import {
  type ConnectionFields,
  type ConnectionRecord,
  ConnectionRepository,
  type CredentialColumns,
} from "./connection.repository";
import type {
  ConnectionView,
  CreateConnectionBody,
  CredentialInput,
  UpdateConnectionBody,
} from "./connection.schemas";
import { changedData, createdData } from "./connection-audit";
import { DEFAULT_OPTIONS, mergeOptions, optionsOf, storedOptions } from "./connection-options";
import { toConnectionView } from "./connection.view";
import { toTargetSpec } from "./target-spec";

@Injectable()
export class ConnectionsService {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly connections: ConnectionRepository,
    private readonly connectors: ConnectorsFacade,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "connections" });
  }

  async list(): Promise<ConnectionView[]> {
    return (await this.connections.list()).map(toConnectionView);
  }

  async get(idOrName: string): Promise<ConnectionView> {
    return toConnectionView(await this.find(idOrName));
  }

  async create(caller: Principal, input: CreateConnectionBody): Promise<ConnectionView> {
    const connector = await this.connector(input.connector);
    const id = randomUUID();
    const fields: ConnectionFields = {
      name: input.name,
      type: input.type,
      connectorId: connector.id,
      host: input.host,
      port: input.port,
      database: input.database ?? null,
      username: input.username ?? null,
      tags: input.tags ?? {},
      options: storedOptions(mergeOptions(DEFAULT_OPTIONS, input.options ?? {})),
    };
    const row = await this.connections.create(
      id,
      fields,
      this.credentialColumns(id, input.credential),
    );
    this.logger.info({ connection: row.name, connector: connector.name }, "connection created");
    const view = toConnectionView(row);
    await this.audit.record({
      code: "connection.created",
      outcome: "created",
      ...auditActor(caller),
      connectionName: row.name,
      connectorName: row.connector.name,
      data: createdData(view),
    });
    return view;
  }

  async update(
    caller: Principal,
    idOrName: string,
    patch: UpdateConnectionBody,
  ): Promise<ConnectionView> {
    const existing = await this.find(idOrName);
    const fields: Partial<ConnectionFields> = {};
    if (patch.name !== undefined) fields.name = patch.name;
    if (patch.type !== undefined) fields.type = patch.type;
    if (patch.connector !== undefined)
      fields.connectorId = (await this.connector(patch.connector)).id;
    if (patch.host !== undefined) fields.host = patch.host;
    if (patch.port !== undefined) fields.port = patch.port;
    if (patch.database !== undefined) fields.database = patch.database;
    if (patch.username !== undefined) fields.username = patch.username;
    if (patch.tags !== undefined) fields.tags = patch.tags;
    if (patch.options !== undefined)
      fields.options = storedOptions(mergeOptions(optionsOf(existing.options), patch.options));
    const credential =
      patch.credential === undefined
        ? undefined
        : this.credentialColumns(existing.id, patch.credential);
    const row = await this.connections.update(existing.id, fields, credential);
    this.logger.info({ connection: row.name, changed: Object.keys(patch) }, "connection updated");
    const view = toConnectionView(row);
    const { changed, data } = changedData(
      toConnectionView(existing),
      view,
      patch.credential !== undefined,
    );
    if (changed.length > 0) {
      await this.audit.record({
        code: "connection.changed",
        outcome: "changed",
        ...auditActor(caller),
        connectionName: row.name,
        connectorName: row.connector.name,
        data,
      });
    }
    return view;
  }

  async delete(caller: Principal, idOrName: string): Promise<void> {
    const existing = await this.find(idOrName);
    if (!(await this.connections.delete(existing.id))) return;
    this.logger.info({ connection: existing.name }, "connection deleted");
    await this.audit.record({
      code: "connection.deleted",
      outcome: "deleted",
      ...auditActor(caller),
      connectionName: existing.name,
      connectorName: existing.connector.name,
      data: { id: existing.id },
    });
  }

  /**
   * What the connector needs to reach the target, the stored password decrypted.
   * Only for the open_session instruction over the tunnel; never log or return it.
   */
  async resolveTargetSpec(connectionId: string): Promise<TargetSpec> {
    const row = await this.connections.findById(connectionId);
    if (row === null) throw new NotFound(`no connection with id ${connectionId}`);
    return toTargetSpec(row, this.credentialOf(row));
  }

  private credentialOf(row: ConnectionRecord): Credential {
    switch (row.credentialSource) {
      case "none":
        return { source: { $case: "none", value: {} } };
      case "connector_env":
        if (row.credentialEnvRef === null)
          throw this.broken(row, "has no environment variable name");
        return { source: { $case: "envRef", value: row.credentialEnvRef } };
      case "stored": {
        if (row.credentialCiphertext === null) throw this.broken(row, "has no stored password");
        try {
          return {
            source: {
              $case: "password",
              value: decryptCredential(this.config.masterKey, row.credentialCiphertext, row.id),
            },
          };
        } catch {
          throw new Unavailable(
            `the stored password of connection "${row.name}" cannot be decrypted with the current AIRLOCK_MASTER_KEY ` +
              "(or it was copied from another connection); start the control plane with the key it was stored under, " +
              "or store the password again (PATCH credential)",
          );
        }
      }
    }
  }

  private broken(row: ConnectionRecord, what: string): Unavailable {
    return new Unavailable(
      `connection "${row.name}" ${what}; set its credential again (PATCH credential)`,
    );
  }

  private credentialColumns(
    connectionId: string,
    input: CredentialInput | undefined,
  ): CredentialColumns {
    const credential = input ?? { source: "none" };
    switch (credential.source) {
      case "none":
        return { credentialSource: "none", credentialCiphertext: null, credentialEnvRef: null };
      case "stored":
        return {
          credentialSource: "stored",
          credentialCiphertext: encryptCredential(
            this.config.masterKey,
            credential.password,
            connectionId,
          ),
          credentialEnvRef: null,
        };
      case "connector_env":
        return {
          credentialSource: "connector_env",
          credentialCiphertext: null,
          credentialEnvRef: credential.envRef,
        };
    }
  }

  private async connector(idOrName: string): Promise<ConnectorRef> {
    const connector = await this.connectors.find(idOrName);
    if (connector === null) {
      throw new InvalidInput(
        `body.connector: no connector "${idOrName}"; create it with POST /api/v1/connectors or list them with GET /api/v1/connectors`,
        "connector",
      );
    }
    return connector;
  }

  private async find(idOrName: string): Promise<ConnectionRecord> {
    const row = await this.connections.findByIdOrName(idOrName);
    if (row === null)
      throw new NotFound(`no connection "${idOrName}"; list them with GET /api/v1/connections`);
    return row;
  }
}
