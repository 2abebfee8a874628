#!/usr/bin/env node
// One streaming read of a whole result, for bench/masking.mjs: connects with `pg`, sends
// one simple-protocol Query and counts the DataRows as they arrive, without building row
// objects or keeping them (so memory stays flat, unlike `client.query()`, which buffers the
// whole result, and with no cursor: one statement on the wire, like an application's
// `SELECT *`). Prints one JSON line: rows, the elapsed time from connect to the end of the
// session, this process's CPU time, and how many values of `checkColumn` start with `*`
// (the partial mask of an email), so the caller can check masking was (not) in force.
//
//   node bench/lib/read-rows.mjs <connection url> <sql> [checkColumn index]
import pg from "pg";

const [url, sql, checkArg] = process.argv.slice(2);
if (!url || !sql) {
  process.stderr.write("usage: read-rows.mjs <url> <sql> [checkColumn]\n");
  process.exit(2);
}
const checkColumn = checkArg === undefined ? -1 : Number(checkArg);

/** A pg "submittable": the client hands it every backend message of its query. */
class CountRows {
  constructor(text) {
    this.text = text;
    this.rows = 0;
    this.starred = 0;
    this.fields = 0;
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  submit(connection) {
    connection.query(this.text);
  }
  handleRowDescription(msg) {
    this.fields = msg.fieldCount;
  }
  handleDataRow(msg) {
    this.rows++;
    if (checkColumn >= 0 && msg.fields[checkColumn]?.charCodeAt(0) === 42) this.starred++;
  }
  handleCommandComplete(msg) {
    this.tag = msg.text;
  }
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyInResponse() {}
  handleCopyData() {}
  handleError(err) {
    this.error = err;
    // A connection error comes without a ReadyForQuery.
    if (err && !("severity" in err)) this.reject(err);
  }
  handleReadyForQuery() {
    if (this.error) this.reject(this.error);
    else this.resolve();
  }
}

const cpu0 = process.cpuUsage();
const started = process.hrtime.bigint();
const client = new pg.Client({ connectionString: url });
client.on("error", () => {}); // reported through the query
try {
  await client.connect();
  const q = new CountRows(sql);
  client.query(q);
  await q.done;
  await client.end();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({
      rows: q.rows,
      fields: q.fields,
      tag: q.tag,
      starred: q.starred,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
    })}\n`,
  );
} catch (err) {
  process.stderr.write(`${err?.message ?? err}\n`);
  process.exit(1);
}
