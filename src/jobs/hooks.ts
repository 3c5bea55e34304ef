// What must follow a new layer version (projects from a projects layer, stale analyses, a bundle
// run over new plots) is registered here by the composition root; the import runs the hooks inside
// the transaction that activates the version, without knowing them. So a version is never active
// without what follows it: cheap work commits with the switch, long work is recorded there as a
// queued job of its own (a follow-up) that the runner starts after the commit, or the next start resumes.
import type { Knex } from 'knex'
import type { FollowUp } from './keys.js'

export interface LayerActivated {
  layer: string
  county: string
  datasetId: number
  /** the import job that activated the version */
  importJobId: number
}

/** What a hook tells the user, added to the import's warnings. */
export interface HookNote {
  record?: number
  message: string
  /** the Chinese the console shows; a note without it is shown in English */
  messageZh?: string
}

export interface HookResult {
  notes: HookNote[]
  followUps?: FollowUp[]
}

export type ActivationHook = (trx: Knex.Transaction, event: LayerActivated) => Promise<HookResult>

/** A hook that failed: the activation is rolled back, and the import says which step and why. */
export class ActivationHookError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step} failed: ${(cause as Error)?.message?.split(' - ').at(-1) ?? String(cause)}`)
  }
}

/** The hooks of one app (or CLI), in registration order; built once with the job kinds. */
export class ActivationHooks {
  private readonly hooks: Array<{ name: string; hook: ActivationHook }> = []

  register(name: string, hook: ActivationHook): this {
    if (this.hooks.some((h) => h.name === name)) throw new Error(`activation hook '${name}' is registered twice`)
    this.hooks.push({ name, hook })
    return this
  }

  /** Runs every hook in `trx`; the first failure rejects (ActivationHookError), which undoes the activation. */
  async run(trx: Knex.Transaction, event: LayerActivated): Promise<Required<HookResult>> {
    const out: Required<HookResult> = { notes: [], followUps: [] }
    for (const { name, hook } of this.hooks) {
      let r: HookResult
      try {
        r = await hook(trx, event)
      } catch (err) {
        throw new ActivationHookError(name, err)
      }
      out.notes.push(...r.notes)
      out.followUps.push(...(r.followUps ?? []))
    }
    return out
  }
}
