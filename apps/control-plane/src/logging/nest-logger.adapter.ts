// Routes Nest's own log lines through pino, so there is one log stream.
import type { LoggerService } from "@nestjs/common";
import type { Logger } from "pino";

// Start-up chatter (one line per module and route) is debug, not info.
const QUIET_CONTEXTS = new Set([
  "InstanceLoader",
  "RoutesResolver",
  "RouterExplorer",
  "NestFactory",
  "NestApplication",
]);

export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    const level = context !== undefined && QUIET_CONTEXTS.has(context) ? "debug" : "info";
    this.logger[level]({ context }, text(message));
  }

  error(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (message instanceof Error) {
      this.logger.error({ context, err: message }, message.message);
      return;
    }
    const stack = rest.length > 1 && typeof rest[0] === "string" ? rest[0] : undefined;
    this.logger.error({ context, stack }, text(message));
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.logger.warn({ context: contextOf(rest) }, text(message));
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.logger.debug({ context: contextOf(rest) }, text(message));
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.logger.trace({ context: contextOf(rest) }, text(message));
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.logger.fatal({ context: contextOf(rest) }, text(message));
  }
}

/** Nest passes the context as the last string argument. */
function contextOf(rest: unknown[]): string | undefined {
  const last = rest[rest.length - 1];
  return typeof last === "string" ? last : undefined;
}

function text(message: unknown): string {
  if (typeof message === "string") return message;
  if (message instanceof Error) return message.message;
  try {
    return JSON.stringify(message);
  } catch {
    return String(message);
  }
}
