// OGC API – Features Part 3 filtering: `filter` in CQL2 text or JSON → a bound SQL condition.
import { problem } from '../../errors/index.js'
import { FilterError, type Filter } from './ast.js'
import { parseCql2Json } from './json.js'
import { filterSql, impliedEqualities, type FilterTarget, type Sql } from './sql.js'
import { parseCql2Text } from './text.js'

export { geometryQueryable } from './sql.js'
/** cql-text is the Part 3 draft's name, which GDAL 3.6 sends: the same text for what it generates. */
export const filterLanguages = ['cql2-text', 'cql2-json', 'cql-text'] as const
export type FilterLanguage = (typeof filterLanguages)[number]

export function parseFilter(text: string, language: FilterLanguage): Filter {
  return language === 'cql2-json' ? parseCql2Json(text) : parseCql2Text(text)
}

/** The SQL condition of a filter, or a 400 problem naming the position (or JSON path) of the error. */
export function filterCondition(text: string, language: FilterLanguage, target: FilterTarget): Sql {
  return withPosition(language, () => filterSql(parseFilter(text, language), target))
}

/** The SQL condition and the equalities the filter implies (see impliedEqualities). */
export function compileFilter(text: string, language: FilterLanguage, target: FilterTarget) {
  return withPosition(language, () => {
    const tree = parseFilter(text, language)
    return { condition: filterSql(tree, target), equalities: impliedEqualities(tree, target) }
  })
}

function withPosition<T>(language: FilterLanguage, work: () => T): T {
  try {
    return work()
  } catch (err) {
    if (!(err instanceof FilterError)) throw err
    const position = typeof err.at === 'string' ? { path: err.at } : err.at >= 0 ? { position: err.at + 1 } : {}
    throw problem('LR_BAD_REQUEST', `filter (${language}): ${err.message}`, { detailZh: `过滤条件有误：${err.messageZh}`, ...position })
  }
}
