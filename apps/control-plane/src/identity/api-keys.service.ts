// API keys: list, create, revoke. Non-admins see and manage only their own keys.
import { Injectable } from "@nestjs/common";
import { InvalidInput, NotFound, PermissionDenied } from "../errors/domain-errors";
import { issueToken } from "../security/secret-token";
import { ApiKeyRepository } from "./api-key.repository";
import type { ApiKeyView, CreateApiKeyBody, CreatedApiKey } from "./api-key.schemas";
import { toApiKeyView } from "./api-key.view";
import type { Principal } from "./auth/principal";
import { UserRepository } from "./user.repository";

const DAY_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly users: UserRepository,
  ) {}

  async list(caller: Principal): Promise<ApiKeyView[]> {
    const rows = await this.keys.list(caller.role === "admin" ? null : caller.userId);
    return rows.map(toApiKeyView);
  }

  async create(caller: Principal, input: CreateApiKeyBody): Promise<CreatedApiKey> {
    const userId = await this.resolveHolder(caller, input.user);
    const issued = issueToken("key");
    const expiresAt =
      input.expiresInDays === undefined
        ? null
        : new Date(Date.now() + input.expiresInDays * DAY_MS);
    const row = await this.keys.create({
      userId,
      name: input.name,
      prefix: issued.prefix,
      secretHash: issued.secretHash,
      expiresAt,
    });
    return { apiKey: toApiKeyView(row), key: issued.token };
  }

  /** Revokes a key (idempotent). Someone else's key is reported as not found to non-admins. */
  async revoke(caller: Principal, id: string): Promise<ApiKeyView> {
    const row = await this.keys.findById(id);
    if (row === null || (caller.role !== "admin" && row.userId !== caller.userId)) {
      throw new NotFound(`no API key with id ${id}; list yours with GET /api/v1/api-keys`);
    }
    const revoked = await this.keys.revoke(id, new Date());
    if (revoked === null)
      throw new NotFound(`no API key with id ${id}; list yours with GET /api/v1/api-keys`);
    return toApiKeyView(revoked);
  }

  private async resolveHolder(caller: Principal, userName: string | undefined): Promise<string> {
    if (userName === undefined || userName === caller.userName) return caller.userId;
    if (caller.role !== "admin") {
      throw new PermissionDenied(
        "only admins may create API keys for other users; leave out `user`",
      );
    }
    const user = await this.users.findByName(userName);
    if (user === null) throw new InvalidInput(`body.user: no user named "${userName}"`, "user");
    return user.id;
  }
}
