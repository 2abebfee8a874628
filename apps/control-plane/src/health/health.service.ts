// Readiness: can this replica reach what it needs to serve requests right now?
import { Injectable } from "@nestjs/common";
import { RedisService } from "../redis/redis.service";
import { HealthRepository } from "./health.repository";

const CHECK_TIMEOUT_MS = 1500;

export type CheckResult = "ok" | "failed";

export interface Readiness {
  ready: boolean;
  checks: { postgres: CheckResult; redis: CheckResult };
  /** What failed, in words safe to show (never a DSN). */
  problems: string[];
}

@Injectable()
export class HealthService {
  constructor(
    private readonly repository: HealthRepository,
    private readonly redis: RedisService,
  ) {}

  async readiness(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([
      probe(() => this.repository.selectOne()),
      probe(() => this.redis.ping(CHECK_TIMEOUT_MS)),
    ]);
    const problems: string[] = [];
    if (postgres !== "ok") problems.push(`postgres: ${postgres}`);
    if (redis !== "ok") problems.push(`redis: ${redis}`);
    return {
      ready: problems.length === 0,
      checks: {
        postgres: postgres === "ok" ? "ok" : "failed",
        redis: redis === "ok" ? "ok" : "failed",
      },
      problems,
    };
  }
}

/** "ok", or a short reason. Driver messages are not passed on: they can carry hosts and users. */
async function probe(check: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => "ok"), timeout]);
  } catch {
    return "not reachable";
  } finally {
    clearTimeout(timer);
  }
}
