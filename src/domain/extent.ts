// Data outside China after transformation is almost surely a CRS mistake (DOMAIN.md).
export const chinaExtent = { minLon: 73, maxLon: 136, minLat: 3, maxLat: 54 } as const

export function outsideChina(bbox: { minX: number; minY: number; maxX: number; maxY: number }): boolean {
  const e = chinaExtent
  return bbox.minX < e.minLon || bbox.maxX > e.maxLon || bbox.minY < e.minLat || bbox.maxY > e.maxLat
}
