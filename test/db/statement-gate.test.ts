// statementGate: at most `limit` statements of one piece of long work at once, the rest in order.
import { describe, expect, it } from 'vitest'
import { longWorkStatements, statementGate } from '../../src/db/statement-gate.js'

const tick = () => new Promise((r) => setImmediate(r))

describe('statementGate', () => {
  it('runs at most its limit at once and the others in the order asked, also after a failure', async () => {
    const gate = statementGate(2)
    let running = 0
    let most = 0
    const order: number[] = []
    const releases: Array<(fail?: boolean) => void> = []
    const statement = (n: number) => () =>
      new Promise<number>((resolve, reject) => {
        running++
        most = Math.max(most, running)
        order.push(n)
        releases.push((fail) => {
          running--
          if (fail) reject(new Error(`statement ${n} failed`))
          else resolve(n)
        })
      })
    const results = [1, 2, 3, 4, 5].map((n) => gate(statement(n)))
    await tick()
    expect(order).toEqual([1, 2])
    releases[0]!(true)
    await expect(results[0]).rejects.toThrow('statement 1 failed')
    await tick()
    expect(order).toEqual([1, 2, 3])
    releases[1]!()
    releases[2]!()
    await tick()
    expect(order).toEqual([1, 2, 3, 4, 5])
    releases[3]!()
    releases[4]!()
    expect(await Promise.all(results.slice(1))).toEqual([2, 3, 4, 5])
    expect(most).toBe(2)
    // the places are all free again: two start at once
    const again = [6, 7].map((n) => gate(statement(n)))
    await tick()
    expect(order.slice(5)).toEqual([6, 7])
    releases[5]!()
    releases[6]!()
    expect(await Promise.all(again)).toEqual([6, 7])
  })

  it('leaves two connections of a pool to requests, and runs two on the smallest pools', () => {
    expect(longWorkStatements(10)).toBe(8)
    expect(longWorkStatements(4)).toBe(2)
    expect(longWorkStatements(1)).toBe(2)
  })
})
