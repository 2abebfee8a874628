// Prints the one closing line CI reads, after the default reporter's output:
//   tests: N passed, N failed[, N skipped]
// A test file that fails outside any test (import error, failing beforeAll) and an
// unhandled error each count as one failure, so a run can never read "0 failed" while
// vitest itself exits non-zero.
import type { Reporter, SerializedError, TestModule, Vitest } from "vitest/node";

export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export function countResults(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const testModule of testModules) {
    let failedTests = 0;
    for (const test of testModule.children.allTests()) {
      const { state } = test.result();
      switch (state) {
        case "passed":
          counts.passed += 1;
          break;
        case "failed":
          counts.failed += 1;
          failedTests += 1;
          break;
        case "skipped":
        case "pending":
          counts.skipped += 1;
          break;
        default:
          return assertNever(state);
      }
    }
    if (failedTests === 0 && testModule.state() === "failed") counts.failed += 1;
  }
  counts.failed += unhandledErrors.length;
  return counts;
}

export function formatSummary(counts: RunCounts): string {
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : "";
  return `tests: ${counts.passed} passed, ${counts.failed} failed${skipped}`;
}

function assertNever(value: never): never {
  throw new Error(`unexpected test state: ${String(value)}`);
}

export default class SummaryReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const line = formatSummary(countResults(testModules, unhandledErrors));
    if (this.vitest) this.vitest.logger.log(line);
    else process.stdout.write(`${line}\n`);
  }
}
