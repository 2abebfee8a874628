import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ParseResult } from "libpg-query";

// The one place that touches the WASM Postgres parser. loadSqlParser() runs once at
// boot (the only I/O in policy-core: reading the .wasm file); after that every call is
// synchronous.
//
// Why not libpg-query's own parseSync: when a statement is nested deeply enough (3,000
// nested subqueries, or `1+1+…` 100,000 times), the parser's recursion overflows V8's
// stack inside WASM. The RangeError unwinds past the C code, leaving Emscripten's stack
// pointer where it was and the parse's memory context (~1 MB) allocated. After a few
// hundred such statements the module reads out of bounds or runs out of memory and
// every later parse fails or crashes the process. So we create our own module instances
// (through Emscripten's instantiateWasm hook, to reach the stack-pointer exports), put
// the stack pointer back after any failure, and replace an instance that failed that way
// with a fresh standby (leaked memory goes with the old one). While no instance is
// ready, parsing throws and every statement is denied (fail closed).

export type { ParseResult };

/** The Emscripten module libpg-query builds (the functions its own wrapper calls). */
interface PgQueryModule {
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(queryPtr: number): number;
  _wasm_free_parse_result(resultPtr: number): void;
  _wasm_normalize_query(queryPtr: number): number;
  _wasm_fingerprint(queryPtr: number): number;
  _wasm_free_string(ptr: number): void;
  getValue(ptr: number, type: "i32"): number;
  UTF8ToString(ptr: number): string;
  stringToUTF8(str: string, ptr: number, maxBytes: number): void;
  lengthBytesUTF8(str: string): number;
}

type PgQueryFactory = (options: {
  print: (text: string) => void;
  printErr: (text: string) => void;
  instantiateWasm: (imports: object, receive: (instance: object) => void) => object;
}) => Promise<PgQueryModule>;

// The factory ships untyped inside libpg-query (wasm/libpg-query.js, CommonJS).
const load = createRequire(__filename);
const GLUE = "libpg-query/wasm/libpg-query.js";
const WASM = "libpg-query/wasm/libpg-query.wasm";

/** A syntax error reported by the parser (the instance stays healthy). */
export class SqlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SqlSyntaxError";
  }
}

/** The part of the WebAssembly global we use (Node's types for it are not in @types/node 20). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Instance {
  module: PgQueryModule;
  stackPointer: () => number;
  restoreStackPointer: (sp: number) => void;
}

/** The compiled module and the (minified) names of its stack-pointer exports. */
let compiled: { wasm: object; getName: string; restoreName: string } | undefined;
let active: Instance | undefined;
let standby: Instance | undefined;
let refilling = false;
let replacements = 0;

/** Load the Postgres parser (WASM). Call once at boot, before inspectSql or evaluate. */
export async function loadSqlParser(): Promise<void> {
  if (active !== undefined) return;
  compiled ??= await compile();
  active = await createInstance(compiled);
  standby = await createInstance(compiled);
}

export function isParserLoaded(): boolean {
  return active !== undefined;
}

/** How many parser instances were replaced after a failure (for metrics and tests). */
export function parserReplacements(): number {
  return replacements;
}

export function parseSql(sql: string): ParseResult {
  const json = call(sql, (m, ptr) => {
    const result = m._wasm_parse_query_raw(ptr);
    if (result === 0) throw new Error("the parser could not allocate memory");
    try {
      const tree = m.getValue(result, "i32");
      const error = m.getValue(result + 8, "i32");
      if (error !== 0) {
        const messagePtr = m.getValue(error, "i32");
        throw new SqlSyntaxError(messagePtr === 0 ? "syntax error" : m.UTF8ToString(messagePtr));
      }
      return tree === 0 ? '{"stmts":[]}' : m.UTF8ToString(tree);
    } finally {
      m._wasm_free_parse_result(result);
    }
  });
  // Outside call(): a JSON nesting overflow here leaves the WASM instance healthy.
  return JSON.parse(json) as ParseResult;
}

// normalize and fingerprint return either their result or the parser's error message,
// in the same string. Error messages are recognised by their wording; one that slipped
// through would only ever be a cache key no stored decision has (errors are not cached).
const ERROR_TEXT =
  /^(syntax error|deparse error|ERROR|memory exhausted|unterminated |invalid |zero-length |trailing junk|unsafe use|stack depth)| at or near "/;

