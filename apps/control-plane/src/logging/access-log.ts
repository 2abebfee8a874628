// One log line per HTTP request: method, path (never the query string), status,
// duration, and who (when authenticated). Never headers or bodies.
import type { Logger } from "pino";

interface Req {
  method: string;
  path: string;
  principal?: { userName: string };
}
interface Res {
  statusCode: number;
  on(event: "finish", listener: () => void): unknown;
}

const QUIET_PATHS = new Set(["/healthz", "/readyz"]);

export function accessLog(root: Logger): (req: Req, res: Res, next: () => void) => void {
  const logger = root.child({ component: "http" });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        user: req.principal?.userName,
      };
      if (QUIET_PATHS.has(req.path)) logger.debug(entry, "request");
      else logger.info(entry, "request");
    });
    next();
  };
}
