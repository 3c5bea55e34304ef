// What follows a new layer version (projects from a projects layer, re-bundling, stale analyses) is
// registered here by the feature it belongs to; the import job runs the hooks without knowing them.
import type { Knex } from 'knex'

export interface LayerImported {
  layer: string
  county: string
  datasetId: number
}

/** What a hook tells the user, added to the import's warnings. */
export interface HookNote {
  record?: number
  message: string
}

export type AfterImportHook = (knex: Knex, event: LayerImported) => Promise<HookNote[]>

const hooks = new Map<string, AfterImportHook>()

/** Named so that registering twice (a test building two apps) keeps one. Hooks run in registration order. */
export function registerAfterImport(name: string, hook: AfterImportHook): void {
  hooks.set(name, hook)
}

/** Runs every hook; one failing does not stop the others, and none undoes the import. */
export async function runAfterImport(knex: Knex, event: LayerImported): Promise<HookNote[]> {
  const notes: HookNote[] = []
  for (const [name, hook] of hooks) {
    try {
      notes.push(...(await hook(knex, event)))
    } catch (err) {
      notes.push({ message: `imported, but ${name} failed: ${(err as Error).message.split(' - ').at(-1)}` })
    }
  }
  return notes
}
