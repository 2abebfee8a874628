import { Body, Controller, Get, HttpCode, Param, Post, Query } from "@nestjs/common";
import { ApiTags } from "@nestjs/swagger";
import { AnyRole, CurrentPrincipal } from "../identity/auth/auth.decorators";
import type { Principal } from "../identity/auth/principal";
import { DocAuthenticated, DocBody, DocQuery, DocResponse } from "../validation/api-docs";
import { ZodPipe } from "../validation/zod.pipe";
import {
  ApproveBody,
  RejectBody,
  ReviewDetail,
  ReviewIdParam,
  ReviewList,
  ReviewListQuery,
  ReviewView,
} from "./approval.schemas";
import { ReviewsService } from "./reviews.service";

@ApiTags("reviews")
@DocAuthenticated()
@AnyRole()
@Controller("api/v1/reviews")
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  /** `scope=to-approve` (default): pending reviews you may vote on; `mine`; `all` (admin, auditor). */
  @Get()
  @DocQuery(ReviewListQuery)
  @DocResponse(200, ReviewList)
  async list(
    @CurrentPrincipal() caller: Principal,
    @Query(new ZodPipe(ReviewListQuery)) query: ReviewListQuery,
  ): Promise<ReviewList> {
    return { items: await this.reviews.list(caller, query) };
  }

  /** One review with its votes and audit trail (requester, its approvers, admin, auditor). */
  @Get(":id")
  @DocResponse(200, ReviewDetail)
  get(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(ReviewIdParam)) id: string,
  ): Promise<ReviewDetail> {
    return this.reviews.get(caller, id);
  }

  /** Approves (a member of the approver groups; `breakGlass` with a reason for break-glass groups). */
  @Post(":id/approve")
  @HttpCode(200)
  @DocBody(ApproveBody)
  @DocResponse(200, ReviewView)
  approve(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(ReviewIdParam)) id: string,
    @Body(new ZodPipe(ApproveBody)) body: ApproveBody,
  ): Promise<ReviewView> {
    return this.reviews.approve(caller, id, body);
  }

  /** Rejects, with a reason; a reject is final. */
  @Post(":id/reject")
  @HttpCode(200)
  @DocBody(RejectBody)
  @DocResponse(200, ReviewView)
  reject(
    @CurrentPrincipal() caller: Principal,
    @Param("id", new ZodPipe(ReviewIdParam)) id: string,
    @Body(new ZodPipe(RejectBody)) body: RejectBody,
  ): Promise<ReviewView> {
    return this.reviews.reject(caller, id, body);
  }
}
