// /api/v1/identity: who the caller is, and what a login with given claims would produce.
// Its own module because it joins identity with the policies in force (the policies
// module already depends on identity).
import { Body, Controller, Get, HttpCode, Inject, Post } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { policiesForSubject, approvableBy } from "@airlock/policy-core";
import { APP_CONFIG } from "../config/config.tokens";
import type { AppConfig } from "../config/config.types";
import { ConnectionsService } from "../connections/connections.service";
import { AnyRole, CurrentPrincipal, ExportScope, Roles } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { TestMappingBody, TestMappingResult, WhoAmI } from "../identity/identity.schemas";
import { IdentityService } from "../identity/identity.service";
import { PolicyDecisions } from "../policies/policy-decisions";
import { DocAuthenticated, DocBody, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";

@ApiTags("identity")
@DocAuthenticated()
@Controller("api/v1/identity")
export class IdentityViewController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly identity: IdentityService,
    private readonly policies: PolicyDecisions,
    private readonly connections: ConnectionsService,
  ) {}

  @Get("whoami")
  @AnyRole()
  @ExportScope()
  @DocResponse(200, WhoAmI)
  async whoami(@CurrentPrincipal() caller: Principal): Promise<WhoAmI> {
    const facts = await this.identity.facts(caller);
    const documents = this.policies.current().policies;
    const subject = { user: facts.user.name, groups: facts.groups, kind: facts.user.kind };
    return {
      ...facts,
      approves: approvableBy(documents, facts.groups),
      policies: policiesForSubject(documents, subject).map((p) => p.name),
    };
  }

  /** Runs the group mapping and policy matching on sample claims; logs nobody in. */
  @Post("test-mapping")
  @HttpCode(200)
  @Roles("admin")
  @DocBody(TestMappingBody)
  @DocResponse(200, TestMappingResult)
  async testMapping(
    @Body(new ZodPipe(TestMappingBody)) body: TestMappingBody,
  ): Promise<TestMappingResult> {
    const mapped = this.identity.mapClaims(body.claims);
    const connection =
      body.connection === undefined ? undefined : await this.connections.get(body.connection);
    const documents = this.policies.current().policies;
    const subject = { user: mapped.name ?? "", groups: mapped.groups, kind: "human" as const };
    const existing = mapped.name === null ? null : await this.identity.findSubject(mapped.name);
    let problem: string | null = null;
    if (mapped.name === null) problem = "the claims hold no usable user name";
    else if (existing?.disabled === true) problem = `the Airlock user ${mapped.name} is disabled`;
    else if (existing !== null && existing.kind !== "human")
      problem = `the name ${mapped.name} belongs to a service account`;
    return {
      user: { name: mapped.name, nameClaim: mapped.nameClaim, email: mapped.email, kind: "human" },
      idpGroups: mapped.idpGroups,
      groups: mapped.groups,
      matches: mapped.matches,
      role: mapped.role,
      policies: policiesForSubject(
        documents,
        subject,
        connection === undefined ? undefined : { name: connection.name, tags: connection.tags },
      ),
      approves: approvableBy(documents, mapped.groups),
      mapping: {
        source: this.config.identityMapping.source,
        groupsClaim: this.config.oidc?.groupsClaim ?? "groups",
        usernameClaim: this.config.oidc?.usernameClaim ?? "preferred_username",
      },
      problem,
    };
  }
}
