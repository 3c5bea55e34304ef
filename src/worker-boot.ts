// The code that starts a worker thread on a module beside the caller (new Worker(boot, { eval: true })):
// the .ts through tsx when the service runs from its sources (npm start, the tests), the .js in the
// compiled image, which has no tsx (docs/decisions.md, issue 20: deployment). Workers do not inherit
// the parent's `--import tsx` hooks on Node 20: they register them first.
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The boot code of worker module `name` (without extension) in the folder of `callerUrl` (import.meta.url). */
export function workerBoot(callerUrl: string, name: string): string {
  const modulePath = fileURLToPath(callerUrl)
  const ext = path.extname(modulePath)
  const entry = JSON.stringify(pathToFileURL(path.join(path.dirname(modulePath), `${name}${ext}`)).href)
  return ext === '.js' ? `import(${entry})` : `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}) })`
}
