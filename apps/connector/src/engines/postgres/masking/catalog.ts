// Which table column each result column is, as `schema.table.column`: the names
// column rules match. A RowDescription gives (table OID, attribute number); the
// names come from the target's catalog, read on a side connection opened on
// first need and cached for the session. A table OID (or attribute) not in the
// cache makes it read again, once per result; one still unknown after that
// ends the session (fail closed: a column rule might have applied).
//
// A COPY hint names its table and columns instead; those are looked up each time.

import type { RowDescriptionField } from "@airlock/pg-wire";
import type { ResultColumn } from "@airlock/masking";
import { CloseCode, type CopyHint } from "@airlock/proto";
import { SessionError } from "../../session-error";

export interface CatalogAttribute {
  readonly tableOid: number;
  readonly attnum: number;
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

export interface TableColumn {
  readonly name: string;
  readonly typeOid: number;
}

/** Where the catalog is read (the side connection; a fake in unit tests). */
export interface CatalogSource {
  /** The live columns (attnum > 0, not dropped) of these relations. */
  attributes(tableOids: readonly number[]): Promise<CatalogAttribute[]>;
  /** The live columns of `schema.table` in attnum order; empty when there is no such relation. */
  tableColumns(schema: string, table: string): Promise<TableColumn[]>;
  close(): void;
}

export class Catalog {
  private source: Promise<CatalogSource> | undefined;
  private closed = false;
  /** table OID -> attnum -> `schema.table.column`. */
  private readonly tables = new Map<number, Map<number, string>>();

  constructor(private readonly open: () => Promise<CatalogSource>) {}

  /** The `schema.table.column` of each field; null for expressions and system columns. */
  async sources(fields: readonly RowDescriptionField[]): Promise<(string | null)[]> {
    const missing = new Set<number>();
    for (const field of fields) {
      if (isTableColumn(field) && !this.lookup(field)) missing.add(field.tableOid);
    }
    if (missing.size > 0) await this.refresh([...missing]);
    return fields.map((field, i) => {
      if (!isTableColumn(field)) return null;
      const source = this.lookup(field);
      if (source !== undefined) return source;
      throw new SessionError(
        CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        `column ${i + 1} (${JSON.stringify(field.name)}) of a result comes from relation OID ${field.tableOid}, which the target's catalog does not show to other connections (created in a transaction that has not committed?), so the connector cannot tell whether a mask rule applies; the session was ended. Commit the DDL before reading from the new relation`,
      );
    });
  }

  /** The columns a hinted COPY sends, in order. */
  async copyColumns(hint: CopyHint, fieldCount: number): Promise<ResultColumn[]> {
    const dot = hint.table.indexOf(".");
    if (dot <= 0 || dot === hint.table.length - 1) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_INTERNAL,
        `the control plane's COPY hint names the table ${JSON.stringify(hint.table.slice(0, 200))}, not schema.table; the session was ended`,
      );
    }
    const schema = hint.table.slice(0, dot);
    const table = hint.table.slice(dot + 1);
    const columns = await (await this.connect()).tableColumns(schema, table);
    if (columns.length === 0) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_PERMISSION_DENIED,
        `a COPY reads ${JSON.stringify(hint.table)}, which the target's catalog does not show, so the connector cannot tell which mask rules apply to its columns; the session was ended`,
      );
    }
    const selected =
      hint.columns.length === 0
        ? columns
        : hint.columns.map((name) => {
            const column = columns.find((c) => c.name === name);
            if (column) return column;
            throw new SessionError(
              CloseCode.CLOSE_CODE_PERMISSION_DENIED,
              `a COPY of ${JSON.stringify(hint.table)} names the column ${JSON.stringify(name)}, which the target's catalog does not show; the session was ended`,
            );
          });
    if (selected.length !== fieldCount) {
      throw new SessionError(
        CloseCode.CLOSE_CODE_INTERNAL,
        `the COPY hint for ${JSON.stringify(hint.table)} names ${selected.length} columns but the target's COPY sends ${fieldCount}; the session was ended so that nothing is masked by the wrong column`,
      );
    }
    return selected.map((c) => ({
      name: c.name,
      source: `${schema}.${table}.${c.name}`,
      typeOid: c.typeOid,
      format: 0,
    }));
  }

  /** Closes the side connection (if it was opened). Safe to call twice. */
  close(): void {
    this.closed = true;
    this.source?.then(
      (source) => source.close(),
      () => undefined,
    );
  }

  private lookup(field: RowDescriptionField): string | undefined {
    return this.tables.get(field.tableOid)?.get(field.columnAttr);
  }

  private async refresh(tableOids: readonly number[]): Promise<void> {
    for (const oid of tableOids) {
      if (!Number.isInteger(oid) || oid <= 0 || oid > 0xffffffff) {
        throw new SessionError(
          CloseCode.CLOSE_CODE_UNAVAILABLE,
          `the target described a column of relation OID ${oid}, which is not an OID`,
        );
      }
    }
    const rows = await (await this.connect()).attributes(tableOids);
    for (const oid of tableOids) this.tables.delete(oid);
    for (const row of rows) {
      let columns = this.tables.get(row.tableOid);
      if (!columns) this.tables.set(row.tableOid, (columns = new Map<number, string>()));
      columns.set(row.attnum, `${row.schema}.${row.table}.${row.column}`);
    }
  }

  private connect(): Promise<CatalogSource> {
    if (this.closed) {
      return Promise.reject(
        new SessionError(CloseCode.CLOSE_CODE_NORMAL, "the session is closing"),
      );
    }
    if (!this.source) {
      const opening = this.open();
      this.source = opening;
      // A failed open is not cached: fail this result (closed), and the session with it.
      opening.catch(() => {
        if (this.source === opening) this.source = undefined;
      });
    }
    return this.source;
  }
}

/** A column of a table or view (system columns have attnum < 0, expressions table OID 0). */
function isTableColumn(field: RowDescriptionField): boolean {
  return field.tableOid !== 0 && field.columnAttr > 0;
}
