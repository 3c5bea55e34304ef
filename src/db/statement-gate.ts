// A bound on how many statements one piece of long work runs at once. A county's analysis run
// measures two chunks ahead (src/analysis/runs.ts), two dozen statements at a time; left to the pool,
// they would all wait for a connection ahead of any request that came after them (the pool hands
// connections out in order of asking). Behind a gate they wait here instead, and the pool keeps
// connections for requests.

/** Runs `statement` when fewer than the gate's limit run, in the order asked. */
export type StatementGate = <T>(statement: () => Promise<T>) => Promise<T>

export function statementGate(limit: number): StatementGate {
  let running = 0
  const waiting: Array<() => void> = []
  return async (statement) => {
    // a finishing statement hands its place to the next waiting one, so `running` counts both
    if (running < limit) running++
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await statement()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }
}

/**
 * How many statements long work may run at once on `poolMax` connections: all but two, which stay
 * for requests (at least two: on the embedded database's one connection the gate is not what waits).
 */
export const longWorkStatements = (poolMax: number) => Math.max(2, poolMax - 2)
