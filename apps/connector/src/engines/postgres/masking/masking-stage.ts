// The masking stage of a Postgres session (docs/design/0007-masking.md): every
// backend message from AuthenticationOk on is parsed (DataRows lazily), and
// results are masked in flight, one row at a time, by the session's Masker.
// It runs only for sessions that open with mask rules; the others are relayed
// without parsing (output.ts).
//
// - RowDescription (simple Query), or the first DataRow of an Execute (whose
//   columns come from the Describe of its portal or statement, tracked with the
//   requests the gateway forwarded: requests.ts, prepared.ts): the columns are
//   mapped to `schema.table.column` through the catalog (only when a column rule
//   exists) and the Masker plans the result. DataRows are masked by the plan; a
//   changed row is re-encoded, an unchanged one forwarded as the same bytes.
// - CopyOutResponse in text format (COPY text or csv): planned with the COPY hint
//   for it, which gives the format and options the rows split by and, when it names
//   a table, the columns (from the catalog) that column rules apply to; without a
//   hint, or with one naming no table, fields are masked by content. Each CopyData
//   is masked. Binary COPY while rules are in force ends the session.
// - ErrorResponse, NoticeResponse (every free-text field) and NotificationResponse
//   (the payload) are masked by content (message-text.ts) and re-encoded when
//   something matched.
// - Counts per command go out as a `maskStats` item just before the bytes of the
//   CommandComplete, ErrorResponse or CopyDone that ends it (a PortalSuspended
//   keeps them for the rest of the portal); what a NoticeResponse or
//   NotificationResponse had masked goes out just before it.
// - Anything that cannot be masked for sure (a reply that does not match the
//   requests, rows whose columns were never described, a catalog failure, an
//   unreadable frame) ends the session with a SessionError: nothing unmasked
//   is forwarded after it.
//
// ready_index and copy_ordinal (the names of a COPY in a CopyHint):
//   ready_index  = how many ReadyForQuery messages the target had sent AFTER the
//                  ReadyForQuery that ended the startup, when the CopyOutResponse
//                  arrives. The first command's cycle is 0. The control plane
//                  counts the same thing ahead of time: the ReadyForQuery-producing
//                  messages (Query, Sync, FunctionCall) it forwarded before the
//                  message that runs the COPY — minus any Sync the server ignores
//                  because it arrives during COPY FROM STDIN.
//   copy_ordinal = how many CopyOutResponses came before it in the same cycle
//                  (0 for the first COPY of a cycle).
//
// Mask updates take effect at once: every RowDescription, first Execute row or
// CopyOutResponse read after the update was handed over is planned with the new
// rules. Gateway frames are handled in order, so a command forwarded after the
// update is always covered; a result already planned keeps its plan to the end.

import {
  BackendParser,
  decodeDataRowValues,
  encodeCopyData,
  encodeDataRow,
  ProtocolError,
  type BackendMessage,
  type CopyData,
  type CopyOutResponse,
  type DataRow,
  type ErrorResponse,
  type NoticeResponse,
  type NotificationResponse,
  type ReadyForQuery,
  type RowDescription,
  type RowDescriptionField,
} from "@airlock/pg-wire";
import type { CopyPlan, MaskCounts, ResultPlan } from "@airlock/masking";
import { CloseCode } from "@airlock/proto";
import { assertNever } from "../../../assert-never";
import type { Logger } from "../../../logger";
import type { OutputItem, SessionControl } from "../../engine";
import { SessionError } from "../../session-error";
import type { BackendKey } from "../output";
import type { Catalog } from "./catalog";
import { copyFormatOf, CopyHints } from "./copy-hints";
import { maskerFor, type SessionMasker } from "./masker-config";
import { OutputBuilder } from "./output-builder";
import { PreparedObjects } from "./prepared";
import { FrontendTracker, isExtended, PendingRequests, type Request } from "./requests";

