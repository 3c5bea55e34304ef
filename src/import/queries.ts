// All SQL of the importer. Table and column names come only from the layer catalogue (layers.ts).
import type { Knex } from 'knex'
import { activateVersion, activeDataset as sharedActiveDataset, activeDatasets, activeVersionCondition, versionsInUseOfCounty } from '../db/read-model.js'
import { actorNameOf } from '../auth/names.js'
import type { Bbox, SourceCrs } from '../crs/resolve.js'
import { whereInScope } from '../db/scope.js'
import { faultPoint } from '../jobs/fault-points.js'
import type { Scope } from '../domain/region.js'
import type { ResolvedColumn } from './columns.js'
import { pgArrayType } from './fields.js'
import { partitionName, type LayerKind } from '../catalogue/layer-kinds.js'

export interface BatchRows {
  records: number[]
  /**
   * All shapes of the batch in one buffer, each at [wkbAt, wkbAt + wkbLength) (null: no shape): node-pg
   * sends a Buffer parameter in binary, whereas a bytea[] goes as hex text to be parsed again.
   */
  wkb: Buffer
  wkbAt: Array<number | null>
  wkbLength: Array<number | null>
  /** shapes already proven valid (simple one-ring polygons): ST_IsValid is skipped for them */
  proven: boolean[]
  /** one-ring polygons whose proof was left to the COPY load (not proven: an INSERT checks them) */
  deferred: boolean[]
  attrs: string[]
  columns: unknown[][] // one array per resolved column, in catalogue order
}

/**
 * An array parameter as a PostgreSQL array literal, written by JSON.stringify: strings are quoted
 * and escaped (\" and \\) alike in both, JSON null reads as NULL. Much cheaper than node-pg's
 * element-by-element serialisation (a third of the Node time of a batch beside decoding). JSON's
 * other escapes (control characters, lone surrogates) mean something else in an array literal:
 * such arrays go the ordinary way.
 */
