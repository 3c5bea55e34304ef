// The one owner of long work: `start` creates a job's row and its audit row and queues it; the
// lifecycle runs it and writes every final state; `cancel` stops it and waits for its end; `recover`
// settles, at start, what a stop interrupted, if the process that held it is gone (owner.ts). Built
// once per app (plugins/jobs.ts) or CLI run with its kinds and hooks (plugins/job-kinds.ts);
// nothing here is module state but the process's own identity as a job owner.
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import type { Scope } from '../domain/region.js'
import { problem } from '../errors/index.js'
import type { ActivationHooks } from './hooks.js'
import type { FollowUp, JobKindKey } from './keys.js'
import { activeStatuses, jobKey, stoppedByService, stoppedSaid, type FinalStatus, type JobKind, type JobOutcome, type ParamsOf } from './kinds.js'
import { diskFull, diskFullSaid, endJob, endJobEventually, errorText, lostConnection, markRunning, requeueJob, type Ending } from './lifecycle.js'
import { heartbeatLimitSeconds, ownerColumns, ownerGone, ownerOfRow, processOwner, type JobOwner } from './owner.js'
import { ProgressWriter } from './progress.js'
import { JobRunner } from './runner.js'

export interface JobEvent {
  type: 'queued' | 'running' | 'progress' | 'cancelling' | 'ended'
  kind: JobKindKey
  id: number
  fraction?: number
  label?: string
  status?: FinalStatus
}

export interface JobsOptions {
  knex: Knex
  kinds: JobKind[]
  hooks: ActivationHooks
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void }
  /** how long a cancel waits for a running job to stop (default 30 s) */
  cancelWaitMs?: number
  /** jobs of one kind one key or account may have queued or running at once (0: no limit) */
  maxActivePerActor?: number
  /** seconds between two heartbeats of the jobs this process holds (default 10; JOB_HEARTBEAT_SECONDS) */
  heartbeatSeconds?: number
}

const defaultHeartbeatSeconds = 10

/** How often a follow-up that lost its connection is run again before it fails. */
const followUpRetries = 2
/** The end of a job a stop of the service aborted: failed, as the user did not cancel it. */
const stopped: Ending = { status: 'failed', ...stoppedSaid }

export class Jobs {
  readonly hooks: ActivationHooks
  private readonly knex: Knex
  private readonly kinds = new Map<JobKindKey, JobKind>()
  private readonly runner = new JobRunner()
  private readonly listeners = new Set<(e: JobEvent) => void>()
  /** this process, as the owner its jobs' rows name */
  readonly owner: JobOwner = processOwner
  private readonly heartbeatSeconds: number
  private readonly heartbeat: NodeJS.Timeout

