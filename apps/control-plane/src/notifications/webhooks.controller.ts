import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from "@nestjs/common";
import { ApiResponse, ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocBody, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryList,
  DeliveryListQuery,
  DeliveryView,
  WebhookList,
  WebhookParam,
} from "./webhook.schemas";
import { WebhooksService } from "./webhooks.service";

@ApiTags("webhooks")
@DocAuthenticated()
@Roles("admin")
@Controller("api/v1/webhooks")
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @DocResponse(200, WebhookList)
  async list(): Promise<WebhookList> {
    return { items: await this.webhooks.list() };
  }

  /** Deliveries, newest first. Declared before `:name` routes; "deliveries" is no webhook name. */
  @Get("deliveries")
  @DocQuery(DeliveryListQuery)
  @DocResponse(200, DeliveryList)
  async deliveries(
    @Query(new ZodPipe(DeliveryListQuery)) query: DeliveryListQuery,
  ): Promise<DeliveryList> {
    return { items: await this.webhooks.listDeliveries(query) };
  }

  /** Creates a webhook; the response holds its signing secret, shown this once. */
  @Post()
  @DocBody(CreateWebhookBody)
  @DocResponse(201, CreatedWebhook)
  @ApiResponse({ status: 409, description: "conflict: the name is taken" })
  create(
    @CurrentPrincipal() caller: Principal,
    @Body(new ZodPipe(CreateWebhookBody)) body: CreateWebhookBody,
  ): Promise<CreatedWebhook> {
    return this.webhooks.create(caller, body);
  }

  /** Deletes a webhook and its deliveries. */
  @Delete(":name")
  @HttpCode(204)
  @DocResponse(204)
  async delete(
    @CurrentPrincipal() caller: Principal,
    @Param("name", new ZodPipe(WebhookParam)) name: string,
  ): Promise<void> {
    await this.webhooks.delete(caller, name);
  }

  /** Queues a `webhook.test` delivery to this webhook; follow it in GET deliveries. */
  @Post(":name/test")
  @HttpCode(202)
  @DocResponse(202, DeliveryView, "queued")
  test(@Param("name", new ZodPipe(WebhookParam)) name: string): Promise<DeliveryView> {
    return this.webhooks.test(name);
  }
}
