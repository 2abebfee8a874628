// Reads a YAML request body (Content-Type application/yaml, text/yaml…) as UTF-8 text
// into `req.body`, for PUT /policies/:name. The JSON body parser leaves such requests
// unread. Bounded: a body over MAX_YAML_BODY_BYTES is refused before it is buffered whole.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Injectable, type NestMiddleware } from "@nestjs/common";
import { InvalidInput } from "../errors/domain-errors";
import { isYamlContentType } from "./policy-body";

export const MAX_YAML_BODY_BYTES = 1_048_576;

type RequestWithBody = IncomingMessage & { body?: unknown };

@Injectable()
export class YamlBodyMiddleware implements NestMiddleware<RequestWithBody, ServerResponse> {
  use(req: RequestWithBody, _res: ServerResponse, next: (error?: unknown) => void): void {
    if (!isYamlContentType(req.headers["content-type"]) || typeof req.body === "string") {
      next();
      return;
    }
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(req.headers["content-type"] ?? "")?.[2];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      next(new InvalidInput(`body: charset ${charset} is not supported; send UTF-8`));
      return;
    }
    readText(req, MAX_YAML_BODY_BYTES).then(
      (text) => {
        req.body = text;
        next();
      },
      (err: unknown) => next(err),
    );
  }
}

function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
  });
}

function tooLarge(limit: number): InvalidInput {
  return new InvalidInput(`body: is too large (at most ${limit / 1_048_576} MiB)`);
}
