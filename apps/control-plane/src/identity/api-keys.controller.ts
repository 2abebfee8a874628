import { Body, Controller, Delete, Get, HttpCode, Param, Post } from "@nestjs/common";
import { ApiResponse, ApiTags } from "@nestjs/swagger";
import { DocAuthenticated, DocBody, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { ApiKeyIdParam, ApiKeyList, CreateApiKeyBody, CreatedApiKey } from "./api-key.schemas";
import { ApiKeysService } from "./api-keys.service";
import { AnyRole, CurrentPrincipal } from "./auth/auth.decorators";
import type { Principal } from "./auth/principal";

@ApiTags("api-keys")
@DocAuthenticated()
@AnyRole()
@Controller("api/v1/api-keys")
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Your keys; admins see every key. */
  @Get()
  @DocResponse(200, ApiKeyList)
  async list(@CurrentPrincipal() caller: Principal): Promise<ApiKeyList> {
    return { items: await this.apiKeys.list(caller) };
  }

  /** Creates a key; the response holds the whole key, shown this once. Admins may set `user`. */
  @Post()
  @DocBody(CreateApiKeyBody)
  @DocResponse(201, CreatedApiKey)
  create(
    @CurrentPrincipal() caller: Principal,
    @Body(new ZodPipe(CreateApiKeyBody)) body: CreateApiKeyBody,
  ): Promise<CreatedApiKey> {
    return this.apiKeys.create(caller, body);
  }

  /**
   * Rotates a key (yours, or any key for admins): a new key with the same holder, name,
   * connections and expiry, shown this once; the old key is revoked.
   */
  @Post(":id/rotate")
  @DocResponse(201, CreatedApiKey)
  @ApiResponse({ status: 409, description: "conflict: the key is revoked or expired" })
  rotate(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(ApiKeyIdParam)) id: string,
  ): Promise<CreatedApiKey> {
    return this.apiKeys.rotate(caller, id);
  }

  /** Revokes a key (yours, or any key for admins). */
  @Delete(":id")
  @HttpCode(204)
  @DocResponse(204)
  async revoke(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(ApiKeyIdParam)) id: string,
  ): Promise<void> {
    await this.apiKeys.revoke(caller, id);
  }
}