/** Largest backend frame accepted while masking: a row is at most 1 GB in Postgres. */
const MAX_FRAME_BYTES = 0x40000000;

interface RowsResult {
  readonly kind: "rows";
  readonly fieldCount: number;
  readonly plan: ResultPlan | undefined;
}

type Result = RowsResult | { readonly kind: "copy"; readonly plan: CopyPlan | undefined };

export interface MaskingStageOptions {
  readonly rules: SessionMasker;
  readonly catalog: Catalog;
  /** The real BackendKeyData of the startup (for cancel). */
  readonly onKey: (key: BackendKey) => void;
  readonly log: Logger;
}

export class MaskingStage {
  private readonly parser = new BackendParser({
    lazyDataRows: true,
    maxFrameBytes: MAX_FRAME_BYTES,
  });
  private readonly requests = new PendingRequests();
  private readonly frontend = new FrontendTracker(this.requests);
  private readonly prepared = new PreparedObjects();
  private readonly hints = new CopyHints();
  private readonly catalog: Catalog;
  private readonly onKey: (key: BackendKey) => void;
  private readonly log: Logger;
  private rules: SessionMasker;
  private startupDone = false;
  private readyIndex = 0;
  private copyOrdinal = 0;
  /** The result whose rows (or COPY data) are arriving. */
  private result: Result | undefined;
  /** The target is reading COPY FROM STDIN data. */
  private copyIn = false;
  /** What the current command had masked so far. */
  private counts: MaskCounts = {};
  private failure: SessionError | undefined;

  constructor(options: MaskingStageOptions) {
    this.rules = options.rules;
    this.catalog = options.catalog;
    this.onKey = options.onKey;
    this.log = options.log;
  }

  /** Bytes the gateway is about to write to the target. Throws a SessionError. */
  observeFrontend(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    try {
      this.frontend.observe(chunk);
    } catch (err) {
      throw this.fail(err, "the client's messages could not be read");
    }
  }

  /** A mask update or COPY hint. Throws a SessionError when the session must end. */
  control(frame: SessionControl): void {
    if (this.failure) throw this.failure;
    switch (frame.$case) {
      case "maskUpdate":
        try {
          this.rules = maskerFor(frame.value);
        } catch (err) {
          throw this.fail(err, "the updated mask rules could not be applied");
        }
        this.log.info({ active: this.rules.masker.active }, "mask rules updated");
        return;
      case "copyHint":
        if (!this.hints.add(frame.value, this.readyIndex)) {
          this.log.debug(
            { readyIndex: frame.value.readyIndex, copyOrdinal: frame.value.copyOrdinal },
            "COPY hint for a cycle that is over; ignored",
          );
        }
        return;
      default:
        return assertNever(frame);
    }
  }

  /** One chunk from the target -> what to send on, in order. Throws a SessionError. */
  async process(chunk: Buffer): Promise<OutputItem[]> {
    if (this.failure) throw this.failure;
    try {
      const messages: BackendMessage[] = [];
      this.parser.parse(chunk, (message) => messages.push(message));
      const out = new OutputBuilder(chunk);
      for (const message of messages) {
        const pending = this.handle(message, out);
        if (pending) await pending;
      }
      return out.finish();
    } catch (err) {
      throw this.fail(err, "the target's reply could not be masked");
    }
  }

  close(): void {
    this.catalog.close();
  }

