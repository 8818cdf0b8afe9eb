import type { SqlPiece } from "./sql.ts";

// sqld's statement whitelist (libsql-server/src/query_analysis.rs): pragmas it serves, with or
// without a value, and those it serves only when read (no value). Anything else is refused.
const PRAGMAS_ANY = new Set([
  "table_list", "index_list", "table_info", "table_xinfo", "index_info", "index_xinfo", "pragma_list",
  "compile_options", "database_list", "function_list", "module_list", "encoding", "defer_foreign_keys",
  "foreign_keys", "foreign_key_list", "foreign_key_check", "collation_list", "data_version",
  "freelist_count", "integrity_check", "legacy_file_format", "page_count", "quick_check", "stats", "user_version",
]);
const PRAGMAS_READ_ONLY = new Set([
  "schema_version", "analysis_limit", "application_id", "auto_vacuum", "automatic_index", "busy_timeout",
  "cache_size", "cache_spill", "cell_size_check", "checkpoint_fullfsync", "fullfsync", "hard_heap_limit",
  "journal_mode", "journal_size_limit", "legacy_alter_table", "locking_mode", "max_page_count", "mmap_size",
  "page_size", "query_only", "read_uncommitted", "recursive_triggers", "reverse_unordered_selects",
  "secure_delete", "soft_heap_limit", "synchronous", "temp_store", "threads", "trusted_schema", "wal_autocheckpoint",
]);
const REFUSED_VERBS = new Set(["VACUUM", "ANALYZE", "ATTACH"]);

/**
 * Why sqld would refuse this statement ("unsupported statement"), or undefined if it serves it.
 * Besides matching Turso, this keeps clients from switching the file out of WAL mode or from
 * leaving connection-bound objects (TEMP tables, views, triggers) behind.
 */
export function refusal(piece: SqlPiece, verb: string, isExplain: boolean): string | undefined {
  const t = piece.tokens;
  const start = isExplain ? (t[1]?.upper === "QUERY" ? 3 : 1) : 0;
  if (REFUSED_VERBS.has(verb)) return `${verb} is not supported`;
  if (verb === "CREATE" && (t[start + 1]?.upper === "TEMP" || t[start + 1]?.upper === "TEMPORARY")) return "temporary objects are not supported";
  if (verb !== "PRAGMA") return undefined;
  // PRAGMA [schema.]name [= value | (value)]
  let i = start + 1;
  if (t[i + 1] !== undefined && piece.text[t[i + 1]!.start] === ".") i += 2;
  const name = piece.text.slice(t[i]?.start ?? 0, t[i]?.end ?? 0).replace(/^["`[]|["`\]]$/g, "").toLowerCase();
  const hasBody = t.length > i + 1;
  if (PRAGMAS_ANY.has(name)) return undefined;
  if (PRAGMAS_READ_ONLY.has(name) && !hasBody) return undefined;
  return `PRAGMA ${name}${hasBody ? " with a value" : ""} is not supported`;
}
