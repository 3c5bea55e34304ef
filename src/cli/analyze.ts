// `cli analyze --county`: the batch analysis of a county as the same job as the HTTP API, with a progress bar.
import { cliActor } from '../auth/service.js'
import type { Jobs } from '../jobs/jobs.js'
import { followWithBar } from './import.js'

export async function analyzeCommand(jobs: Jobs, county: string): Promise<number> {
  const actor = cliActor()
  const { id } = await jobs.start('analysis', actor, { county })
  await followWithBar(jobs, { kind: 'analysis', id }, `analyse ${county}`)
  const run = await jobs.get('analysis', id, actor.scope)
  if (run.status !== 'succeeded') {
    console.error(`analysis run ${id} ${run.status}: ${run.errors.map((e: { message: string }) => e.message).join('; ')}`)
    return 1
  }
  console.log(
    `analysed ${run.done} projects of ${county}: ${run.eligible} eligible (run ${id}); list them with GET /api/v1/projects?county=${county}&eligible=true`,
  )
  return 0
}
