// Batch analysis of a county's projects as a job with progress (POST /analysis/runs, CLI analyze).
import type { Knex } from 'knex'
import { poolSize } from '../db/connection.js'
import { whereInScope } from '../db/scope.js'
import { longWorkStatements, statementGate } from '../db/statement-gate.js'
import { countyProblem, inScope, type Scope } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { projectsOfCounty } from '../projects/queries.js'
import { analysisDefaults } from '../domain/analysis-config.js'
import { faultPoint } from '../jobs/fault-points.js'
import type { JobContext, JobKind } from '../jobs/kinds.js'
import { pruneAnalysisResults } from './prune.js'
import { completeAnalyses, countyContext, measureProjects } from './service.js'

export interface AnalysisRunParams {
  county: string
  /** projects a chunk (200 when absent): not asked of users, set by tests to run several chunks on a small county */
  chunk?: number
}

declare module '../jobs/kinds.js' {
  interface JobParamsByKind {
    analysis: AnalysisRunParams
  }
}

const chunkSize = 200
/**
 * Chunks measured at once. With one, each chunk's statements waited for its longest (the third
 * survey, a third of the chunk's time) while the other core idled; with two, the next chunk's
 * statements fill it (bench:analysis: 1.20 → 0.93 s a county; three gave 0.95 s).
 */
const measuredAhead = 2

/** Analyses every project of the county in chunks, keeping the run row current. */
async function executeRun(ctx: JobContext<AnalysisRunParams>) {
  const { knex, id, signal } = ctx
  const { county } = ctx.params
  const chunk = ctx.params.chunk ?? chunkSize
  const projects = await projectsOfCounty(knex, county)
  await knex('analysis_runs').where({ id }).update({ total: projects.length })
  // each result records the run as its trigger, and the key that started it
  const started = await knex('analysis_runs').first('created_by').where({ id })
  const triggeredBy = { trigger: 'run' as const, by: (started?.created_by as string | null | undefined) ?? null }
  let done = 0
  let eligible = 0
  // The layers, plane and type classification are the county's, the same for every chunk.
  const context = await countyContext(knex, county, analysisDefaults)
  // The next chunks are measured while this one is judged and stored: the statements keep PostgreSQL
  // busy while Node builds the results (0.1 s of CPU a chunk of 200) and the insert waits its turn.
  // A chunk's measures only read, so one measured ahead and not used (a cancel, a fault) leaves nothing.
  // They pass a gate that leaves connections of the pool to requests (src/db/statement-gate.ts).
  const gate = statementGate(longWorkStatements(poolSize(knex)))
  const o = { context, triggeredBy, gate }
  const chunkAt = (i: number) => projects.slice(i, i + chunk)
  const measuring = (i: number) => {
    const m = measureProjects(knex, county, chunkAt(i), o)
    m.catch(() => {}) // awaited below, or settled before the run ends
    return m
  }
  const ahead: Array<ReturnType<typeof measuring>> = []
  for (let i = 0; i < Math.min(projects.length, measuredAhead * chunk); i += chunk) ahead.push(measuring(i))
  try {
    for (let i = 0; i < projects.length; i += chunk) {
      if (signal.aborted) throw new Error('cancelled')
      const measured = await ahead.shift()!
      if (i + measuredAhead * chunk < projects.length) ahead.push(measuring(i + measuredAhead * chunk))
      const results = await completeAnalyses(knex, county, chunkAt(i), measured, o)
      done += results.length
      eligible += results.filter((r) => r.eligible === true).length
      ctx.progress(done / projects.length, { done, eligible }, `${done}/${projects.length} projects`)
      await faultPoint('analysis.chunk-stored', knex)
    }
  } finally {
    // no statement of this run may still be running when it is said to have ended
    await Promise.all(ahead.map((m) => m.catch(() => {})))
  }
  // A cancelled run keeps what it stored and prunes nothing: it did not replace the county's results.
  if (signal.aborted) throw new Error('cancelled')
  await faultPoint('analysis.before-prune', knex)
  // A run replaces the county's results: the superseded ones go, and the planner learns the new rows.
  // Only the columns queries select and join on: sampling the result jsonb made this 0.39 s of a
  // county's 1.3 s run once the province's results were in the table (0.06 s without it).
  await pruneAnalysisResults(knex, county)
  await knex.raw('ANALYZE analysis_results (id, project_id, xzqdm, eligible, stale, computed_at)')
  return { columns: { done, eligible } }
}

/**
 * Analysis runs in the one job lifecycle. Each chunk stores complete analyses of its projects
 * (each a result in its own right, like one project's POST), so an interrupted or cancelled run
 * leaves no partial rows: what it stored stays valid.
 */
export const analysisJobKind: JobKind<'analysis'> = {
  key: 'analysis',
  table: 'analysis_runs',
  path: '/api/v1/analysis/runs',
  noun: { en: 'analysis run', zh: '分析任务' },
  audit: { objectType: 'analysis_run', action: 'analysis' },
  async insert(trx, actor, { county }) {
    const why = countyProblem(county)
    if (why) throw problem('LR_BAD_REQUEST', why, { detailZh: `县级行政区划代码 ${county} 无效`, errors: [{ field: 'county', message: why }] })
    if (!inScope(actor.scope, county))
      throw problem('LR_FORBIDDEN', `this key may not analyse county ${county}`, { detailZh: `本密钥无权分析 ${county} 的项目` })
    const [row] = await trx('analysis_runs').insert({ xzqdm: county, created_by: actor.principal.prefix }).returning('id')
    return { id: row.id as number, audit: { action: 'analysis.run', objectType: 'analysis_run', county } }
  },
  run: executeRun,
  get: getRun,
  removePartial: async () => {},
}

export async function getRun(knex: Knex, id: number, scope: Scope) {
  const run = await whereInScope(
    knex('analysis_runs')
      .first({
        id: 'id',
        county: 'xzqdm',
        status: 'status',
        progress: 'progress',
        total: 'total',
        done: 'done',
        eligible: 'eligible',
        errors: 'errors',
        createdBy: 'created_by',
        createdAt: 'created_at',
        startedAt: 'started_at',
        finishedAt: 'finished_at',
      })
      .where({ id }),
    scope,
  )
  if (!run) throw problem('LR_NOT_FOUND', `analysis run ${id} not found`, { detailZh: `分析任务 ${id} 不存在或不在权限范围内` })
  return run
}
