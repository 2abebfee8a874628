import { Controller, Get, Res } from "@nestjs/common";
import { ApiExcludeController } from "@nestjs/swagger";
import { Public } from "../identity/auth/auth.decorators";
import { HealthService, type Readiness } from "./health.service";

interface StatusResponse {
  status(code: number): unknown;
}

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: 200 while the process runs. */
  @Get("healthz")
  live(): { status: "ok" } {
    return { status: "ok" };
  }

  /** Readiness: 200 when Postgres and Redis answer, else 503 naming what failed. */
  @Get("readyz")
  async ready(@Res({ passthrough: true }) res: StatusResponse): Promise<object> {
    const readiness: Readiness = await this.health.readiness();
    if (readiness.ready) return { status: "ready", checks: readiness.checks };
    res.status(503);
    return {
      status: "not_ready",
      checks: readiness.checks,
      error: { code: "unavailable", message: readiness.problems.join("; ") },
    };
  }
}
