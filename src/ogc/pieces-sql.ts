// The OGC `analysis-pieces` collection: the analysis pieces (src/analysis/pieces.ts) of the
// projects a key may see, narrowed before anything is cut to the project a request filters by
// (projectId) and to the projects its bbox or tile touches: a province key asking for one square
// kilometre computes the pieces of the few projects there, not of the province.
import { excludedTypesNear, piecesSource as analysisPieces, type Sql } from '../analysis/pieces.js'
import type { ProjectSelection } from '../db/analysis-cut.js'
import { analysisDefaults, survey2LandOf } from '../domain/analysis-config.js'
import type { SourceContext } from './source-context.js'

export async function piecesSource(ctx: SourceContext): Promise<Sql> {
  const projectId = ctx.equals.get('projectId')
  const sel: ProjectSelection = {
    county: ctx.countyCondition,
    ...(projectId === undefined ? {} : { ids: [Number(projectId)] }),
    ...(ctx.box ? { box: ctx.box } : {}),
  }
  const excludedTypes = await excludedTypesNear(ctx.knex, sel, analysisDefaults.buildingTypeRules)
  return analysisPieces(sel, { survey2: survey2LandOf(analysisDefaults), excludedTypes })
}
