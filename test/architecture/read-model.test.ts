// Knowledge written once (issue 20): "the active version of a layer", "the active bundling run",
// "the latest / approved analysis of a project", paths into the stored result, region scope and
// m² → 亩 with display rounding each have one home. This test reads src/ for the telltales of a
// second copy and fails naming file and line; each telltale is shown to fire on an example of the
// copy it guards against and to stay quiet on unrelated text that looks alike.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/config.js'

interface Telltale {
  what: string
  /** matched against a whole file: `[^`]` keeps a match within one template literal */
  pattern: RegExp
  /** where the one copy lives (path prefixes under src/) */
  home: string[]
  /** paths the telltale does not apply to, with why */
  outside?: string[]
  copies: string[]
  unrelated: string[]
  /** the console (web/) must not hold a copy either: it takes the value from GET /settings */
  alsoWeb?: boolean
}

const readModel = ['src/db/']
const telltales: Telltale[] = [
  {
    what: 'the active flag of a layer version or bundling run, in a knex object (use src/db/read-model.ts)',
    pattern: /\bactive:\s*(true|false)\b/,
    home: readModel,
    copies: [`knex('datasets').where({ layer, xzqdm: county, active: true })`, `trx('bundle_runs').update({ active: false })`],
    unrelated: [`active: Type.Boolean(),`, `active: 'active',`, `const active = await q.activeDataset(knex)`],
  },
  {
    what: 'the active flag in an SQL condition (use activeVersionJoin / activeVersionCondition / activeRunJoin)',
    pattern: /\b(AND|WHERE|ON|NOT)\s+\(?\s*([a-z_]+\.)?active\b(?!_)|\b[a-z_]+\.active\s+(AND|OR)\b|['"`]([a-z_]+\.)?active['"`]\s*,\s*(true|false)/,
    home: readModel,
    copies: [
      `JOIN datasets d ON d.layer = 'buildings' AND d.xzqdm = p.xzqdm AND d.active`,
      `FROM bundle_runs WHERE active AND xzqdm = ?`,
      `WHERE newest > ? AND NOT active AND id NOT IN (…)`,
      `JOIN bundle_runs r ON r.active AND r.id = f.run_id`,
      `.where('r.active', true)`,
    ],
    unrelated: [`versions.find((v) => v.active)`, `// the active version of each county's layer`, `WHERE d.inactive_since IS NULL`, `AND active_key = ?`],
  },
  {
    what: 'the latest analysis of a project (use latestAnalysisJoin / latestAnalysisIdsOfCounty / latestAnalysisOf)',
    pattern:
      /analysis_results\b[^`]*?ORDER BY\s+([a-z_]+\.)?id\s+DESC|DISTINCT ON\s*\(\s*([a-z_]+\.)?project_id\s*\)|max\(([a-z_]+\.)?id\)\s+FROM\s+analysis_results\b[^`]*?GROUP BY|analysis_results['"][^;]*?orderBy\(\s*['"]([a-z_]+\.)?id['"]\s*,\s*['"]desc['"]/,
    home: readModel,
    copies: [
      '`SELECT r.result FROM analysis_results r WHERE r.project_id = p.id ORDER BY r.id DESC LIMIT 1`',
      '`SELECT DISTINCT ON (project_id) id FROM analysis_results ORDER BY project_id, id DESC`',
      '`r.id NOT IN (SELECT max(id) FROM analysis_results WHERE xzqdm = ? GROUP BY project_id)`',
      `knex('analysis_results').where({ project_id: id }).orderBy('id', 'desc').first()`,
    ],
    unrelated: [
      '`SELECT count(*), (SELECT max(id) FROM analysis_results) AS v FROM projects`',
      `knex('import_jobs').select(jobColumns).orderBy('id', 'desc')`,
      '`SELECT id FROM audit_log ORDER BY id DESC LIMIT 1`',
    ],
  },
  {
    what: 'the approved (pinned) analysis of a project (use approvedAnalysisJoin / approvedAnalysisIdsOfCounty)',
    pattern: /\bON\b[^`\n]*approved_result_id|=\s*[a-z_]+\.approved_result_id\b|SELECT\s+approved_result_id\s+FROM/,
    home: readModel,
    copies: [
      '`LEFT JOIN analysis_results r ON r.id = p.approved_result_id`',
      '`AND r.id NOT IN (SELECT approved_result_id FROM projects WHERE xzqdm = ?)`',
      '`WHERE r.id = projects.approved_result_id`',
    ],
    unrelated: ['`p.approved_result_id IS NOT NULL AS approved`', `update.approved_result_id = pinned`, `approved_result_id: null`],
  },
  {
    what: 'a JSON path into the stored analysis result (use resultValue / resultPartsJoin, generated from the schema)',
    pattern: /\bresult\s*->>?\s*'|\bresult\s*#>>?\s*'|jsonb_to_record(set)?\(\s*([a-z_]+\.)?result\s*\)/,
    home: readModel,
    copies: [
      "`(r.result->'stockArea'->>'m2')::float8`",
      "`r.result -> 'checks' AS checks`",
      "`(a.result #>> '{footprint,ratio}')::float8`",
      '`LEFT JOIN LATERAL jsonb_to_record(r.result) AS x("stockArea" jsonb) ON true`',
    ],
    unrelated: ["`e.value ->> 'datasetId'`", "`x->>'flag'`", `const result = await run(); result.rows`],
  },
  {
    what: 'm² → 亩 (use toMu / toMuSql in src/domain/units.ts)',
    pattern: /10000(\.0)?\s*\/\s*15\b/,
    home: ['src/domain/units.ts'],
    copies: ['round(f.m2 / (10000.0 / 15), 4)', 'const MU_M2 = 10000 / 15'],
    alsoWeb: true,
    unrelated: ['10000 / 150', 'x * 10000 / 1500', '1 亩 = 666.67 m²'],
  },
  {
    what: 'display rounding (use roundTo / roundSql in src/domain/units.ts: JS and SQL give the same digits)',
    pattern: /Number\(\(?[^;\n]*?\.toFixed\(|Math\.round\([^;\n]*\*\s*(100|10000)\s*\)\s*\/\s*(100|10000)\b|round\(\(?[^;\n]*::numeric\s*,/,
    home: ['src/domain/units.ts'],
    // survey data written by the generator carries TBMJ to 0.01 m² as a delivery does: not our display
    outside: ['src/testdata/'],
    copies: ['Number(x.toFixed(digits))', 'Math.round(toMu(b.m2) * 10000) / 10000', '`round((${expr})::numeric, ${decimals})::float8`'],
    unrelated: ['(n / 1024).toFixed(1)', 'Math.round(centralMeridian * 1e6) / 1e6', 'c.area.m2.toFixed(2)', 'Math.round(f * width)'],
  },
  {
    what: 'region scope by string prefix (use src/db/scope.ts and the region table, src/domain/regions.ts)',
    pattern: /\.startsWith\(\s*(scope\.prefix|[a-z]*\.?city(Code|Prefix)?)\s*\)|xzqdm\s+(I?LIKE|~)|(left|substr|substring)\(\s*([a-z_]+\.)?xzqdm\b/i,
    home: [],
    copies: ['c.startsWith(f.city)', 'countyByCode(code)?.cityCode.startsWith(scope.prefix)', "`WHERE xzqdm LIKE '3715%'`", '`left(p.xzqdm, 4) = ?`'],
    unrelated: ["county.startsWith('3702')", 'code.startsWith(prefix)', "name.startsWith('/')", '`p.xzqdm = ANY(?::bpchar[])`'],
  },
]

/** Every TypeScript file under src/, relative to the project root. */
const sourceFiles = () =>
  fs
    .readdirSync(path.join(projectRoot, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('src', f).split(path.sep).join('/'))

/** Every script of the console under web/. */
const webFiles = () =>
  fs
    .readdirSync(path.join(projectRoot, 'web'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join('web', f).split(path.sep).join('/'))

/** Where a telltale appears outside its home, as `file:line  text`. */
function copiesOf(t: Telltale, files: Array<{ file: string; text: string }>): string[] {
  const found: string[] = []
  for (const { file, text } of files) {
    if ([...t.home, ...(t.outside ?? [])].some((h) => file.startsWith(h))) continue
    const global = new RegExp(t.pattern.source, t.pattern.flags.includes('g') ? t.pattern.flags : `${t.pattern.flags}g`)
    for (const m of text.matchAll(global)) {
      const line = text.slice(0, m.index).split('\n').length
      found.push(`${file}:${line}  ${m[0].split('\n')[0]!.trim()}`)
    }
  }
  return found
}

describe('one home for each piece of read-model knowledge', () => {
  const read = (file: string) => ({ file, text: fs.readFileSync(path.join(projectRoot, file), 'utf8') })
  const files = sourceFiles().map(read)
  const console = webFiles().map(read)

  for (const t of telltales) {
    it(`no second copy of ${t.what}${t.alsoWeb ? ', in src/ or the console' : ''}`, () => {
      expect(copiesOf(t, t.alsoWeb ? [...files, ...console] : files)).toEqual([])
    })
  }

  it('each telltale fires on the copies it guards against and not on unrelated text', () => {
    for (const t of telltales) {
      for (const copy of t.copies) expect(copiesOf(t, [{ file: 'src/planted.ts', text: copy }]), `${t.what}: ${copy}`).toHaveLength(1)
      for (const text of t.unrelated) expect(copiesOf(t, [{ file: 'src/planted.ts', text }]), `${t.what}: ${text}`).toEqual([])
    }
  })

  it('each home exists and holds what it is the home of', () => {
    for (const t of telltales)
      for (const home of t.home) {
        expect(fs.existsSync(path.join(projectRoot, home)), home).toBe(true)
        if (home.endsWith('.ts')) expect(fs.readFileSync(path.join(projectRoot, home), 'utf8')).toMatch(t.pattern)
      }
  })
})