/** The text with every literal replaced by `$n` (comments and layout kept). */
export function normalizeSql(sql: string): string {
  return call(sql, (m, ptr) => stringResult(m, m._wasm_normalize_query(ptr), ERROR_TEXT));
}

/** libpg_query's fingerprint (see DecisionCache for why it is not our cache key). */
export function fingerprintSql(sql: string): string {
  return call(sql, (m, ptr) => stringResult(m, m._wasm_fingerprint(ptr), /^(?![0-9a-f]{16}$)/));
}

function stringResult(m: PgQueryModule, ptr: number, isError: RegExp): string {
  if (ptr === 0) throw new Error("the parser could not allocate memory");
  try {
    const text = m.UTF8ToString(ptr);
    if (isError.test(text)) throw new SqlSyntaxError(text);
    return text;
  } finally {
    m._wasm_free_string(ptr);
  }
}

/** Run `body` on the active instance with `sql` copied in; recover from crashes. */
function call<T>(sql: string, body: (m: PgQueryModule, sqlPtr: number) => T): T {
  const instance = active;
  if (instance === undefined) {
    throw new Error(
      refilling
        ? "the SQL parser is restarting after a failure"
        : "the SQL parser is not loaded (call loadSqlParser() at boot)",
    );
  }
  const m = instance.module;
  const sp = instance.stackPointer();
  let ptr = 0;
  try {
    const size = m.lengthBytesUTF8(sql) + 1;
    ptr = m._malloc(size);
    if (ptr === 0) throw new Error("the parser could not allocate memory");
    m.stringToUTF8(sql, ptr, size);
    return body(m, ptr);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) {
      instance.restoreStackPointer(sp);
      retire(instance);
    }
    throw error;
  } finally {
    if (ptr !== 0 && active === instance) m._free(ptr);
  }
}

/** Swap a failed instance for the standby and build new ones in the background. */
function retire(instance: Instance): void {
  if (active !== instance) return;
  replacements += 1;
  active = standby;
  standby = undefined;
  refill();
}

function refill(): void {
  if (refilling || compiled === undefined) return;
  refilling = true;
  createInstance(compiled).then(
    (fresh) => {
      refilling = false;
      if (active === undefined) active = fresh;
      else standby ??= fresh;
      if (standby === undefined) refill();
    },
    () => {
      refilling = false;
    },
  );
}

/** Compile the .wasm once, and find its stack-pointer exports in the Emscripten glue. */
async function compile(): Promise<NonNullable<typeof compiled>> {
  const glue = readFileSync(load.resolve(GLUE), "utf8");
  const name = (symbol: string): string => {
    const m = new RegExp(`${symbol}=wasmExports\\["(\\w+)"\\]`).exec(glue);
    if (m?.[1] === undefined) {
      throw new Error(
        `unexpected libpg-query build: ${symbol} not exported; pin libpg-query 18.1.5`,
      );
    }
    return m[1];
  };
  return {
    wasm: await wasmApi.compile(readFileSync(load.resolve(WASM))),
    getName: name("_emscripten_stack_get_current"),
    restoreName: name("__emscripten_stack_restore"),
  };
}

async function createInstance(wasm: NonNullable<typeof compiled>): Promise<Instance> {
  let exports: Record<string, unknown> | undefined;
  const factory = load(GLUE) as PgQueryFactory;
  const module = await new Promise<PgQueryModule>((resolve, reject) => {
    factory({
      print: () => undefined,
      printErr: () => undefined,
      instantiateWasm: (imports, receive) => {
        wasmApi.instantiate(wasm.wasm, imports).then((instance) => {
          exports = instance.exports;
          receive(instance);
        }, reject);
        return {};
      },
    }).then(resolve, reject);
  });
  const get = exports?.[wasm.getName];
  const restore = exports?.[wasm.restoreName];
  if (typeof get !== "function" || typeof restore !== "function") {
    throw new Error("unexpected libpg-query build: stack pointer exports not found");
  }
  return {
    module,
    stackPointer: get as () => number,
    restoreStackPointer: restore as (sp: number) => void,
  };
}