  private handle(message: BackendMessage, out: OutputBuilder): Promise<void> | undefined {
    if (!this.startupDone) {
      if (message.type === "backendKeyData") this.onKey(keyOf(message));
      if (message.type === "readyForQuery") this.startupDone = true;
      out.keep(message.raw);
      return undefined;
    }
    switch (message.type) {
      case "dataRow":
        return this.onDataRow(message, out);
      case "copyData":
        this.onCopyData(message, out);
        return undefined;
      case "rowDescription":
        return this.onRowDescription(message, out);
      case "copyOutResponse":
        return this.onCopyOut(message, out);
      case "commandComplete":
      case "emptyQueryResponse":
        this.onCompletion(message, out);
        return undefined;
      case "portalSuspended":
        this.expect(message, "execute");
        this.requests.shift();
        this.result = undefined;
        break;
      case "copyDone":
        if (this.result?.kind !== "copy") throw this.desync(message);
        this.flushCounts(out);
        this.result = undefined;
        break;
      case "errorResponse":
        this.onError(message, out);
        return undefined;
      case "noticeResponse":
      case "notificationResponse":
        this.onServerText(message, out);
        return undefined;
      case "readyForQuery":
        this.onReady(message);
        break;
      case "copyInResponse":
        this.expect(message, "query", "execute");
        this.copyIn = true;
        break;
      case "copyBothResponse":
        throw refuse("the target started a COPY BOTH (replication) stream, which cannot be masked");
      case "parseComplete": {
        const request = this.expect(message, "parse");
        this.prepared.parsed(request.statement);
        this.requests.shift();
        break;
      }
      case "bindComplete": {
        const request = this.expect(message, "bind");
        this.prepared.bound(request.portal, request.statement, request.resultFormats);
        this.requests.shift();
        break;
      }
      case "closeComplete": {
        const request = this.expect(message, "close");
        this.prepared.closed(request.target, request.name);
        this.requests.shift();
        break;
      }
      case "parameterDescription":
        // The first half of a statement's Describe; its RowDescription or NoData follows.
        if (this.expect(message, "describe").target !== "statement") throw this.desync(message);
        break;
      case "noData": {
        const request = this.expect(message, "describe");
        this.prepared.described(request.target, request.name, []);
        this.requests.shift();
        break;
      }
      case "functionCallResponse":
        this.expect(message, "functionCall");
        if (this.rules.masker.active && message.value !== null) {
          throw refuse(
            "a function call (the fast-path protocol) returned a value, which cannot be masked; call the function in a query instead",
          );
        }
        break;
      // Nothing to mask in these. The startup's (from backendKeyData on) are
      // never sent after it by a real server.
      case "parameterStatus":
      case "backendKeyData":
      case "negotiateProtocolVersion":
      case "sslResponse":
      case "authenticationOk":
      case "authenticationKerberosV5":
      case "authenticationCleartextPassword":
      case "authenticationMD5Password":
      case "authenticationGSS":
      case "authenticationGSSContinue":
      case "authenticationSSPI":
      case "authenticationSASL":
      case "authenticationSASLContinue":
      case "authenticationSASLFinal":
        break;
      default:
        return assertNever(message);
    }
    out.keep(message.raw);
    return undefined;
  }

  private onDataRow(message: DataRow, out: OutputBuilder): Promise<void> | undefined {
    const result = this.result;
    if (result?.kind === "rows") {
      this.maskRow(result, message, out);
      return undefined;
    }
    const request = this.requests.head();
    if (result !== undefined || request?.kind !== "execute") throw this.desync(message);
    // The first row of an Execute: its columns are those its portal was described with.
    const fields = this.prepared.rowsOf(request.portal);
    if (!fields) {
      throw refuse(
        `rows of the portal ${JSON.stringify(request.portal.slice(0, 60))} arrived, but neither it nor its statement was described (Describe), so the connector cannot tell their columns and mask them; use a driver that describes its statements`,
      );
    }
    return this.planRows(fields).then((planned) => {
      this.result = planned;
      this.maskRow(planned, message, out);
    });
  }

