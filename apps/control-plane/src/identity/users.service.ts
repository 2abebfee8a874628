// Users and their groups, managed by admins until an identity provider syncs them.
// An admin cannot demote or disable themselves, and no change may leave the
// installation without an enabled admin. A service account has a human owner,
// accountable for it; a human has none. Each change is audited (user.created, user.changed).
import { fieldDiff } from "../audit/field-diff";
import { Inject, Injectable } from "@nestjs/common";
import type { Logger } from "pino";
import { AuditService } from "../audit/audit.service";
import { ROOT_LOGGER } from "../config/config.tokens";
import { type DbTx, PrismaService } from "../db/prisma.service";
import { Conflict, InvalidInput, NotFound, PermissionDenied } from "../errors/domain-errors";
import { auditActor, type Principal, type UserKind } from "./auth/principal";
import { type UserChanges, UserRepository, type UserWithGroups } from "./user.repository";
import type { CreateUserBody, UpdateUserBody, UserView } from "./user.schemas";
import { toUserView } from "./user.view";

@Injectable()
export class UsersService {
  private readonly logger: Logger;

  constructor(
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly prisma: PrismaService,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
  ) {
    this.logger = root.child({ component: "users" });
  }

  async list(): Promise<UserView[]> {
    return (await this.users.listWithGroups()).map(toUserView);
  }

  async get(name: string): Promise<UserView> {
    return toUserView(await this.find(name));
  }

  /** Creates the user with their groups (groups that do not exist yet are created). */
  async create(caller: Principal, input: CreateUserBody): Promise<UserView> {
    const ownerId = await this.ownerFor(input.kind, input.owner);
    const row = await this.prisma.transaction(async (tx) => {
      const user = await this.users.create(
        {
          name: input.name,
          role: input.role,
          kind: input.kind,
          displayName: input.displayName ?? null,
          ownerId,
        },
        tx,
      );
      await this.users.replaceGroups(user.id, input.groups, tx);
      return this.reload(user.id, tx);
    });
    this.logger.info(
      { user: row.name, role: row.role, kind: row.kind, groups: input.groups, by: caller.userName },
      "user created",
    );
    const view = toUserView(row);
    await this.audit.record({
      code: "user.created",
      outcome: "created",
      ...auditActor(caller),
      data: { id: view.id, name: view.name, ...auditedFields(view) },
    });
    return view;
  }

  /** Changes the given fields; `groups` replaces the whole set. */
  async update(caller: Principal, name: string, input: UpdateUserBody): Promise<UserView> {
    const target = await this.find(name);
    if (target.id === caller.userId) refuseSelfLockout(input);
    const ownerId =
      input.owner === undefined ? undefined : await this.ownerFor(target.kind, input.owner);
    const row = await this.prisma.transaction(async (tx) => {
      const changes = await this.changesFor(target.id, input, tx);
      if (ownerId !== undefined && ownerId !== null) changes.ownerId = ownerId;
      if (Object.keys(changes).length > 0) await this.users.update(target.id, changes, tx);
      if (input.groups !== undefined) await this.users.replaceGroups(target.id, input.groups, tx);
      return this.reload(target.id, tx);
    });
    this.logger.info(
      { user: row.name, changed: Object.keys(input), by: caller.userName },
      "user changed",
    );
    const view = toUserView(row);
    const change = fieldDiff(auditedFields(toUserView(target)), auditedFields(view));
    if (change.changed.length > 0) {
      await this.audit.record({
        code: "user.changed",
        outcome: "changed",
        ...auditActor(caller),
        data: { id: view.id, name: view.name, ...change },
      });
    }
    return view;
  }

  /**
   * The column changes for `input`. A demotion or disabling of an enabled admin takes the
   * admins lock and re-reads the user first, so two admins demoting each other at once
   * cannot leave no admin.
   */
  private async changesFor(id: string, input: UpdateUserBody, tx: DbTx): Promise<UserChanges> {
    const changes: UserChanges = {};
    if (input.displayName !== undefined) changes.displayName = input.displayName;
    if (input.role === undefined && input.disabled === undefined) return changes;

    await this.users.lockAdmins(tx);
    const user = await this.users.findById(id, tx);
    if (user === null) throw new NotFound(`no user with id ${id}; it was deleted meanwhile`);
    if (input.role !== undefined) changes.role = input.role;
    if (input.disabled !== undefined)
      changes.disabledAt = input.disabled ? (user.disabledAt ?? new Date()) : null;

    const wasActiveAdmin = user.role === "admin" && user.disabledAt === null;
    const staysActiveAdmin = (changes.role ?? user.role) === "admin" && !input.disabled;
    if (
      wasActiveAdmin &&
      !staysActiveAdmin &&
      (await this.users.countEnabledAdmins(id, tx)) === 0
    ) {
      throw new Conflict(
        `user "${user.name}" is the last enabled admin; make another user admin first`,
      );
    }
    return changes;
  }

  /**
   * The owner's id for a user of `kind`: a service account needs an existing human owner,
   * a human may not have one (null).
   */
  private async ownerFor(kind: UserKind, ownerName: string | undefined): Promise<string | null> {
    if (kind === "human") {
      if (ownerName === undefined) return null;
      throw new InvalidInput(
        "body.owner: only service accounts have an owner; leave out `owner` for a human user",
        "owner",
      );
    }
    if (ownerName === undefined) {
      throw new InvalidInput(
        "body.owner: a service account needs an owner: the name of the human user " +
          'accountable for it (e.g. "owner": "alice")',
        "owner",
      );
    }
    const owner = await this.users.findByName(ownerName);
    if (owner === null) {
      throw new InvalidInput(
        `body.owner: no user named "${ownerName}"; list users with GET /api/v1/users`,
        "owner",
      );
    }
    if (owner.kind !== "human") {
      throw new InvalidInput(
        `body.owner: "${ownerName}" is a service account; the owner must be a human user`,
        "owner",
      );
    }
    return owner.id;
  }

  private async find(name: string): Promise<UserWithGroups> {
    const user = await this.users.findByNameWithGroups(name);
    if (user === null) throw userNotFound(name);
    return user;
  }

  private async reload(id: string, tx: DbTx): Promise<UserWithGroups> {
    const user = await this.users.findByIdWithGroups(id, tx);
    if (user === null) throw new NotFound(`no user with id ${id}; it was deleted meanwhile`);
    return user;
  }
}

/** A user's settings as audit events show them; `disabled` reads "disabled" or "enabled". */
function auditedFields(view: UserView): Record<string, unknown> {
  return {
    displayName: view.displayName,
    kind: view.kind,
    role: view.role,
    owner: view.owner?.name ?? null,
    groups: view.groups,
    disabled: view.disabledAt === null ? "enabled" : "disabled",
  };
}

function userNotFound(name: string): NotFound {
  return new NotFound(`no user named "${name}"; list users with GET /api/v1/users`);
}

/** An admin may not take away their own admin role or access. */
function refuseSelfLockout(input: UpdateUserBody): void {
  if (input.role !== undefined && input.role !== "admin") {
    throw new PermissionDenied(
      `you cannot change your own role to ${input.role}: another admin must do it, ` +
        "so that the installation always keeps an admin",
    );
  }
  if (input.disabled === true) {
    throw new PermissionDenied(
      "you cannot disable yourself: another admin must do it, " +
        "so that the installation always keeps an admin",
    );
  }
}
