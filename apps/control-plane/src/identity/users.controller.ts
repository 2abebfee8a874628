import { Body, Controller, Get, Param, Patch, Post } from "@nestjs/common";
import { ApiResponse, ApiTags } from "@nestjs/swagger";
import { DocAuthenticated, DocBody, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import { CurrentPrincipal, Roles } from "./auth/auth.decorators";
import type { Principal } from "./auth/principal";
import { CreateUserBody, UpdateUserBody, UserList, UserNameParam, UserView } from "./user.schemas";
import { UsersService } from "./users.service";

@ApiTags("users")
@DocAuthenticated()
@Roles("admin", "auditor")
@Controller("api/v1/users")
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Every user with their groups, by name. */
  @Get()
  @DocResponse(200, UserList)
  async list(): Promise<UserList> {
    return { items: await this.users.list() };
  }

  /** Creates a user (role `user`, kind `human` unless given); groups are created on demand. */
  @Post()
  @Roles("admin")
  @DocBody(CreateUserBody)
  @DocResponse(201, UserView)
  @ApiResponse({ status: 409, description: "conflict: the name is taken" })
  create(
    @CurrentPrincipal() caller: Principal,
    @Body(new ZodPipe(CreateUserBody)) body: CreateUserBody,
  ): Promise<UserView> {
    return this.users.create(caller, body);
  }

  @Get(":name")
  @DocResponse(200, UserView)
  get(@Param("name", new ZodPipe(UserNameParam)) name: string): Promise<UserView> {
    return this.users.get(name);
  }

  /**
   * Changes a user's role, groups (the whole set), display name or disabled state. A
   * disabled user's API keys stop authenticating. Admins cannot demote or disable themselves.
   */
  @Patch(":name")
  @Roles("admin")
  @DocBody(UpdateUserBody)
  @DocResponse(200, UserView)
  @ApiResponse({ status: 409, description: "conflict: it would leave no enabled admin" })
  update(
    @CurrentPrincipal() caller: Principal,
    @Param("name", new ZodPipe(UserNameParam)) name: string,
    @Body(new ZodPipe(UpdateUserBody)) body: UpdateUserBody,
  ): Promise<UserView> {
    return this.users.update(caller, name, body);
  }
}
