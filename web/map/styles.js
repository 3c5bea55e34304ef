// MapLibre styles as data. Palette: Okabe & Ito (2008), chosen to stay distinguishable under
// protanopia, deuteranopia and tritanopia; classes also differ in lightness and outline.
export const palette = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  grey: '#BBBBBB',
  // beyond Okabe & Ito's eight: the palette test keeps it ΔE ≥ 10 from every piece colour under each vision
  brown: '#8C510A',
}

export const landUseColours = { construction: palette.vermillion, farmland: palette.yellow, other: palette.grey }

/** Fill colour by land-use class: construction, farmland (01xx / 01x 耕地), other. */
export function landUseColour(constructionCodes) {
  return [
    'case',
    ['in', ['to-string', ['get', 'dlbm']], ['literal', constructionCodes]],
    landUseColours.construction,
    ['==', ['slice', ['to-string', ['get', 'dlbm']], 0, 2], '01'],
    landUseColours.farmland,
    landUseColours.other,
  ]
}

/** How each collection is drawn: fill colour (or a land-use expression), outline, line-only. */
export function collectionStyles(settings) {
  return {
    // Both code sets come from the service's configuration (the analysis's and the reward's), so map and numbers agree.
    survey3: { fill: landUseColour(settings.survey3ConstructionCodes), opacity: 0.55, outline: '#666666', landUse: true },
    survey2: { fill: landUseColour(settings.survey2ConstructionCodes), opacity: 0.55, outline: '#666666', landUse: true },
    'survey2-lines': { line: palette.blue, width: 2 },
    buildings: { fill: palette.blue, opacity: 0.6, outline: '#003a5c' },
    'approved-unsupplied': { fill: palette.purple, opacity: 0.5, outline: palette.purple, width: 2 },
    'idle-land': { fill: palette.orange, opacity: 0.5, outline: palette.orange, width: 2 },
    'plan-zones': { fill: palette.green, opacity: 0.25, outline: palette.green },
    'admin-divisions': { line: '#333333', width: 1.5, dash: [4, 2] },
    'project-boundaries': { line: palette.black, width: 2.5 },
    plots: { fill: palette.skyBlue, opacity: 0.45, outline: palette.blue },
    bundles: { line: palette.purple, width: 3, dash: [2, 1] },
  }
}

/** The analysis pieces of a project, each role in its own colour (pattern of the legend too). */
export const pieceStyles = {
  project: { line: palette.black, width: 3 },
  'survey2-construction': { fill: palette.vermillion, opacity: 0.45 },
  // 二调 patches changed after the 2009 baseline: a dashed outline over (or beside) the construction fill.
  'survey2-changed': { line: palette.brown, width: 3, dash: [3, 2] },
  footprint: { fill: palette.blue, opacity: 0.7 },
  // 批而未供 and 闲置土地 often coincide: one is a fill, the other a dashed outline, so both show.
  'idle-land': { fill: palette.orange, opacity: 0.6, outline: palette.orange },
  'approved-unsupplied': { fill: palette.purple, opacity: 0.25, outline: palette.purple, width: 3, dash: [2, 1] },
  'outside-plan': { fill: palette.green, opacity: 0.6, outline: palette.green },
  'outside-county': { fill: palette.skyBlue, opacity: 0.5, outline: palette.skyBlue, width: 3, dash: [1, 1] },
  survey3: { fill: palette.grey, opacity: 0.3 },
  // land a bundle project took in (165号 二): an outline over what lies under it
  'scattered-land': { line: palette.yellow, width: 3, dash: [3, 1] },
}

/**
 * The bundles page (连片): every bundle of the county, and the chosen one piece by piece — its member
 * plots, 边角地 (members or land beside it) and 夹心地 (holes and enclosed land) filled each in its own
 * colour, 插花地 members outlined dashed over their fill (a member may be 边角地 and 插花地 at once).
 */
export const bundleStyles = {
  bundle: { fill: palette.grey, opacity: 0.25, outline: palette.purple, width: 2 },
  member: { fill: palette.skyBlue, opacity: 0.5, outline: palette.blue, width: 1 },
  corner: { fill: palette.orange, opacity: 0.75, outline: palette.orange, width: 2 },
  enclave: { fill: palette.green, opacity: 0.6, outline: palette.green, width: 2 },
  interspersed: { line: palette.vermillion, width: 3, dash: [2, 1] },
}

/** A style with no basemap: the service's data alone (an optional raster basemap URL may be added). */
export function emptyStyle() {
  return { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f7f7f2' } }] }
}

/** fill + outline (or line) layers for one source. */
export function layersFor(id, source, style, sourceLayer) {
  const common = { source, ...(sourceLayer ? { 'source-layer': sourceLayer } : {}) }
  const out = []
  if (style.fill) out.push({ id: `${id}-fill`, type: 'fill', ...common, paint: { 'fill-color': style.fill, 'fill-opacity': style.opacity ?? 0.5 } })
  const lineColour = style.line ?? style.outline
  if (lineColour)
    out.push({
      id: `${id}-line`,
      type: 'line',
      ...common,
      paint: { 'line-color': lineColour, 'line-width': style.width ?? 0.6, ...(style.dash ? { 'line-dasharray': style.dash } : {}) },
    })
  return out
}

/**
 * What the map's tools draw over the data: the features a click hit and the feature a search found
 * (a yellow line on a black casing: visible on every fill colour above and under every colour-vision
 * deficiency), and the measured path or polygon (vermillion, dashed while being drawn).
 */
export const toolColours = { casing: palette.black, highlight: palette.yellow, measure: palette.vermillion }

/** Line layers outlining the features of one vector source whose ids are in the filter (set on a click). */
export function selectionLayers(source) {
  const common = { type: 'line', source, 'source-layer': source, filter: ['in', ['id'], ['literal', []]] }
  return [
    { id: `${source}-selected-casing`, ...common, paint: { 'line-color': toolColours.casing, 'line-width': 6 } },
    { id: `${source}-selected`, ...common, paint: { 'line-color': toolColours.highlight, 'line-width': 3 } },
  ]
}

/** Layers of a GeoJSON source holding one found feature or point (the search's answer). */
export function foundLayers(source) {
  return [
    { id: `${source}-casing`, type: 'line', source, paint: { 'line-color': toolColours.casing, 'line-width': 6 } },
    { id: `${source}-line`, type: 'line', source, paint: { 'line-color': toolColours.highlight, 'line-width': 3 } },
    {
      id: `${source}-point`,
      type: 'circle',
      source,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 7, 'circle-color': toolColours.highlight, 'circle-stroke-color': toolColours.casing, 'circle-stroke-width': 3 },
    },
  ]
}

/** Layers of the measuring tool's GeoJSON source: the polygon, its path and its vertices. */
export function measureLayers(source) {
  return [
    {
      id: `${source}-fill`,
      type: 'fill',
      source,
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': toolColours.measure, 'fill-opacity': 0.15 },
    },
    {
      id: `${source}-line`,
      type: 'line',
      source,
      filter: ['!=', ['geometry-type'], 'Point'],
      paint: { 'line-color': toolColours.measure, 'line-width': 2.5, 'line-dasharray': [3, 1.5] },
    },
    {
      id: `${source}-vertex`,
      type: 'circle',
      source,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': toolColours.measure, 'circle-stroke-width': 2 },
    },
  ]
}
