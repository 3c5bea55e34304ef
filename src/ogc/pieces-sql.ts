// The OGC `analysis-pieces` collection: the analysis pieces (src/analysis/pieces.ts) of the
// projects a key may see, or of one project when the request filters by projectId.
import { excludedTypesNear, piecesSource as analysisPieces, type Sql } from '../analysis/pieces.js'
import { analysisDefaults } from '../domain/analysis-config.js'
import type { SourceContext } from './source-context.js'

export async function piecesSource(ctx: SourceContext): Promise<Sql> {
  const scope = ctx.countyCondition('xzqdm')
  const projectId = ctx.equals.get('projectId')
  const where = projectId === undefined ? scope : { sql: `${scope.sql} AND id = ?`, bindings: [...scope.bindings, projectId] }
  const near =
    projectId === undefined
      ? ctx.countyCondition('p.xzqdm')
      : { sql: `${ctx.countyCondition('p.xzqdm').sql} AND p.id = ?`, bindings: [...ctx.countyCondition('p.xzqdm').bindings, projectId] }
  const excludedTypes = await excludedTypesNear(ctx.knex, near, analysisDefaults.buildingTypeRules)
  return analysisPieces(where, { constructionCodes: analysisDefaults.survey2ConstructionCodes, excludedTypes })
}
