// A small parser for WKT CRS definitions (.prj files): ESRI WKT1, OGC WKT1 and WKT2 share the
// KEYWORD[ "text", number, CHILD[...] ] shape, which is all the identification needs.

export interface WktNode {
  keyword: string
  values: Array<string | number>
  children: WktNode[]
}

export class WktError extends Error {}

export function parseWkt(text: string): WktNode {
  let i = 0
  const s = text.trim()
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++
  }
  const node = (): WktNode => {
    skip()
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))
    if (!m) throw new WktError(`expected a keyword at position ${i}`)
    i += m[0].length
    skip()
    const open = s[i]
    if (open !== '[' && open !== '(') throw new WktError(`expected '[' after ${m[0]} at position ${i}`)
    const close = open === '[' ? ']' : ')'
    i++
    const out: WktNode = { keyword: m[0].toUpperCase(), values: [], children: [] }
    for (;;) {
      skip()
      const c = s[i]
      if (c === undefined) throw new WktError(`unterminated ${m[0]}`)
      if (c === close) {
        i++
        return out
      }
      if (c === ',') {
        i++
        continue
      }
      if (c === '"') {
        let str = ''
        i++
        for (;;) {
          if (i >= s.length) throw new WktError('unterminated string')
          if (s[i] === '"') {
            if (s[i + 1] === '"') {
              str += '"'
              i += 2
              continue
            }
            i++
            break
          }
          str += s[i++]
        }
        out.values.push(str)
      } else if (/[-+.\d]/.test(c)) {
        const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(s.slice(i))
        if (!num) throw new WktError(`bad number at position ${i}`)
        out.values.push(Number(num[0]))
        i += num[0].length
      } else if (/[A-Za-z]/.test(c)) {
        const save = i
        const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))![0]
        i += word.length
        skip()
        if (s[i] === '[' || s[i] === '(') {
          i = save
          out.children.push(node())
        } else out.values.push(word) // bare enum such as AXIS["x", EAST]
      } else throw new WktError(`unexpected '${c}' at position ${i}`)
    }
  }
  const root = node()
  return root
}

/** Depth-first search for the first node with one of the keywords. */
export function find(node: WktNode, ...keywords: string[]): WktNode | undefined {
  if (keywords.includes(node.keyword)) return node
  for (const c of node.children) {
    const f = find(c, ...keywords)
    if (f) return f
  }
  return undefined
}

export function findAll(node: WktNode, keyword: string, out: WktNode[] = []): WktNode[] {
  if (node.keyword === keyword) out.push(node)
  for (const c of node.children) findAll(c, keyword, out)
  return out
}
