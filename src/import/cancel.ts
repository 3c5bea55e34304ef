// Cancelling an import: a queued job is dropped, a running one aborted (it removes what it loaded).
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { problem } from '../errors/index.js'
import type { JobRunner } from '../jobs/runner.js'
import { getImportJob } from './jobs.js'

export async function cancelImport(deps: { knex: Knex; runner: JobRunner }, actor: Actor, id: number) {
  const job = await getImportJob(deps.knex, id, actor.scope)
  if (!['queued', 'running'].includes(job.status)) {
    throw problem('LR_CONFLICT', `import ${id} has already ${job.status}`, { detailZh: `导入任务 ${id} 已结束，无法取消` })
  }
  await auditedWrite(
    deps.knex,
    actor,
    async (trx) => {
      const how = deps.runner.cancel('import', id)
      // A dropped job never runs, so its row is finished here; an aborted one finishes itself.
      if (how !== 'aborted')
        await trx('import_jobs')
          .where({ id })
          .update({ status: 'cancelled', finished_at: trx.fn.now(), errors: JSON.stringify([{ message: 'cancelled' }]) })
      return how
    },
    (how) => ({ action: 'import.cancel', objectType: 'import_job', objectId: id, county: job.county, detail: { how } }),
  )
  // The aborted run removes what it loaded and then records its end; wait for that, briefly.
  for (let waited = 0; waited < 30_000; waited += 50) {
    const now = await getImportJob(deps.knex, id, actor.scope)
    if (now.status === 'succeeded') {
      throw problem('LR_CONFLICT', `import ${id} finished before the cancel took effect; its version is active`, { detailZh: `导入任务 ${id} 已在取消前完成` })
    }
    if (now.status !== 'running' && now.status !== 'queued') return now
    await new Promise((r) => setTimeout(r, 50))
  }
  return getImportJob(deps.knex, id, actor.scope)
}