  constructor(private readonly opts: JobsOptions) {
    this.knex = opts.knex
    this.hooks = opts.hooks
    for (const k of opts.kinds) {
      if (this.kinds.has(k.key)) throw new Error(`job kind ${k.key} is registered twice`)
      this.kinds.set(k.key, k)
    }
    this.heartbeatSeconds = opts.heartbeatSeconds ?? defaultHeartbeatSeconds
    // Unref'd: a heartbeat never keeps a process alive that has nothing else to do.
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatSeconds * 1000).unref()
  }

  kind<K extends JobKindKey>(key: K): JobKind<K> {
    const k = this.kinds.get(key)
    if (!k) throw new Error(`job kind ${key} is not registered`)
    return k as unknown as JobKind<K>
  }

  url(kind: JobKindKey, id: number): string {
    return `${this.kind(kind).path}/${id}`
  }

  /** Creates the job's row and its audit row in one transaction, queues it, and answers where to follow it. */
  async start<K extends JobKindKey>(kind: K, actor: Actor, params: ParamsOf<K>): Promise<{ id: number; url: string }> {
    const k = this.kind(kind)
    let description!: Awaited<ReturnType<JobKind<K>['insert']>>['audit']
    const id = await auditedWrite(
      this.knex,
      actor,
      async (trx) => {
        await this.refuseBusyActor(trx, k.table, actor)
        const made = await k.insert(trx, actor, params)
        await trx(k.table).where({ id: made.id }).update(ownerColumns(trx, this.owner))
        description = made.audit
        return made.id
      },
      (id) => ({ ...description, objectId: id }),
    )
    this.enqueue(kind, id, params)
    return { id, url: this.url(kind, id) }
  }

  /**
   * One key or account may not queue jobs without bound (a 999 999-vertex polygon takes two minutes
   * to import; a county key could queue dozens): past the limit of queued or running jobs of this
   * kind, 429 with Retry-After. Serialized per actor, so two requests at once cannot both pass.
   */
  private async refuseBusyActor(trx: Knex.Transaction, table: string, actor: Actor): Promise<void> {
    const limit = this.opts.maxActivePerActor ?? 0
    if (limit <= 0 || actor.principal.kind === 'system') return
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`lowland:jobs:${table}:${actor.principal.prefix}`])
    const row = await trx(table).count<{ n: string }[]>({ n: '*' }).where({ created_by: actor.principal.prefix }).whereIn('status', ['queued', 'running'])
    const active = Number(row[0]?.n ?? 0)
    if (active >= limit) {
      throw Object.assign(
        problem('LR_TOO_MANY_REQUESTS', `this key or account has ${active} jobs of this kind queued or running (at most ${limit}); wait for one to end`, {
          detailZh: `当前已有 ${active} 个同类任务在排队或运行（上限 ${limit} 个），请待其完成后再提交`,
        }),
        { retryAfter: 30 },
      )
    }
  }

  /** The job's row as the API shows it (404 outside the key's scope), its follow-ups with their URL and status. */
  async get(kind: JobKindKey, id: number, scope: Scope): Promise<any> {
    const [row] = await this.withFollowUps([await this.kind(kind).get(this.knex, id, scope)])
    return row
  }

  /** Rows that list follow-ups ({kind, id}, as recorded) get each one's URL and current status. */
  async withFollowUps<T extends { followUps?: unknown }>(rows: T[]): Promise<T[]> {
    for (const row of rows) {
      if (!Array.isArray(row.followUps)) continue
      row.followUps = await Promise.all(
        (row.followUps as FollowUp[]).map(async (f) => {
          const found = await this.knex(this.kind(f.kind).table).first('status').where({ id: f.id })
          return { kind: f.kind, id: f.id, url: this.url(f.kind, f.id), status: found?.status ?? null }
        }),
      )
    }
    return rows
  }

  /**
   * Resolves with the job's recorded end once this process has run it. For a job it does not hold
   * (ended already, or never queued here) at once with the end its row records; null while that
   * row is not ended (a job of another process) or when a stop dropped it unrun.
   */
  async ended(kind: JobKindKey, id: number): Promise<FinalStatus | null> {
    const key = jobKey(kind, id)
    if (this.runner.holds(key)) return this.runner.ended(key)
    const row = await this.knex(this.kind(kind).table).first('status').where({ id })
    return row && !(activeStatuses as readonly string[]).includes(row.status) ? (row.status as FinalStatus) : null
  }

  subscribe(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Cancels a queued or running job and answers its row once it has ended: a queued one ends here,
   * a running one is aborted and awaited (at most cancelWaitMs; then its row as it stands). One
   * running in another process is that process's to stop, unless that process is gone (killed, its
   * heartbeat stale): then it is ended here, as the next start would fail it.
   */
  async cancel(kind: JobKindKey, actor: Actor, id: number): Promise<any> {
    const k = this.kind(kind)
    const job = await k.get(this.knex, id, actor.scope)
    const { en, zh } = k.noun
    const gone = (status = 'ended') => problem('LR_CONFLICT', `${en} ${id} has already ${status}`, { detailZh: `${zh} ${id} 已结束，无法取消` })
    if (!(activeStatuses as readonly string[]).includes(job.status)) throw gone(job.status)
    const key = jobKey(kind, id)
    const elsewhere = job.status === 'running' && !this.runner.isRunning(key)
    const how = await auditedWrite(
      this.knex,
      actor,
      async (trx) => {
        if (elsewhere && !(await this.ownerIsGone(trx, k, id)))
          throw problem('LR_CONFLICT', `${en} ${id} runs in another process (the command line); stop it there`, {
            detailZh: `${zh} ${id} 由其他进程（命令行）运行，请在该处停止`,
          })
        const how = this.runner.cancel(key)
        // A job dropped from the queue never runs: its end is written here, with the audit row.
        if (how !== 'aborted' && !(await endJob(trx, k, id, { status: 'cancelled', message: 'cancelled', messageZh: '已取消' }))) throw gone()
        return how ?? (elsewhere ? 'owner-gone' : 'not-queued-here')
      },
      (how) => ({ action: `${k.audit.action}.cancel`, objectType: k.audit.objectType, objectId: id, county: job.county, detail: { how } }),
    )
    if (how !== 'aborted') this.emit({ type: 'ended', kind, id, status: 'cancelled' })
    else {
      this.emit({ type: 'cancelling', kind, id })
      let timer: NodeJS.Timeout | undefined
      const waited = new Promise<void>((r) => (timer = setTimeout(r, this.opts.cancelWaitMs ?? 30_000)))
      await Promise.race([this.runner.ended(key), waited])
      clearTimeout(timer)
    }
    const now = await this.get(kind, id, actor.scope)
    if (now.status === 'succeeded')
      throw problem('LR_CONFLICT', `${en} ${id} finished before the cancel took effect`, { detailZh: `${zh} ${id} 已在取消前完成` })
    return now
  }

  /**
   * At start: every interrupted job whose owner is gone (owner.ts: none recorded, a stale heartbeat,
   * a dead pid on this host) is settled: a recorded follow-up runs again (its kind says how, and
   * that doing so twice is safe), any other is failed and its partial rows removed. The jobs of a
   * live owner (a command-line import beside the service) are left to it; should it die, the next
   * start of the service settles them.
   */
  async recover(): Promise<{ failed: Record<string, number>; resumed: Record<string, number> }> {
    const failed: Record<string, number> = {}
    const resumed: Record<string, number> = {}
    const resume: Array<() => void> = []
    for (const k of this.kinds.values()) {
      const rows: Array<{ id: number }> = await this.knex(k.table).select('id').whereIn('status', activeStatuses).orderBy('id')
      failed[k.key] = resumed[k.key] = 0
      for (const { id } of rows) {
        const params = await k.resumable?.(this.knex, id)
        const settled = await this.settle(k, id, params != null)
        if (settled === 'resumed') {
          resume.push(() => this.enqueue(k.key, id, params!))
          resumed[k.key] = (resumed[k.key] ?? 0) + 1
        } else if (settled === 'failed') failed[k.key] = (failed[k.key] ?? 0) + 1
      }
    }
    const limit = heartbeatLimitSeconds(this.heartbeatSeconds)
    for (const k of this.kinds.values()) await k.atStart?.(this.knex, { heartbeatLimitSeconds: limit })
    // Run again only once what no job owns any more is gone (versions left loading, upload files).
    for (const start of resume) start()
    return { failed, resumed }
  }

  /**
   * Settles one interrupted job if its owner is gone, deciding on the row locked: two processes
   * starting at once cannot both take it, and an owner that took it back since it was listed keeps it.
   */
  private async settle(k: JobKind, id: number, resumable: boolean): Promise<'resumed' | 'failed' | 'left'> {
    return this.knex.transaction(async (trx) => {
      if (!(await this.ownerIsGone(trx, k, id))) return 'left'
      if (resumable && (await requeueJob(trx, k, id, this.owner))) return 'resumed'
      const ended = await endJob(trx, k, id, {
        status: 'failed',
        message: 'interrupted: the process that ran it stopped, or stopped answering; start it again',
        messageZh: '运行该任务的进程已停止或失去响应，任务中断：请重新提交',
      })
      return ended ? 'failed' : 'left'
    })
  }

  /** Whether an active job's owner is gone (owner.ts), read with its row locked until `trx` ends. */
  private async ownerIsGone(trx: Knex.Transaction, k: JobKind, id: number): Promise<boolean> {
    const row = await trx(k.table)
      .first(['status', ...ownerOfRow(trx, heartbeatLimitSeconds(this.heartbeatSeconds))])
      .where({ id })
      .forUpdate()
    return Boolean(row && (activeStatuses as readonly string[]).includes(row.status) && ownerGone(row, this.owner))
  }

  /** Keeps the heartbeat of every job this process holds fresh: one UPDATE per table that has any. */
  private async beat(): Promise<void> {
    const ids = new Map<JobKind['table'], number[]>()
    for (const key of this.runner.heldKeys()) {
      const [kind, id] = splitKey(key)
      const table = this.kind(kind).table
      ids.set(table, [...(ids.get(table) ?? []), id])
    }
    for (const [table, held] of ids) {
      // A beat lost (the database away) is only a beat late; the limit allows for several.
      await this.knex(table)
        .where({ owner: this.owner.id })
        .whereIn('id', held)
        .whereIn('status', activeStatuses)
        .update({ heartbeat_at: this.knex.fn.now() })
        .catch(() => {})
    }
  }

  /** The job running in this process now ('kind:id'), or null. */
  running(): string | null {
    return this.runner.runningKey()
  }

  /**
   * Stops: the running job is aborted and awaited. Queued jobs are failed, except recorded follow-ups,
   * which stay queued for the next start, as does a follow-up the stop interrupted.
   */
  async close(): Promise<void> {
    const dropped = await this.runner.close(true)
    for (const key of dropped) {
      const [kind, id] = splitKey(key)
      const k = this.kind(kind)
      if (await k.resumable?.(this.knex, id).catch(() => null)) continue
      await endJobEventually(
        this.knex,
        k,
        id,
        { status: 'failed', message: 'dropped from the queue by a stop of the service; start it again', messageZh: '服务停止，任务未执行：请重新提交' },
        { attempts: 1 },
      )
    }
    if (dropped.length) this.opts.log.warn({ dropped }, 'queued jobs dropped at shutdown')
    clearInterval(this.heartbeat)
  }

  private emit(e: JobEvent): void {
    for (const l of this.listeners) l(e)
  }

  private enqueue<K extends JobKindKey>(kind: K, id: number, params: ParamsOf<K>): void {
    this.runner.enqueue(jobKey(kind, id), (signal) => this.execute(this.kind(kind), id, params, signal))
    this.emit({ type: 'queued', kind, id })
  }

  /** Runs one job to its recorded end; never rejects (a failure to record it is left to the next start). */
  private async execute<K extends JobKindKey>(k: JobKind<K>, id: number, params: ParamsOf<K>, signal: AbortSignal, attempt = 0): Promise<FinalStatus> {
    const progress = new ProgressWriter(this.knex, k, id)
    let committed: JobOutcome | null = null
    // succeed() writes the end in the job's own transaction; it is the job's end only once that commits
    const commits: Array<Promise<void>> = []
    // follow-ups committed by the job's checkpoints (a layer of several): started at its end, whatever the end
    const checkpointed: FollowUp[] = []
    let end: Ending
    try {
      if (!(await markRunning(this.knex, k, id, this.owner))) {
        const { status } = await this.recorded(k, id, { status: 'cancelled' })
        this.emit({ type: 'ended', kind: k.key, id, status })
        return status
      }
      this.emit({ type: 'running', kind: k.key, id })
      const outcome =
        (await k.run({
          knex: this.knex,
          id,
          params,
          signal,
          hooks: this.hooks,
          progress: (fraction, columns, label) => {
            progress.set(fraction, columns)
            this.emit({ type: 'progress', kind: k.key, id, fraction, label })
          },
          checkpoint: async (trx, followUps = []) => {
            await progress.settled()
            await this.ownFollowUps(trx, followUps)
            trx.executionPromise.then(
              () => void checkpointed.push(...followUps),
              () => {},
            )
          },
          succeed: async (trx, o = {}) => {
            await progress.settled()
            if (await this.endOwningFollowUps(trx, k, id, { status: 'succeeded', outcome: o }))
              commits.push(
                trx.executionPromise.then(
                  () => void (committed = o),
                  () => {},
                ),
              )
          },
        })) ?? {}
      await Promise.all(commits)
      await progress.settled()
      const status = outcome.status === 'failed' ? (signal.aborted ? 'cancelled' : 'failed') : 'succeeded'
      // (the outcome's errors say the stop already: the kind read the signal's reason)
      end = status === 'cancelled' && stoppedByService(signal) ? { ...stopped, outcome } : { status, outcome }
      if (!committed && !(await this.knex.transaction((trx) => this.endOwningFollowUps(trx, k, id, end)))) end = await this.recorded(k, id, end)
    } catch (err) {
      await Promise.all(commits)
      await progress.settled()
      if (!signal.aborted) await this.logFailure(k, id, err)
      end = signal.aborted
        ? stoppedByService(signal)
          ? stopped
          : { status: 'cancelled', message: 'cancelled', messageZh: '已取消' }
        : {
            status: 'failed',
            message: k.errorMessage?.(err) ?? errorText(err),
            messageZh: diskFull(err as Error)
              ? diskFullSaid.messageZh
              : lostConnection(err as Error)
                ? '数据库连接中断，任务未完成：请稍后重新提交'
                : '服务内部错误，任务未完成：请稍后重新提交，仍失败请联系管理员',
          }
      // A recorded follow-up (re-bundling after an import) that lost its connection runs again on a
      // fresh one, a few times: nobody would start it again, and the old bundles would stay current.
      if (!committed && !signal.aborted && lostConnection(err as Error) && attempt < followUpRetries) {
        const again = await this.requeueAfterLoss(k, id, attempt)
        if (again) return this.execute(k, id, again, signal, attempt + 1)
      }
      // A stop that interrupts a recorded follow-up leaves it for the next start to run again.
      if (!committed && stoppedByService(signal) && (await k.resumable?.(this.knex, id).catch(() => null))) {
        await requeueJob(this.knex, k, id).catch(() => {})
        return 'cancelled'
      }
      if (!(await endJobEventually(this.knex, k, id, end))) {
        this.opts.log.warn({ job: jobKey(k.key, id) }, 'could not record the end of a job; the next start fails it')
        throw err
      }
      end = await this.recorded(k, id, end)
    }
    // Queued before this job's end is announced, so whoever waits for it can wait for them too.
    const ending = end.status === 'succeeded' ? ((committed ?? end.outcome ?? {}).followUps ?? []) : []
    await this.startFollowUps({ followUps: [...checkpointed, ...ending.filter((f) => !checkpointed.some((c) => c.kind === f.kind && c.id === f.id))] })
    this.emit({ type: 'ended', kind: k.key, id, status: end.status })
    return end.status
  }

  /**
   * Ends the job and, in the same transaction, makes this process the owner of the follow-ups it
   * recorded: from their commit on they are never without a live owner (a start elsewhere would take them).
   */
  private async endOwningFollowUps(trx: Knex.Transaction, k: JobKind, id: number, end: Ending): Promise<boolean> {
    if (!(await endJob(trx, k, id, end))) return false
    await this.ownFollowUps(trx, end.outcome?.followUps ?? [])
    return true
  }

  /** This process the owner of follow-ups recorded in `trx`: from its commit on they never lack a live owner. */
  private async ownFollowUps(trx: Knex.Transaction, followUps: FollowUp[]): Promise<void> {
    for (const f of followUps) await trx(this.kind(f.kind).table).where({ id: f.id }).whereIn('status', activeStatuses).update(ownerColumns(trx, this.owner))
  }

  /**
   * A run that fails because another process ended its job meanwhile (a start that took this one
   * for gone dropped what it was loading) is told as that, not as an error of its own.
   */
  private async logFailure(k: JobKind, id: number, err: unknown): Promise<void> {
    const row = await this.knex(k.table)
      .first('status')
      .where({ id })
      .catch(() => null)
    if (row && !(activeStatuses as readonly string[]).includes(row.status))
      this.opts.log.warn({ job: jobKey(k.key, id), status: row.status }, 'the job was ended by another process while it ran here')
    else this.opts.log.error({ err, job: jobKey(k.key, id) }, 'job failed')
  }

  /**
   * A follow-up's row put back to queued (its partial rows removed) after a lost connection, once the
   * pool reaches the database again: its params, or null when it is not a follow-up, ended meanwhile,
   * or the database stayed away (then it fails as any job does).
   */
  private async requeueAfterLoss<K extends JobKindKey>(k: JobKind<K>, id: number, attempt: number): Promise<ParamsOf<K> | null> {
    for (let i = 0; i < 4 && !this.runner.closing; i++) {
      await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt + i)))
      try {
        const params = await k.resumable?.(this.knex, id)
        if (!params || !(await requeueJob(this.knex, k, id))) return null
        this.opts.log.warn({ job: jobKey(k.key, id), attempt: attempt + 1 }, 'a follow-up lost its database connection; it runs again')
        return params
      } catch {
        // still away: wait longer
      }
    }
    return null
  }

  /** The end the row holds, when another writer (a cancel of a queued row) recorded it first. */
  private async recorded(k: JobKind, id: number, end: Ending): Promise<Ending> {
    const row = await this.knex(k.table).first('status').where({ id })
    // Still active: another owner took it (a start that found this process gone), it is not ours to report.
    return row && !(activeStatuses as readonly string[]).includes(row.status) ? { ...end, status: row.status as FinalStatus } : end
  }

  /** Follow-ups were recorded (queued rows) with the job's commit; this starts them now, or the next start does. */
  private async startFollowUps(outcome: JobOutcome): Promise<void> {
    for (const f of outcome.followUps ?? []) await this.startFollowUp(f)
  }

  private async startFollowUp(f: FollowUp): Promise<void> {
    try {
      if (this.runner.closing) return
      const params = await this.kind(f.kind).resumable?.(this.knex, f.id)
      if (params && !this.runner.closing) this.enqueue(f.kind, f.id, params)
    } catch (err) {
      this.opts.log.warn({ err, job: jobKey(f.kind, f.id) }, 'a follow-up job could not be started now; the next start runs it')
    }
  }
}

const splitKey = (key: string): [JobKindKey, number] => {
  const [kind, id] = key.split(':')
  return [kind as JobKindKey, Number(id)]
}