export function arrayLiteral(values: unknown[]): string | unknown[] {
  const json = JSON.stringify(values)
  if (/\\[^"\\]/.test(json)) return values
  return `{${json.slice(1, -1)}}`
}

/** The source bbox in lon/lat after transformation, to catch a wrong CRS before loading. */
export async function transformedBbox(knex: Knex, b: Bbox, crs: SourceCrs): Promise<Bbox> {
  const to = toCgcs2000(crs, 'g')
  const { rows } = await knex.raw(
    `SELECT ST_XMin(e) AS "minX", ST_YMin(e) AS "minY", ST_XMax(e) AS "maxX", ST_YMax(e) AS "maxY"
       FROM (SELECT ${to.sql} AS e FROM (SELECT ST_Segmentize(ST_MakeEnvelope(?, ?, ?, ?, ?::int), ?) AS g) s) t`,
    [...to.bindings, b.minX, b.minY, b.maxX, b.maxY, crs.srid, Math.max(b.maxX - b.minX, b.maxY - b.minY, 1e-9) / 8],
  )
  return rows[0]
}

/**
 * SQL turning geometry `column` in the source CRS (its srid `crs.srid`) into EPSG:4490, with its
 * bindings. A Bursa-Wolf source goes to the registered hub by srid (src/crs/registry.ts: PostGIS
 * builds the pipeline once per session, not per row, where by the proj strings it built it per row).
 */
function toCgcs2000(crs: SourceCrs, column: string): { sql: string; bindings: number[] } {
  if (crs.hubSrid !== undefined) return { sql: `ST_SetSRID(ST_Transform(${column}, ?::int), 4490)`, bindings: [crs.hubSrid] }
  if (crs.srid === 4490) return { sql: column, bindings: [] }
  return { sql: `ST_Transform(${column}, 4490)`, bindings: [] }
}

export async function activeDataset(knex: Knex, layer: string, county: string) {
  return sharedActiveDataset(knex, layer, county).first('id', 'version', 'source_sha256 as sha256', 'feature_count as featureCount')
}

export async function createDataset(
  knex: Knex,
  d: { layer: string; county: string; sourceName: string; sha256: string; crs: object; encoding: object | null; importedBy: string; jobId: number | null },
): Promise<{ id: number; version: number }> {
  return knex.transaction(async (trx) => {
    // Versions are numbered per layer and county; the lock keeps two imports from taking one number.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`lowland:dataset:${d.layer}:${d.county}`])
    const last = await trx('datasets').where({ layer: d.layer, xzqdm: d.county }).max<{ v: number | null }>({ v: 'version' }).first()
    const version = (last?.v ?? 0) + 1
    const [row] = await trx('datasets')
      .insert({
        layer: d.layer,
        xzqdm: d.county,
        version,
        source_name: d.sourceName,
        source_sha256: d.sha256,
        source_crs: JSON.stringify(d.crs),
        encoding: d.encoding ? JSON.stringify(d.encoding) : null,
        status: 'loading',
        imported_by: d.importedBy,
        import_job_id: d.jobId,
      })
      .returning('id')
    return { id: row.id as number, version }
  })
}

/**
 * The table a new version is loaded into: the layer table's columns, defaults (its one id sequence)
 * and checks, but no index, key or foreign key, so rows go in without per-row index maintenance or
 * foreign-key checks. The check on dataset_id lets ATTACH skip scanning it.
 */
export async function createVersionTable(knex: Knex, kind: LayerKind, datasetId: number): Promise<void> {
  const part = partitionName(kind, datasetId)
  // A table of that name can only be stale: dataset ids come from a sequence (a test reset restarts it).
  await knex.raw(`DROP TABLE IF EXISTS "${part}"`)
  await knex.raw(`CREATE TABLE "${part}" (LIKE "${kind.table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`)
  await knex.raw(`ALTER TABLE "${part}" ADD CONSTRAINT "${part}_version" CHECK (dataset_id = ${datasetId})`)
}

/**
 * Builds the loaded version's indexes once (a sorted GiST build) and attaches it as the layer table's
 * partition; the foreign key to datasets is checked once here, for all rows. Readers do not see the
 * version before activateDataset.
 */
export async function attachVersionTable(knex: Knex, kind: LayerKind, datasetId: number): Promise<void> {
  const part = partitionName(kind, datasetId)
  const build = (ddl: string) =>
    knex.transaction(async (trx) => {
      await trx.raw(`SET LOCAL maintenance_work_mem = '256MB'`)
      await trx.raw(ddl)
    })
  // The GiST index on one connection, the key's index on another (one after the other on the
  // embedded database). The key's index is built as a plain unique index, which takes the same
  // SHARE lock as the GiST build: ADD PRIMARY KEY takes ACCESS EXCLUSIVE and waited for the GiST
  // build to end (bench:import, 10^5 patches: GiST 124 ms, key 39 ms, one after the other).
  const built = await Promise.allSettled([
    build(`CREATE INDEX "${part}_geom_gist" ON "${part}" USING gist (geom)`),
    build(`CREATE UNIQUE INDEX "${part}_pkey" ON "${part}" (${layerKeyColumns.join(', ')})`),
  ])
  for (const b of built) if (b.status === 'rejected') throw b.reason
  // The layer table's key (migrations/20261201010000_citus_keys.ts) over that index, so ATTACH adopts it.
  await knex.raw(`ALTER TABLE "${part}" ADD CONSTRAINT "${part}_pkey" PRIMARY KEY USING INDEX "${part}_pkey"`)
  await knex.raw(`ALTER TABLE "${kind.table}" ATTACH PARTITION "${part}" FOR VALUES IN (${datasetId})`)
}

/** The layer tables' primary key: id first (lookups by id), the partition key, and the county (docs/scale-out.md). */
export const layerKeyColumns = ['id', 'dataset_id', 'xzqdm'] as const

/** Append mode: the new version starts as a copy of the active one. */
export async function copyRows(knex: Knex, kind: LayerKind, fromDataset: number, toDataset: number): Promise<number> {
  const cols = ['xzqdm', 'source_record', 'attrs', 'geom', 'geom_repair', ...kind.columns.map((c) => c.column)].map((c) => `"${c}"`).join(', ')
  const result = await knex.raw(
    `INSERT INTO "${partitionName(kind, toDataset)}" (dataset_id, ${cols}) SELECT ?, ${cols} FROM "${kind.table}" WHERE dataset_id = ?`,
    [toDataset, fromDataset],
  )
  return result.rowCount ?? 0
}

/**
 * Inserts one batch: source shapes are checked in their own CRS (where they were drawn), repaired
 * with ST_MakeValid (structure method) when invalid, then transformed to EPSG:4490.
 * Returns the records that were repaired, with the reason, and whether repair left nothing.
 */
export async function insertBatch(
  knex: Knex,
  kind: LayerKind,
  columns: ResolvedColumn[],
  target: { datasetId: number; county: string; crs: SourceCrs },
  rows: BatchRows,
): Promise<Array<{ record: number; reason: string; lost: boolean }>> {
  const extract = kind.family === 'polygon' ? 3 : 2
  const to = toCgcs2000(target.crs, 'f.fixed')
  const colNames = columns.map((c) => `"${c.column}"`)
  // Attributes travel as one JSON array: far cheaper to send and parse than a text[] of JSON strings.
  const fromItems = [
    'unnest(?::int4[])',
    'unnest(?::int4[])',
    'unnest(?::int4[])',
    'unnest(?::bool[])',
    'jsonb_array_elements(?::jsonb)',
    ...columns.map((c) => `unnest(?::${pgArrayType[c.type]})`),
  ]
  const aliases = ['rec', 'wkb_at', 'wkb_len', 'proven', 'attrs', ...columns.map((_, i) => `c${i}`)]
  // A shape proven valid in Node is not checked again (CASE keeps ST_IsValid from running for it).
  // Each LATERAL step is fenced with OFFSET 0 so the shape is parsed and checked once per row;
  // inlined, every reference to it would parse it again, and MATERIALIZED CTEs spill to disk.
  const sql = `
    WITH ins AS (
      INSERT INTO "${partitionName(kind, target.datasetId)}" (dataset_id, xzqdm, source_record, attrs, geom, geom_repair${colNames.length ? ', ' + colNames.join(', ') : ''})
      SELECT ?::bigint, ?, u.rec, u.attrs, CASE WHEN f.fixed IS NULL OR ST_IsEmpty(f.fixed) THEN NULL ELSE ${to.sql} END,
             v.reason${columns.map((_, i) => `, u.c${i}`).join('')}
      FROM ROWS FROM (${fromItems.join(', ')}) AS u(${aliases.join(', ')})
      CROSS JOIN LATERAL (SELECT CASE WHEN u.wkb_at IS NOT NULL THEN ST_GeomFromWKB(substring(?::bytea FROM u.wkb_at FOR u.wkb_len), ?::int) END AS src OFFSET 0) g
      CROSS JOIN LATERAL (SELECT CASE WHEN g.src IS NULL OR u.proven THEN NULL WHEN ST_IsValid(g.src) THEN NULL ELSE ST_IsValidReason(g.src) END AS reason OFFSET 0) v
      CROSS JOIN LATERAL (SELECT CASE WHEN v.reason IS NULL THEN g.src ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(g.src, 'method=structure'), ${extract})) END AS fixed OFFSET 0) f
      RETURNING source_record, geom_repair, geom IS NULL AS lost
    )
    SELECT source_record AS record, geom_repair AS reason, lost FROM ins WHERE geom_repair IS NOT NULL`
  // substring() counts from 1
  const wkbFrom = rows.wkbAt.map((at) => (at === null ? null : at + 1))
  const bindings = [
    target.datasetId,
    target.county,
    ...to.bindings,
    arrayLiteral(rows.records),
    arrayLiteral(wkbFrom),
    arrayLiteral(rows.wkbLength),
    arrayLiteral(rows.proven),
    `[${rows.attrs.join(',')}]`,
    ...rows.columns.map(arrayLiteral),
    rows.wkb,
    target.crs.srid,
  ] as unknown as Knex.RawBinding[]
  const { rows: repaired } = await knex.raw(sql, bindings)
  return repaired
}

/**
 * The values of one source attribute (`key`, as the source names it) in a loaded version, with their
 * record counts. Only for an attribute no typed column holds (SJNF): one a column holds exactly is
 * not in `attrs` (./batch-rows.ts).
 */
export async function attributeValues(knex: Knex, kind: LayerKind, datasetId: number, key: string): Promise<Array<{ value: string | null; n: number }>> {
  const { rows } = await knex.raw(
    `SELECT btrim(f.attrs ->> ?) AS value, count(*)::int AS n FROM "${partitionName(kind, datasetId)}" f GROUP BY 1 ORDER BY 2 DESC, 1`,
    [key],
  )
  return rows
}

/** Records the survey year of a version (null clears it), with where it came from. */
export async function setSurveyYear(knex: Knex, d: { id: number; county: string }, year: number | null, source: 'given' | 'sjnf' | null) {
  await knex('datasets')
    .where({ id: d.id, xzqdm: d.county })
    .update({ survey_year: year, survey_year_source: year === null ? null : source })
}

/** Count, extent and area of a loaded version. */
export async function summarizeDataset(knex: Knex, kind: LayerKind, datasetId: number) {
  // No total area here: ellipsoidal area of every feature would cost as much as a third of the load.
  const { rows } = await knex.raw(`SELECT count(*)::int AS n, ST_SetSRID(ST_Extent(geom)::geometry, 4490) AS extent FROM "${partitionName(kind, datasetId)}"`)
  await knex('datasets').where({ id: datasetId }).update({ feature_count: rows[0].n, extent: rows[0].extent })
  return { featureCount: rows[0].n as number }
}

/**
 * Makes the loaded version the active one; readers switch in this one transaction, and `withSwitch`
 * (what must follow the new version: stale marks, projects, follow-up jobs, the job's end) commits in it too.
 */
export async function activateDataset(
  knex: Knex,
  d: { id: number; layer: string; county: string },
  withSwitch?: (trx: Knex.Transaction) => Promise<void>,
): Promise<void> {
  await knex.transaction(async (trx) => {
    await activateVersion(trx, d)
    await trx('datasets').where({ id: d.id }).update({ status: 'ready' })
    await withSwitch?.(trx)
    await faultPoint('import.inside-activation', trx)
  })
}

/**
 * Deletes a version's row, in the caller's transaction. What points at it forgets it first, as
 * ON DELETE SET NULL did before those keys became NO ACTION for Citus (migration
 * 20261201040000_citus_no_set_null): the import job that made it and the projects made from it.
 * Every statement binds the county, so that each stays on the county's shard.
 */
async function deleteDatasetRow(trx: Knex.Transaction, d: { id: number; county: string }, o: { inactive?: boolean } = {}): Promise<void> {
  await trx('import_jobs').where({ xzqdm: d.county, dataset_id: d.id }).update({ dataset_id: null })
  await trx('projects').where({ xzqdm: d.county, source_dataset_id: d.id }).update({ source_dataset_id: null })
  const row = trx('datasets').where({ xzqdm: d.county, id: d.id })
  // a purge never takes the active version, even one made active since it chose
  if (o.inactive) row.whereRaw(`NOT (${activeVersionCondition({ as: 'datasets' })})`)
  await row.delete()
}

/**
 * Removes a version that did not finish loading: its table (attached or not) and its row. A version
 * no longer loading is left alone: its activation committed (a connection lost during that COMMIT
 * reports an error although it may have committed), so it is the layer's now.
 */
export async function discardDataset(knex: Knex, kind: LayerKind, dataset: { id: number; county: string }): Promise<void> {
  await knex.transaction(async (trx) => {
    const row = await trx('datasets').first('status').where({ xzqdm: dataset.county, id: dataset.id }).forUpdate()
    if (row && row.status !== 'loading') return
    await trx.raw(`DROP TABLE IF EXISTS "${partitionName(kind, dataset.id)}"`)
    await deleteDatasetRow(trx, dataset)
  })
}

/**
 * Drops old versions of a layer in a county: every ready version older than the newest `keep` ones
 * that nothing rests on (the read model's versionsInUseOfCounty: the active version, those the
 * latest or the approved analysis of a project, or the active bundling run, was computed from).
 * Each version goes with its partition (no row-by-row delete). keep ≤ 0 keeps everything. Returns
 * the versions dropped.
 */
export async function purgeOldVersions(knex: Knex, kind: LayerKind, county: string, keep: number): Promise<number[]> {
  if (!(keep > 0)) return []
  const used = versionsInUseOfCounty(county)
  const { rows } = await knex.raw(
    `WITH used AS (${used.sql})
     SELECT id, version FROM (
       SELECT id, version, row_number() OVER (ORDER BY version DESC) AS newest
         FROM datasets WHERE layer = ? AND xzqdm = ? AND status = 'ready'
     ) d
     WHERE newest > ? AND id NOT IN (SELECT id FROM used WHERE id IS NOT NULL)
     ORDER BY version`,
    [...used.bindings, kind.key, county, keep] as Knex.RawBinding[],
  )
  const dropped: number[] = []
  for (const r of rows as Array<{ id: number; version: number }>) {
    await knex.transaction(async (trx) => {
      // Dropping a partition locks the layer table briefly; do not queue readers behind a long query.
      await trx.raw(`SET LOCAL lock_timeout = '5s'`)
      await trx.raw(`DROP TABLE IF EXISTS "${partitionName(kind, r.id)}"`)
      await deleteDatasetRow(trx, { id: r.id, county }, { inactive: true })
    })
    dropped.push(r.version)
  }
  return dropped
}

/** Versions left loading that no queued or running import holds (one of a live process elsewhere is still being loaded). */
export async function datasetsLeftLoading(knex: Knex): Promise<Array<{ id: number; layer: string; county: string }>> {
  return knex('datasets')
    .select('id', 'layer', { county: 'xzqdm' })
    .where({ status: 'loading' })
    .whereNotExists((q) =>
      q
        .select(knex.raw('1'))
        .from('import_jobs')
        .whereRaw('import_jobs.id = datasets.import_job_id AND import_jobs.xzqdm = datasets.xzqdm')
        .whereIn('import_jobs.status', ['queued', 'running']),
    )
}

const versionColumns = (knex: Knex) => ({
  datasetId: 'id',
  version: 'version',
  status: 'status',
  active: 'active',
  featureCount: 'feature_count',
  extent: knex.raw('CASE WHEN extent IS NULL THEN NULL ELSE ARRAY[ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), ST_YMax(extent)] END'),
  sourceName: 'source_name',
  sourceSha256: 'source_sha256',
  sourceCrs: 'source_crs',
  encoding: 'encoding',
  importedBy: 'imported_by',
  importedByName: actorNameOf(knex, 'datasets.imported_by'),
  importedAt: 'imported_at',
  importJobId: 'import_job_id',
  surveyYear: 'survey_year',
  surveyYearSource: 'survey_year_source',
})

/** The active version of every layer and county the scope covers. */
export async function activeLayers(knex: Knex, scope: Scope, county?: string) {
  const query = whereInScope(
    activeDatasets(knex)
      .select({ layer: 'layer', county: 'xzqdm', ...versionColumns(knex) })
      .orderBy(['xzqdm', 'layer']),
    scope,
  )
  if (county) query.where('xzqdm', county)
  return query
}

/** Every version of one layer in one county, newest first. */
export async function layerVersions(knex: Knex, layer: string, county: string) {
  return knex('datasets').select(versionColumns(knex)).where({ layer, xzqdm: county }).whereNot({ status: 'loading' }).orderBy('version', 'desc')
}

/** One loaded version of a county's layer by its number. */
export async function layerVersion(knex: Knex, layer: string, county: string, version: number) {
  return knex('datasets').first(versionColumns(knex)).where({ layer, xzqdm: county, version }).whereNot({ status: 'loading' })
}

/**
 * Planner statistics of a loaded version, taken before it becomes active: for the columns queries
 * filter and join on. Not `attrs`: statistics of a whole jsonb value say nothing about
 * `attrs->>'X'` (the only way it is queried), and they were a third of the ANALYZE's time.
 * From a sample of 15 000 rows (statistics target 50) instead of PostgreSQL's 30 000: 85 against
 * 205–240 ms for 10^5 patches, the last step before the switch (bench:import), with estimates as
 * close on that layer (a bbox of a tenth of the extent: 806 rows estimated against 880 at 100, 925
 * found; a land-use code: 2 167 against 2 047, 2 041 found; docs/decisions.md). A later ANALYZE
 * (autovacuum's) takes its own sample.
 */
export async function analyzeVersionTable(knex: Knex, kind: LayerKind, datasetId: number): Promise<void> {
  const columns = ['id', 'dataset_id', 'xzqdm', 'geom', ...kind.columns.map((c) => c.column)].map((c) => `"${c}"`).join(', ')
  await knex.transaction(async (trx) => {
    await trx.raw('SET LOCAL default_statistics_target = 50')
    await trx.raw(`ANALYZE "${partitionName(kind, datasetId)}" (${columns})`)
  })
}

/**
 * After a batch failed on its data: which record's shape cannot be transformed to CGCS2000, and
 * PostGIS's reason. Halves the batch until one record is left (about 11 probes for 2 000 records);
 * null when no single record fails alone.
 */
export async function firstUntransformableRecord(knex: Knex, target: { crs: SourceCrs }, rows: BatchRows): Promise<{ record: number; reason: string } | null> {
  const to = toCgcs2000(target.crs, 'x.g')
  const probe = async (from: number, until: number): Promise<string | null> => {
    const at = rows.wkbAt.slice(from, until).map((a) => (a === null ? null : a + 1))
    try {
      await knex.raw(
        `SELECT count(${to.sql}) FROM ROWS FROM (unnest(?::int4[]), unnest(?::int4[])) AS u(wkb_at, wkb_len)
           CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(substring(?::bytea FROM u.wkb_at FOR u.wkb_len), ?::int) AS g OFFSET 0) x
          WHERE u.wkb_at IS NOT NULL`,
        [...to.bindings, arrayLiteral(at), arrayLiteral(rows.wkbLength.slice(from, until)), rows.wkb, target.crs.srid] as unknown as Knex.RawBinding[],
      )
      return null
    } catch (err) {
      return (err as Error).message.split(' - ').at(-1)!
    }
  }
  let from = 0
  let until = rows.records.length
  let reason = await probe(from, until)
  if (reason === null) return null
  while (until - from > 1) {
    const mid = (from + until) >> 1
    const left = await probe(from, mid)
    if (left !== null) [until, reason] = [mid, left]
    else [from, reason] = [mid, (await probe(mid, until)) ?? reason]
  }
  return { record: rows.records[from]!, reason }
}
