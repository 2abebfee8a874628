// POST /policies/simulate: what the gateway would decide on a command, without running
// it. The subject is a user (their groups and kind, from the store) or an explicit set
// of groups; the connection's tags come from the store. Decided by the same facade the
// gateway uses, with the policies in force on this replica.
import { Injectable } from "@nestjs/common";
import type { Subject } from "@airlock/policy-core";
import { ConnectionsService } from "../connections/connections.service";
import { InvalidInput, NotFound } from "../errors/domain-errors";
import { IdentityService } from "../identity/identity.service";
import { PolicyDecisions } from "./policy-decisions";
import type { SimulateBody, SimulationResult } from "./policy.schemas";

@Injectable()
export class PolicySimulator {
  constructor(
    private readonly decisions: PolicyDecisions,
    private readonly identity: IdentityService,
    private readonly connections: ConnectionsService,
  ) {}

  async simulate(body: SimulateBody): Promise<SimulationResult> {
    const subject = await this.subject(body);
    const connection = await this.connection(body.connection);
    const decision = this.decisions.decide(subject, connection, body.command, body.searchPath);
    const { action, matchedRuleIds, reasons, review, mask, facts } = decision;
    return {
      decision: {
        action,
        matchedRuleIds,
        reasons,
        ...(review === undefined ? {} : { review }),
        mask,
      },
      facts,
      policies: [...this.decisions.current().names],
      subject,
      connection,
      policyVersion: this.decisions.version,
    };
  }

  private async subject(body: SimulateBody): Promise<Subject> {
    if (body.user === undefined) {
      if (body.groups === undefined) {
        throw new InvalidInput(
          "body: give `user` (a user's name: their groups are used) or `groups` (a list of group names)",
          "user",
        );
      }
      return { user: "", groups: uniqueSorted(body.groups) };
    }
    const user = await this.identity.findSubject(body.user);
    if (user === null) {
      throw new InvalidInput(
        `body.user: no user "${body.user}"; give an existing user's name, or \`groups\` instead`,
        "user",
      );
    }
    return { user: user.name, groups: uniqueSorted(body.groups ?? user.groups), kind: user.kind };
  }

  private async connection(name: string): Promise<{ name: string; tags: Record<string, string> }> {
    try {
      const connection = await this.connections.get(name);
      return { name: connection.name, tags: connection.tags };
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      throw new InvalidInput(
        `body.connection: no connection "${name}"; list them with GET /api/v1/connections`,
        "connection",
      );
    }
  }
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
