// The console shows the names of the API's enumerations from GET /settings (web/settings.js), never
// from a copy of its own: a copy drifts the day the catalogue or a domain table changes (the copy
// here once said 规划分区 where the catalogue says 国土空间规划分区). This reads every string literal
// of web/ and fails on one that is a name the settings document gives.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { defaultConfig, projectRoot } from '../../src/config.js'
import { settingsDocument } from '../../src/settings/document.js'

/** Page texts that are the same words as a name, by meaning of their own: a page title or a menu entry. */
const samePageWords = new Set([
  '项目', // the projects page and its menu entry (the projects collection is titled so too)
  '省级', // the province page's menu entry (the province role is named so too)
  '连片组团', // the bundles page's title (the bundles collection is titled so too)
])

/** Every Chinese name in the settings document (titleZh and nameZh, wherever they sit). */
function apiNames(): Set<string> {
  const names = new Set<string>()
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'titleZh' || k === 'nameZh') && typeof x === 'string') names.add(x)
        else walk(x)
      }
  }
  walk(settingsDocument(defaultConfig().limits.tiles))
  for (const word of samePageWords) names.delete(word)
  return names
}

/** String literals (and template pieces) of a module that are one of `names`, as "file: text". */
function copies(file: string, text: string, names: Set<string>): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) && names.has(node.text.trim()))
      found.push(`${file}: ${node.text}`)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('names of the API’s enumerations in the console', () => {
  const names = apiNames()

  it('the settings document names every layer kind, status and filing kind (what the check looks for)', () => {
    for (const name of ['三调地类图斑', '国土空间规划分区', '草稿', '不涉及批而未供土地', '省级审核通过', '实施方案', '退二进三', '完成土地供应', '管理员'])
      expect(names).toContain(name)
  })

  it('finds a copy (the checker itself), but not a longer text that contains a name', () => {
    const page = "export const s = { statuses: { draft: '草稿' }, hint: `${x} 草稿`, note: '项目不涉及批而未供土地的核查' }"
    expect(copies('web/x.js', page, names)).toEqual(['web/x.js: 草稿', 'web/x.js:  草稿'])
  })

  it('no module of web/ writes a name the settings document gives', () => {
    const files = fs.readdirSync(path.join(projectRoot, 'web'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))
    expect(files).toContain('strings.js')
    const found = files.flatMap((f) => copies(path.join('web', f), fs.readFileSync(path.join(projectRoot, 'web', f), 'utf8'), names))
    expect(found).toEqual([])
  })
})
