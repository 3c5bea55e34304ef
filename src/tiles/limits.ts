// How much a vector tile may hold, per collection. Below a layer's minimum zoom a tile is empty and
// answered without touching the database (a third-survey layer of a county at zoom 8 is 100 000
// patches of a few pixels each); at or above it, a tile holds at most maxFeatures features, the
// largest first, so a dense tile stays small and quick. Both are declared in TileJSON, so map
// clients do not ask below the minimum zoom at all.

export interface TileLimit {
  minZoom: number
  maxFeatures: number
}

export const defaultTileLimit: TileLimit = { minZoom: 0, maxFeatures: 5000 }

/** By collection id: the survey layers are the dense ones; analysis pieces are computed per request. */
export const tileLimits: Record<string, TileLimit> = {
  survey3: { minZoom: 12, maxFeatures: 5000 },
  survey2: { minZoom: 12, maxFeatures: 5000 },
  'survey2-lines': { minZoom: 13, maxFeatures: 5000 },
  buildings: { minZoom: 13, maxFeatures: 5000 },
  'analysis-pieces': { minZoom: 12, maxFeatures: 2000 },
  'admin-divisions': { minZoom: 0, maxFeatures: 2000 },
}

export const tileLimitOf = (collectionId: string): TileLimit => tileLimits[collectionId] ?? defaultTileLimit