  private maskRow(result: RowsResult, message: DataRow, out: OutputBuilder): void {
    if (message.columnCount !== result.fieldCount) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_INTERNAL,
        `the target sent a row of ${message.columnCount} columns in a result of ${result.fieldCount}; the session was ended so that nothing is masked by the wrong column`,
      );
    }
    if (!result.plan) {
      out.keep(message.raw);
      return;
    }
    const masked = result.plan.maskRow(decodeDataRowValues(message), this.counts);
    if (masked) out.replace(encodeDataRow(masked));
    else out.keep(message.raw);
  }

  private onCopyData(message: CopyData, out: OutputBuilder): void {
    const result = this.result;
    if (result?.kind !== "copy") throw this.desync(message);
    const masked = result.plan?.maskCopyData(message.data, this.counts);
    if (masked) out.replace(encodeCopyData(masked));
    else out.keep(message.raw);
  }

  private onRowDescription(message: RowDescription, out: OutputBuilder): Promise<void> | undefined {
    const request = this.requests.head();
    if (request?.kind === "describe") {
      this.prepared.described(request.target, request.name, message.fields);
      this.requests.shift();
      out.keep(message.raw);
      return undefined;
    }
    if (request?.kind !== "query" || this.result !== undefined) throw this.desync(message);
    return this.planRows(message.fields).then((planned) => {
      this.result = planned;
      out.keep(message.raw);
    });
  }

  private async planRows(fields: readonly RowDescriptionField[]): Promise<RowsResult> {
    const { masker, needsSources } = this.rules;
    if (!masker.active) return { kind: "rows", fieldCount: fields.length, plan: undefined };
    const sources = needsSources ? await this.catalog.sources(fields) : undefined;
    const plan = masker.plan(
      fields.map((field, i) => ({
        name: field.name,
        source: sources?.[i] ?? null,
        typeOid: field.typeOid,
        format: field.format,
      })),
    );
    return { kind: "rows", fieldCount: fields.length, plan };
  }

  private onCopyOut(message: CopyOutResponse, out: OutputBuilder): Promise<void> | undefined {
    this.expect(message, "query", "execute");
    if (this.result !== undefined) throw this.desync(message);
    const hint = this.hints.take(this.readyIndex, this.copyOrdinal++);
    const { masker } = this.rules;
    if (!masker.active) {
      this.result = { kind: "copy", plan: undefined };
      out.keep(message.raw);
      return undefined;
    }
    if (message.format !== 0) {
      throw refuse(
        "binary COPY output (FORMAT binary) cannot be masked, and mask rules apply to this session; use COPY … TO STDOUT in text or csv format",
      );
    }
    const fieldCount = message.columnFormats.length;
    if (!hint || hint.table === "") {
      // Content only: without a hint (a COPY the control plane could not see, inside a
      // function say) each tab-separated part is scanned as it is, still escaped; with a
      // hint that names no table (COPY (query), a table of uncertain schema) the fields
      // are split by the hint's format and options.
      const format = hint ? copyFormatOf(hint) : undefined;
      this.result = { kind: "copy", plan: masker.planCopy(undefined, fieldCount, format) };
      out.keep(message.raw);
      return undefined;
    }
    const planned = async (): Promise<void> => {
      const format = copyFormatOf(hint);
      const columns = await this.catalog.copyColumns(hint, fieldCount);
      // A CSV (or text) HEADER row is the first CopyData: the plan passes it through
      // unmasked and uncounted, and checks field counts only on the rows after it.
      this.result = { kind: "copy", plan: masker.planCopy(columns, fieldCount, format) };
      out.keep(message.raw);
    };
    return planned();
  }

  private onCompletion(message: BackendMessage, out: OutputBuilder): void {
    const request = this.expect(message, "query", "execute");
    if (this.copyIn) {
      this.copyIn = false;
      if (!this.requests.endCopyIn("done")) throw this.desync(message);
    }
    if (request.kind === "execute") this.requests.shift();
    this.result = undefined;
    this.flushCounts(out);
    out.keep(message.raw);
  }

  private onError(message: ErrorResponse, out: OutputBuilder): void {
    this.result = undefined;
    const request = this.requests.head();
    if (this.copyIn) {
      this.copyIn = false;
      this.requests.endCopyIn("failed");
    }
    // The server now skips the rest of the batch, up to its Sync.
    if (request && isExtended(request)) this.requests.discardUntilSync();
    // Its text is counted with the command it ends.
    const masked = this.rules.messages?.errorOrNotice(message, this.counts);
    this.flushCounts(out);
    if (masked) out.replace(masked);
    else out.keep(message.raw);
  }

  /**
   * A NoticeResponse or NotificationResponse: its text masked by content. What it masked
   * goes out at once, just before it, with whatever the command had counted so far: the
   * control plane adds it to the command in flight (a notice may come while idle, and a
   * notification after the CommandComplete, where no other stats would carry it).
   */
  private onServerText(message: NoticeResponse | NotificationResponse, out: OutputBuilder): void {
    const texts = this.rules.messages;
    const masked =
      texts === undefined
        ? undefined
        : message.type === "noticeResponse"
          ? texts.errorOrNotice(message, this.counts)
          : texts.notification(message, this.counts);
    if (!masked) {
      out.keep(message.raw);
      return;
    }
    this.flushCounts(out);
    out.replace(masked);
  }

  private onReady(message: ReadyForQuery): void {
    const request = this.expect(message, "sync", "query", "functionCall");
    this.requests.shift();
    if (request.kind === "query") this.prepared.queryDone();
    if (message.status === "I") this.prepared.transactionDone();
    this.result = undefined;
    this.copyIn = false;
    this.readyIndex++;
    this.copyOrdinal = 0;
    this.hints.dropBefore(this.readyIndex);
  }

  private flushCounts(out: OutputBuilder): void {
    if (Object.keys(this.counts).length === 0) return;
    out.stats(this.counts);
    this.counts = {};
  }

  /** The request the message answers, which must be one of `kinds`. */
  private expect<K extends Request["kind"]>(
    message: BackendMessage,
    ...kinds: K[]
  ): Extract<Request, { kind: K }> {
    const request = this.requests.head();
    if (request && (kinds as string[]).includes(request.kind)) {
      return request as Extract<Request, { kind: K }>;
    }
    throw this.desync(message);
  }

  private desync(message: BackendMessage): SessionError {
    const request = this.requests.head();
    return new SessionError(
      CloseCode.CLOSE_CODE_INTERNAL,
      `the target sent ${message.type} while the connector expected the reply to ${request ? request.kind : "no request"}, so it can no longer tell which result the rows belong to; the session was ended so that nothing unmasked is forwarded`,
    );
  }

  /** Remembers the first failure (every later call throws it) as a SessionError. */
  private fail(err: unknown, what: string): SessionError {
    if (!this.failure) {
      this.failure = asSessionError(err, what);
      this.log.warn({ reason: this.failure.message }, "masking failed; ending the session");
    }
    return this.failure;
  }
}

function refuse(what: string): SessionError {
  return new SessionError(
    CloseCode.CLOSE_CODE_PERMISSION_DENIED,
    `${what}; the session was ended so that nothing unmasked is forwarded`,
  );
}

function asSessionError(err: unknown, what: string): SessionError {
  if (err instanceof SessionError) return err;
  if (err instanceof ProtocolError) {
    return new SessionError(
      CloseCode.CLOSE_CODE_UNAVAILABLE,
      `${what} (${err.message}); the session was ended so that nothing unmasked is forwarded`,
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new SessionError(
    CloseCode.CLOSE_CODE_INTERNAL,
    `${what} (${detail}); the session was ended so that nothing unmasked is forwarded`,
  );
}

function keyOf(message: Extract<BackendMessage, { type: "backendKeyData" }>): BackendKey {
  // Copy: the message is a view of a chunk the client side may hold on to.
  const secretKey =
    message.secretKeyBytes.length === 4 ? message.secretKey : Buffer.from(message.secretKeyBytes);
  return { processId: message.processId, secretKey };
}
