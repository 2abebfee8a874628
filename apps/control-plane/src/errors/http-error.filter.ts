// The ONE exception filter: every error leaving an HTTP route becomes
// `{ "error": { "code", "message", "field"? } }` with the status of its code.
// Unknown failures answer a generic 500; their detail goes to the log only.
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
} from "@nestjs/common";
import type { Logger } from "pino";
import { ROOT_LOGGER } from "../config/config.tokens";
import { DomainError, type ErrorCode, type InputIssue, InvalidInput } from "./domain-errors";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; issues?: readonly InputIssue[] };
}

interface HttpRequestLike {
  method: string;
  path?: string;
  url: string;
}

interface HttpResponseLike {
  headersSent: boolean;
  status(code: number): HttpResponseLike;
  json(body: unknown): unknown;
  end(): unknown;
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(@Inject(ROOT_LOGGER) root: Logger) {
    this.logger = root.child({ component: "http" });
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequestLike>();
    const response = http.getResponse<HttpResponseLike>();
    const body = this.toBody(exception, request);
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(HTTP_STATUS[body.error.code]).json(body);
  }

  private toBody(exception: unknown, request: HttpRequestLike): ErrorBody {
    if (exception instanceof DomainError) {
      const field = exception instanceof InvalidInput ? exception.field : undefined;
      const body = errorBody(exception.code, exception.message, field);
      if (exception instanceof InvalidInput && exception.issues !== undefined)
        body.error.issues = exception.issues;
      return body;
    }
    if (exception instanceof HttpException) return this.fromHttpException(exception, request);
    const parserError = fromBodyParser(exception);
    if (parserError) return parserError;
    this.logger.error(
      { err: exception, method: request.method, path: pathOf(request) },
      "unhandled error in HTTP route",
    );
    return errorBody("internal", "internal error; the control plane log has the details");
  }

  private fromHttpException(exception: HttpException, request: HttpRequestLike): ErrorBody {
    // Express adapter errors (body parser, bad URL encoding) arrive wrapped.
    const wrapped = fromBodyParser(exception.cause);
    if (wrapped) return wrapped;
    if (exception.cause instanceof URIError)
      return errorBody("invalid_input", "path: invalid percent-encoding");
    const status = exception.getStatus();
    switch (status) {
      case 400:
        return errorBody("invalid_input", exception.message);
      case 401:
        return errorBody("unauthenticated", exception.message);
      case 403:
        return errorBody("permission_denied", exception.message);
      case 404:
        return errorBody(
          "not_found",
          `no route ${request.method} ${pathOf(request)}; the API is described at /api/docs`,
        );
      case 405:
        return errorBody("not_found", `${request.method} is not supported on ${pathOf(request)}`);
      case 409:
        return errorBody("conflict", exception.message);
      case 413:
        return errorBody("invalid_input", "request body is too large");
      case 503:
        return errorBody("unavailable", exception.message);
      default:
        if (status >= 400 && status < 500) return errorBody("invalid_input", exception.message);
        this.logger.error(
          { err: exception, status, method: request.method, path: pathOf(request) },
          "HTTP exception",
        );
        return errorBody("internal", "internal error; the control plane log has the details");
    }
  }
}

/** Errors thrown by Express's body parser (bad JSON, too large, bad charset). */
function fromBodyParser(exception: unknown): ErrorBody | undefined {
  if (typeof exception !== "object" || exception === null) return undefined;
  const { type, status } = exception as { type?: unknown; status?: unknown };
  if (typeof type !== "string" || typeof status !== "number") return undefined;
  switch (type) {
    case "entity.parse.failed":
      return errorBody("invalid_input", "body: is not valid JSON");
    case "entity.too.large":
      return errorBody("invalid_input", "body: is too large");
    default:
      return status >= 400 && status < 500
        ? errorBody("invalid_input", `body: cannot be read (${type})`)
        : undefined;
  }
}

function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/** The path without the query string (which is never logged or echoed). */
function pathOf(request: HttpRequestLike): string {
  return request.path ?? request.url.split("?")[0] ?? "/";
}
