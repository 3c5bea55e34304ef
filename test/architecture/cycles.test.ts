// No import cycles in the service (src/) or the console (web/): a cycle means two modules each
// need the other's knowledge, so neither can change alone (issue 20). Type-only imports count too:
// they tie the modules' meanings together just the same.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/config.js'

/** Every module under `dir` with the relative modules it imports (resolved to files). */
function importGraph(dir: string, ext: RegExp): Map<string, string[]> {
  const files = fs.readdirSync(path.join(projectRoot, dir), { recursive: true, encoding: 'utf8' }).filter((f) => ext.test(f))
  const graph = new Map<string, string[]>()
  for (const f of files) {
    const file = path.join(dir, f)
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(projectRoot, file), 'utf8'), true, true)
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((n) => n.startsWith('.'))
      .map((n) => path.join(path.dirname(file), n).replace(/\.js$/, file.endsWith('.ts') ? '.ts' : '.js'))
    graph.set(file, targets)
  }
  return graph
}

/** The cycles of a graph, each as the path that closes it (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  let next = 0
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort())
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

describe('module structure', () => {
  it('finds a cycle when there is one (the checker itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ])
    expect(cycles(g)).toEqual([['a', 'b', 'c']])
  })

  it('src/ has no import cycle', () => {
    expect(cycles(importGraph('src', /\.ts$/))).toEqual([])
  })

  it('web/ has no import cycle', () => {
    expect(cycles(importGraph('web', /\.js$/))).toEqual([])
  })
})
