// Runs statements, RowBinary loads and queries on the in-process ClickHouse engine of the npm
// package chdb (ClickHouse 26.x as a library, no server). Called by ChdbEngine (src/test/java),
// one request per run:
//   node chdb-run.js   < {"statements": [sql...],
//                         "loads": [{"table": t, "columns": "(`a`, `b`)", "structure": "a T, b T",
//                                    "file": "/abs/path.rowbinary",
//                                    "settings": "async_insert = 0, ..." (optional)}...],
//                         "queries": [sql...]}
// Prints {"version": v, "loads": [{"ok": true} | {"ok": false, "error": msg}...],
//         "results": [tsv...]}. Exits 2 with a message when the package is missing.
"use strict";
let chdb;
try {
  chdb = require(process.env.CHDB_MODULE || "chdb");
} catch (e) {
  console.error("the npm package chdb is not installed (" + e.message + ")");
  process.exit(2);
}
const input = require("fs").readFileSync(0, "utf8");
const request = JSON.parse(input);
const session = new chdb.Session();
const quote = (s) => "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
const out = { version: session.query("SELECT version()", "TSV").trim(), loads: [], results: [] };
try {
  for (const sql of request.statements || []) {
    try {
      session.query(sql);
    } catch (e) {
      console.error("statement failed: " + sql + "\n" + String(e.message || e).split("\n")[0]);
      process.exit(1);
    }
  }
  for (const load of request.loads || []) {
    try {
      session.query(
        "INSERT INTO " + load.table + " " + load.columns +
          (load.settings ? " SETTINGS " + load.settings : "") + " SELECT * FROM file(" +
          quote(load.file) + ", 'RowBinary', " + quote(load.structure) + ")");
      out.loads.push({ ok: true });
    } catch (e) {
      out.loads.push({ ok: false, error: String(e.message || e) });
    }
  }
  for (const sql of request.queries || []) {
    try {
      out.results.push(session.query(sql, "TSV"));
    } catch (e) {
      console.error("query failed: " + sql + "\n" + String(e.message || e).split("\n")[0]);
      process.exit(1);
    }
  }
} finally {
  session.close();
}
process.stdout.write(JSON.stringify(out));
