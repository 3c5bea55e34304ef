// The console's modules are served to the browser as they are (no build step, no type check), so a
// name imported from a module that does not export it is found only when the page fails to load:
// the whole page module is refused. This reads every import of web/ and checks it against the
// exports of the module it names.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/config.js'

interface ModuleFacts {
  exports: Set<string>
  imports: { from: string; name: string }[]
}

function facts(file: string, text: string): ModuleFacts {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const exports = new Set<string>()
  const imports: ModuleFacts['imports'] = []
  const exported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  const isDefault = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text.startsWith('.')) {
      const from = path.join(path.dirname(file), node.moduleSpecifier.text)
      const clause = node.importClause
      if (clause?.name) imports.push({ from, name: 'default' })
      const bindings = clause?.namedBindings
      if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) imports.push({ from, name: (e.propertyName ?? e.name).text })
    } else if (ts.isExportAssignment(node)) exports.add('default')
    else if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
      for (const e of node.exportClause.elements) exports.add(e.name.text)
    } else if (exported(node)) {
      if (isDefault(node)) exports.add('default')
      else if (ts.isVariableStatement(node)) {
        for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) exports.add(d.name.text)
      } else if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name) exports.add(node.name.text)
    }
  }
  return { exports, imports }
}

/** Each `import { name } from './module.js'` of web/ whose module lacks the export, as "file: name from module". */
function missingImports(modules: Map<string, string>): string[] {
  const all = new Map([...modules].map(([file, text]) => [file, facts(file, text)]))
  const missing: string[] = []
  for (const [file, { imports }] of all) for (const i of imports) if (!all.get(i.from)?.exports.has(i.name)) missing.push(`${file}: ${i.name} from ${i.from}`)
  return missing
}

describe('console modules', () => {
  it('finds an import its module does not export (the checker itself)', () => {
    const modules = new Map([
      ['web/a.js', "import { h, gone } from './b.js'\nimport s from './b.js'\nexport const x = h(gone, s)"],
      ['web/b.js', 'export function h() {}\nexport default {}'],
    ])
    expect(missingImports(modules)).toEqual(['web/a.js: gone from web/b.js'])
  })

  it('every name a module of web/ imports is exported by the module it names', () => {
    const files = fs.readdirSync(path.join(projectRoot, 'web'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))
    const modules = new Map(files.map((f) => [path.join('web', f), fs.readFileSync(path.join(projectRoot, 'web', f), 'utf8')]))
    expect(missingImports(modules)).toEqual([])
  })
})
