// A MaskingStage with a real Masker and an in-memory catalog, fed bytes the way
// the connection feeds it: what the gateway writes, then the target's chunks.

import { BackendParser, type BackendMessage } from "@airlock/pg-wire";
import type { CopyHint } from "@airlock/proto";
import type { OutputItem } from "../../../src/engines/engine";
import { createLogger } from "../../../src/logger";
import type { BackendKey } from "../../../src/engines/postgres/output";
import {
  Catalog,
  type CatalogAttribute,
  type CatalogSource,
  type TableColumn,
} from "../../../src/engines/postgres/masking/catalog";
import { maskerFor } from "../../../src/engines/postgres/masking/masker-config";
import { MaskingStage } from "../../../src/engines/postgres/masking/masking-stage";
import { SessionError } from "../../../src/engines/session-error";
import { INT4, startup, TEXT } from "./wire";

export interface Rule {
  readonly columns?: string[];
  readonly detect?: string[];
  readonly strategy: string;
}

export const HASH_KEY = Buffer.alloc(32, 7);

export function config(rules: readonly Rule[]): {
  rules: { columns: string[]; detect: string[]; strategy: string }[];
  hashKey: Buffer;
} {
  return {
    rules: rules.map((r) => ({
      columns: r.columns ?? [],
      detect: r.detect ?? [],
      strategy: r.strategy,
    })),
    hashKey: HASH_KEY,
  };
}

export interface FakeTable {
  readonly oid: number;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly TableColumn[];
}

export const CUSTOMERS: FakeTable = {
  oid: 16400,
  schema: "public",
  table: "customers",
  columns: [
    { name: "id", typeOid: INT4 },
    { name: "email", typeOid: TEXT },
    { name: "note", typeOid: TEXT },
  ],
};

/** The target's catalog, in memory; records what was asked. */
export class FakeCatalog implements CatalogSource {
  readonly attributeCalls: number[][] = [];
  readonly tableCalls: string[] = [];
  opened = 0;
  closed = false;

  constructor(readonly tables: FakeTable[] = [CUSTOMERS]) {}

  async attributes(tableOids: readonly number[]): Promise<CatalogAttribute[]> {
    this.attributeCalls.push([...tableOids]);
    return this.tables
      .filter((t) => tableOids.includes(t.oid))
      .flatMap((t) =>
        t.columns.map((c, i) => ({
          tableOid: t.oid,
          attnum: i + 1,
          schema: t.schema,
          table: t.table,
          column: c.name,
        })),
      );
  }

  async tableColumns(schema: string, table: string): Promise<TableColumn[]> {
    this.tableCalls.push(`${schema}.${table}`);
    return [...(this.tables.find((t) => t.schema === schema && t.table === table)?.columns ?? [])];
  }

  close(): void {
    this.closed = true;
  }
}

/** A hint for the first COPY of cycle 0, text format with its defaults ("" = default). */
export const NO_OPTIONS: CopyHint = {
  readyIndex: 0,
  copyOrdinal: 0,
  table: "",
  columns: [],
  format: "text",
  delimiter: "",
  nullString: "",
  quote: "",
  escape: "",
  header: false,
};

export interface Harness {
  readonly stage: MaskingStage;
  readonly catalog: FakeCatalog;
  readonly keys: BackendKey[];
  /** What the gateway writes to the target. */
  send(...frames: Buffer[]): void;
  /** The target's chunks -> the stage's items. */
  receive(...chunks: Buffer[]): Promise<OutputItem[]>;
  hint(hint: Partial<CopyHint> & Pick<CopyHint, "table">): void;
  update(rules: readonly Rule[]): void;
}

export function harness(rules: readonly Rule[], catalog = new FakeCatalog()): Harness {
  const keys: BackendKey[] = [];
  const stage = new MaskingStage({
    rules: maskerFor(config(rules)),
    catalog: new Catalog(async () => {
      catalog.opened++;
      return catalog;
    }),
    onKey: (key) => keys.push(key),
    log: createLogger("silent"),
  });
  return {
    stage,
    catalog,
    keys,
    send: (...frames) => stage.observeFrontend(Buffer.concat(frames)),
    async receive(...chunks) {
      const items: OutputItem[] = [];
      for (const chunk of chunks) items.push(...(await stage.process(Buffer.from(chunk))));
      return items;
    },
    hint: (hint) =>
      stage.control({
        $case: "copyHint",
        value: { ...NO_OPTIONS, ...hint },
      }),
    update: (next) => stage.control({ $case: "maskUpdate", value: config(next) }),
  };
}

/** Bytes and stats, adjacent bytes merged: the same whatever the chunking. */
export type Flow = (Buffer | { maskStats: Record<string, number> })[];

export function flow(items: readonly OutputItem[]): Flow {
  const out: Flow = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (Buffer.isBuffer(item)) {
      if (Buffer.isBuffer(last)) out[out.length - 1] = Buffer.concat([last, item]);
      else out.push(Buffer.from(item));
    } else {
      out.push({ maskStats: { ...item.maskStats } });
    }
  }
  return out;
}

/** The bytes of the items (stats left out). */
export function bytesOf(items: readonly OutputItem[]): Buffer {
  return Buffer.concat(items.filter((i): i is Buffer => Buffer.isBuffer(i)));
}

export function messagesOf(bytes: Buffer): BackendMessage[] {
  const messages: BackendMessage[] = [];
  new BackendParser().parse(bytes, (m) => messages.push(m));
  return messages;
}

/** A harness past the startup (which must pass unchanged). */
export async function started(rules: readonly Rule[], catalog?: FakeCatalog): Promise<Harness> {
  const h = harness(rules, catalog);
  const out = await h.receive(startup());
  if (!bytesOf(out).equals(startup())) throw new Error("the startup did not pass unchanged");
  return h;
}

/** The SessionError the promise fails with (an error if it does not). */
export async function failure(promise: Promise<unknown>): Promise<SessionError> {
  const err = await promise.then(
    () => {
      throw new Error("expected the stage to end the session");
    },
    (e: unknown) => e,
  );
  if (!(err instanceof SessionError)) throw err;
  return err;
}
