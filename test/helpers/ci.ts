// Tests that need a tool of the machine (GDAL's command-line tools, root for a second user): where
// it is missing they are skipped, with the reason in their name, so a developer without it still
// runs the rest. Under CI (CI=true, which .ci/run exports) they run and fail instead, naming what
// is missing: a green CI must mean these tests ran, not that they were skipped.
import { execFileSync } from 'node:child_process'

/** Whether this run is CI's (CI set to anything but false/0, as CI services and .ci/run set it). */
export const underCi = Boolean(process.env.CI) && !['false', '0'].includes(process.env.CI!.toLowerCase())

/** For it.skipIf: skip a test whose requirement is absent, except under CI. */
export const skipWithout = (present: boolean): boolean => !present && !underCi

/** Fails a test run under CI whose requirement is absent, saying what to install or change. */
export function requireUnderCi(present: boolean, what: string): void {
  if (!present) throw new Error(`${what}; under CI (CI=${process.env.CI}) this test must run, not be skipped`)
}

/** Whether the machine has GDAL's ogr2ogr (Debian gdal-bin): the tests that make or read files with it need it. */
export const hasOgr2ogr = (() => {
  try {
    execFileSync('ogr2ogr', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
