import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from "@nestjs/common";
import { ApiConsumes, ApiResponse, ApiTags } from "@nestjs/swagger";
import { CurrentPrincipal, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocBody, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { InvalidInput } from "../errors/domain-errors";
import { PoliciesService } from "./policies.service";
import { policySourceFromBody, YAML_CONTENT_TYPES } from "./policy-body";
import { PolicySimulator } from "./policy-simulator";
import {
  ApplyPolicyJsonBody,
  ApplyResult,
  PolicyDetail,
  PolicyGetQuery,
  PolicyList,
  PolicyNameParam,
  PolicyPutQuery,
  PolicyVersionList,
  SimulateBody,
  SimulationResult,
} from "./policy.schemas";

@ApiTags("policies")
@DocAuthenticated()
@Roles("admin", "auditor")
@Controller("api/v1/policies")
export class PoliciesController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly simulator: PolicySimulator,
  ) {}

  /** The policies in force (deleted ones are left out), by name. */
  @Get()
  @DocResponse(200, PolicyList)
  async list(): Promise<PolicyList> {
    return { items: await this.policies.list() };
  }

  /**
   * Decides on a command with the policies in force, as the gateway would, without
   * running it: for `user` (their groups and kind) or an explicit `groups` set, on
   * `connection` (its tags).
   */
  @Post("simulate")
  @HttpCode(200)
  @DocBody(SimulateBody)
  @DocResponse(200, SimulationResult)
  simulate(@Body(new ZodPipe(SimulateBody)) body: SimulateBody): Promise<SimulationResult> {
    return this.simulator.simulate(body);
  }

  /** The current version's document and source, or `?version=N` for an older one. */
  @Get(":name")
  @DocQuery(PolicyGetQuery)
  @DocResponse(200, PolicyDetail)
  get(
    @Param("name", new ZodPipe(PolicyNameParam)) name: string,
    @Query(new ZodPipe(PolicyGetQuery)) query: PolicyGetQuery,
  ): Promise<PolicyDetail> {
    return this.policies.get(name, query.version);
  }

  /** Every version with its author and time, oldest first (also of a deleted policy). */
  @Get(":name/versions")
  @DocResponse(200, PolicyVersionList)
  versions(@Param("name", new ZodPipe(PolicyNameParam)) name: string): Promise<PolicyVersionList> {
    return this.policies.versions(name);
  }

  /**
   * Creates or changes a policy: the body is the document as YAML text (Content-Type
   * application/yaml or text/yaml) or JSON `{document, comment?}`. A document equal to
   * the current version stores nothing (`changed: false`).
   */
  @Put(":name")
  @Roles("admin")
  @ApiConsumes("application/json", ...YAML_CONTENT_TYPES)
  @DocBody(ApplyPolicyJsonBody)
  @DocQuery(PolicyPutQuery)
  @DocResponse(200, ApplyResult)
  @ApiResponse({ status: 409, description: "conflict: changed by another request meanwhile" })
  apply(
    @CurrentPrincipal() caller: Principal,
    @Param("name", new ZodPipe(PolicyNameParam)) name: string,
    @Query(new ZodPipe(PolicyPutQuery)) query: PolicyPutQuery,
    @Body() body: unknown,
  ): Promise<ApplyResult> {
    if (body === undefined) {
      throw new InvalidInput(
        "body: send the policy as YAML (Content-Type: application/yaml) " +
          "or as JSON {document} (Content-Type: application/json)",
      );
    }
    return this.policies.apply(caller, name, policySourceFromBody(body), {
      ...(query.comment === undefined ? {} : { comment: query.comment }),
      ...(query.dryRun === undefined ? {} : { dryRun: query.dryRun }),
    });
  }

  /** Writes a version marking the policy deleted: it stops applying; its history stays. */
  @Delete(":name")
  @Roles("admin")
  @HttpCode(204)
  @DocResponse(204)
  async delete(
    @CurrentPrincipal() caller: Principal,
    @Param("name", new ZodPipe(PolicyNameParam)) name: string,
  ): Promise<void> {
    await this.policies.delete(caller, name);
  }
}
