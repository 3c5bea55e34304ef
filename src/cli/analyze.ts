// `cli analyze --county`: the batch analysis of a county, with a progress bar.
import type { Knex } from 'knex'
import { createRun, executeRun, getRun } from '../analysis/runs.js'
import { cliActor } from '../auth/service.js'
import { progressBar } from './progress.js'

export async function analyzeCommand(knex: Knex, county: string): Promise<number> {
  const actor = cliActor()
  const id = await createRun(knex, actor, county)
  const bar = progressBar(`analyse ${county}`)
  try {
    await executeRun(knex, id, county, new AbortController().signal, (done, total) => bar.update(done / total, `${done}/${total} projects`))
  } catch {
    /* recorded in the run */
  }
  bar.done()
  const run = await getRun(knex, id, actor.scope)
  if (run.status !== 'succeeded') {
    console.error(`analysis run ${id} ${run.status}: ${run.errors.map((e: { message: string }) => e.message).join('; ')}`)
    return 1
  }
  console.log(
    `analysed ${run.done} projects of ${county}: ${run.eligible} eligible (run ${id}); list them with GET /api/v1/projects?county=${county}&eligible=true`,
  )
  return 0
}
