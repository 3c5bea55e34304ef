// The few values of a stored analysis result that readers of many results at once need (the
// province pull: the stock area's method, figure and reason, the footprint ratio, each check's id
// and verdict), as generated columns beside the result, so that such a reader does not fetch and
// decompress the whole result (≈ 9 KB of JSON, 3–4 KB stored out of line) to read them. Measured
// with bench:pull (bench/README.md): on 58 563 projects, reading the three parts of the result took
// most of each 1 000-row page.
//
// Generated from the result itself, as schema_version is (20261203020000_result_schema_version):
// they cannot disagree with the JSON and no writer can forget them. The paths are those of every
// schema version so far (src/schemas/analysis.ts; src/db/result-projections.ts checks them against the
// current schema at load). A check carries `id` and `passed` in every version, so the two arrays
// below pair up index by index; `check_ids` is null when the result has no array of checks.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE analysis_results
      ADD COLUMN stock_method text GENERATED ALWAYS AS (result #>> '{stockArea,method}') STORED,
      ADD COLUMN stock_m2 double precision GENERATED ALWAYS AS ((result #>> '{stockArea,m2}')::double precision) STORED,
      ADD COLUMN stock_reason text GENERATED ALWAYS AS (result #>> '{stockArea,reason}') STORED,
      ADD COLUMN footprint_ratio double precision GENERATED ALWAYS AS ((result #>> '{footprint,ratio}')::double precision) STORED,
      ADD COLUMN check_ids jsonb GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(result -> 'checks') = 'array' THEN jsonb_path_query_array(result, '$.checks[*].id') END) STORED,
      ADD COLUMN check_passed jsonb GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(result -> 'checks') = 'array' THEN jsonb_path_query_array(result, '$.checks[*].passed') END) STORED`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE analysis_results DROP COLUMN stock_method, DROP COLUMN stock_m2, DROP COLUMN stock_reason,
                    DROP COLUMN footprint_ratio, DROP COLUMN check_ids, DROP COLUMN check_passed`)
}
