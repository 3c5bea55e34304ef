// How much a vector tile may hold, per collection. Below a layer's minimum zoom a tile is empty and
// answered without touching the database (a third-survey layer of a county at zoom 8 is 100 000
// patches of a few pixels each); at or above it, a tile holds at most maxFeatures features, the
// largest first, so a dense tile stays small and quick. Both are declared in TileJSON, so map
// clients do not ask below the minimum zoom at all. A tile the cap cut is marked (header and a
// tile-info layer), and TileJSON says from which zoom on the data's tiles are complete. The caps are configuration
// (TILE_MAX_FEATURES, TILE_MAX_ANALYSIS_PIECES); the minimum zooms belong to the data.

/**
 * The layer a truncated tile adds: one point with `truncated`, `layer` and `maxFeatures`. Tiles
 * also say it in the X-Tile-Truncated header, and TileJSON gives each layer's `completeFromZoom`.
 */
export const tileInfoLayer = 'tile-info'

export interface TileLimit {
  minZoom: number
  maxFeatures: number
}

/** The configured caps (src/config.ts Limits['tiles']). */
export interface TileCaps {
  maxFeatures: number
  /** analysis pieces are computed per request, so their tiles hold fewer */
  maxAnalysisPieces: number
}

/** By collection id: the survey layers are the dense ones. */
export const tileMinZooms: Record<string, number> = {
  survey3: 12,
  survey2: 12,
  'survey2-lines': 13,
  buildings: 13,
  'analysis-pieces': 12,
}

export const tileLimitOf = (collectionId: string, caps: TileCaps): TileLimit => ({
  minZoom: tileMinZooms[collectionId] ?? 0,
  maxFeatures: collectionId === 'analysis-pieces' ? caps.maxAnalysisPieces : caps.maxFeatures,
})
