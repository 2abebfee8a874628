// At every OIDC login the user is created or updated from the ID token's claims: linked by
// the IdP's issuer and subject (never by name alone), their IdP groups replaced (an admin's
// stay), their role from the mapping. docs/design/0009-oidc-login.md.
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { APP_CONFIG, ROOT_LOGGER } from "../../config/config.tokens";
import type { AppConfig } from "../../config/config.types";
import { PrismaService } from "../../db/prisma.service";
import { mapIdentity, type MappedIdentity, roleFor } from "../mapping/identity-mapping";
import { UserRepository, type UserRecord as User } from "../user.repository";

/** A login that Airlock refuses after the IdP accepted it; the message is for the person. */
export class LoginRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoginRefused";
  }
}

export interface ProvisionedUser {
  user: User;
  mapped: MappedIdentity;
  created: boolean;
}

@Injectable()
export class UserProvisioning {
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly prisma: PrismaService,
    private readonly users: UserRepository,
  ) {
    this.logger = root.child({ component: "oidc" });
  }

  /** Maps claims as a login would (also used by test-mapping, which stores nothing). */
  map(claims: Record<string, unknown>): MappedIdentity {
    const oidc = this.config.oidc;
    return mapIdentity(
      this.config.identityMapping,
      {
        groupsClaim: oidc?.groupsClaim ?? "groups",
        usernameClaim: oidc?.usernameClaim ?? "preferred_username",
      },
      claims,
    );
  }

  async provision(issuer: string, claims: Record<string, unknown>): Promise<ProvisionedUser> {
    const subject = claims["sub"];
    if (typeof subject !== "string" || subject === "")
      throw new LoginRefused("the ID token has no subject (sub)");
    const mapped = this.map(claims);
    if (mapped.name === null) {
      throw new LoginRefused(
        `the ID token has no usable user name: none of ${this.config.oidc?.usernameClaim ?? "preferred_username"}, email or sub is 1 to 128 letters, digits, '.', '_', '@', '+' or '-'`,
      );
    }
    const name = mapped.name;
    const now = new Date();
    const result = await this.prisma.transaction(async (tx) => {
      const linked = await this.users.findByIdp(issuer, subject, tx);
      if (linked !== null && linked.disabledAt !== null)
        throw new LoginRefused(`the Airlock user ${linked.name} is disabled; ask an Airlock admin`);
      if (linked === null || linked.name !== name) {
        const holder = await this.users.findByName(name, tx);
        if (holder !== null && holder.id !== linked?.id) {
          throw new LoginRefused(
            `the user name ${name} is already used by another Airlock identity; ask an Airlock admin to rename or remove it`,
          );
        }
      }
      let user: User;
      let created = false;
      if (linked === null) {
        user = await this.users.create(
          {
            name,
            role: mapped.role,
            kind: "human",
            displayName: mapped.displayName,
            idpIssuer: issuer,
            idpSubject: subject,
            email: mapped.email,
            lastLoginAt: now,
          },
          tx,
        );
        created = true;
      } else {
        user = await this.users.update(
          linked.id,
          {
            name,
            role: mapped.role,
            displayName: mapped.displayName,
            email: mapped.email,
            lastLoginAt: now,
          },
          tx,
        );
      }
      await this.users.replaceGroups(user.id, mapped.groups, tx, "idp");
      // The role counts the groups an admin gave too (an IdP without a groups claim, such
      // as Google, gets its roles that way).
      const role = roleFor(this.config.identityMapping, await this.users.groupNames(user.id, tx));
      if (role !== user.role) user = await this.users.setRole(user.id, role, tx);
      return { user, created };
    });
    this.logger.info(
      { user: name, created: result.created, groups: mapped.groups, role: mapped.role },
      "OIDC user provisioned",
    );
    return { ...result, mapped };
  }
}
