// Decides the source CRS of an upload: the srid parameter, then the .prj, then detection from the
// coordinate range when that is unambiguous. Xian 1980 and Beijing 1954 need the user's Bursa-Wolf
// parameters; nothing is guessed.
import type { Knex } from 'knex'
import { BilingualError, type Said } from '../errors/bilingual.js'
import { crsNameZh, gaussKruger, geographicCrs, identifyEpsg, needsBursaWolf, type CrsIdentity, type Datum } from './chinese-crs.js'
import { identifyPrj } from './prj.js'
import { registerBursaWolf } from './registry.js'

export interface SourceCrs {
  /** srid the source geometries carry in SQL */
  srid: number
  epsg: number | null
  name: string
  how: 'param' | 'prj' | 'detected'
  /** set for Bursa-Wolf sources: transformed from this proj string to the CGCS2000 hub, then labelled 4490 */
  proj4?: string
  /** the hub's srid (src/crs/registry.ts): the transform goes by srid, from `srid` to this */
  hubSrid?: number
  identity: CrsIdentity | null
}

/** What the user can do about it: no-prj and crs: choose the system (srid); towgs84: give the 7 parameters. */
export type CrsFix = 'no-prj' | 'crs' | 'towgs84'

export class CrsError extends BilingualError {
  constructor(
    message: string,
    messageZh: string,
    readonly code: CrsFix = 'crs',
  ) {
    super(message, messageZh)
  }
}

/** Central meridians of the 3° zones that cover Shandong (114°E–123°E): what a technician picks from. */
const shandongMeridians = [114, 117, 120, 123]

/** A coordinate system a technician can pick for a delivery without (or with a wrong) .prj. */
export interface CrsChoice {
  epsg: number
  nameZh: string
  datum: Datum
  /** Xian 1980: the import needs the regional 7 parameters (towgs84) */
  needsTowgs84: boolean
}

/**
 * The systems Shandong deliveries come in: CGCS2000 3° zones CM 114–123°E without and with the zone
 * number, CGCS2000 longitude/latitude, and the same zones of Xian 1980 (with the 7 parameters).
 */
export function shandongCrsChoices(): CrsChoice[] {
  const zones = (datum: Datum) => [
    ...shandongMeridians.map((cm) => gaussKruger(datum, cm, 500000)),
    ...shandongMeridians.map((cm) => gaussKruger(datum, cm, (cm / 3) * 1e6 + 500000)),
  ]
  return [...zones('CGCS2000'), geographicCrs('CGCS2000'), ...zones('Xian1980')].map((c) => {
    const id = c as CrsIdentity
    return { epsg: id.epsg, nameZh: crsNameZh(id), datum: id.datum, needsTowgs84: needsBursaWolf(id.datum) }
  })
}

/** 请在导入选项中指定坐标系 … with the Shandong systems spelled out, built from their identities. */
export function chooseCrsZh(): string {
  const choices = shandongMeridians.map((cm) => {
    const id = gaussKruger('CGCS2000', cm, 500000) as CrsIdentity
    return `${crsNameZh(id)}（EPSG:${id.epsg}）`
  })
  return `请在导入选项“EPSG 坐标系代码”中指定坐标系，山东常用：${choices.join('、')}`
}

export interface Bbox {
  minX: number
  minY: number
  maxX: number
  maxY: number
}

/** Gauss-Kruger with a zone prefix, or lon/lat, from the coordinate range; null when ambiguous. */
export function detectFromRange(b: Bbox): { epsg: number; why: string; whyZh: string } | { ambiguous: string; ambiguousZh: string } {
  if (b.minX >= 73 && b.maxX <= 136 && b.minY >= 3 && b.maxY <= 54) {
    return {
      epsg: 4490,
      why: 'coordinates lie within 73–136, 3–54: longitude/latitude, taken as CGCS2000',
      whyZh: '坐标在 73–136、3–54 之间，按经纬度坐标（2000国家大地坐标系）导入',
    }
  }
  const zone = Math.floor(b.minX / 1e6)
  const sameZone = zone === Math.floor(b.maxX / 1e6)
  const northing = b.minY > 0 && b.maxY < 6.2e6
  if (sameZone && northing && zone >= 25 && zone <= 45) {
    return {
      epsg: 4513 + zone - 25,
      why: `X values ${Math.round(b.minX)}–${Math.round(b.maxX)} carry the 3° zone prefix ${zone}: CGCS2000 3° Gauss-Kruger zone ${zone} (CM ${zone * 3}E) assumed`,
      whyZh: `X 坐标 ${Math.round(b.minX)}–${Math.round(b.maxX)} 带有 3度带带号 ${zone}，按 ${crsNameZh(identifyEpsg(4513 + zone - 25)!)} 导入；如不对，请在“EPSG 坐标系代码”中指定`,
    }
  }
  if (sameZone && northing && zone >= 13 && zone <= 23) {
    return {
      epsg: 4491 + zone - 13,
      why: `X values carry the 6° zone prefix ${zone}: CGCS2000 6° Gauss-Kruger zone ${zone} assumed`,
      whyZh: `X 坐标带有 6度带带号 ${zone}，按 ${crsNameZh(identifyEpsg(4491 + zone - 13)!)} 导入；如不对，请在“EPSG 坐标系代码”中指定`,
    }
  }
  if (northing && b.minX > 0 && b.maxX < 1e6) {
    return {
      ambiguous: `X values ${Math.round(b.minX)}–${Math.round(b.maxX)} are Gauss-Kruger eastings without a zone prefix, so the central meridian cannot be told from the data; pass srid (for Shandong: 4547 CM 114E, 4548 CM 117E, 4549 CM 120E, 4550 CM 123E)`,
      ambiguousZh: `X 坐标 ${Math.round(b.minX)}–${Math.round(b.maxX)} 是不带带号的高斯-克吕格坐标，无法从数据判断中央经线。${chooseCrsZh()}`,
    }
  }
  return {
    ambiguous: `the coordinate range ${Math.round(b.minX)},${Math.round(b.minY)} – ${Math.round(b.maxX)},${Math.round(b.maxY)} matches no Chinese survey system; pass srid`,
    ambiguousZh: `坐标范围 ${Math.round(b.minX)},${Math.round(b.minY)} – ${Math.round(b.maxX)},${Math.round(b.maxY)} 不符合我国常用的测绘坐标系。${chooseCrsZh()}`,
  }
}

export async function resolveSourceCrs(
  knex: Knex,
  opts: { srid?: number; towgs84?: number[]; prjText?: string | null; bbox?: Bbox | null },
): Promise<{ crs: SourceCrs; warnings: Said[] }> {
  const warnings: Said[] = []
  let identity: CrsIdentity | null
  let epsg: number
  let how: SourceCrs['how']
  if (opts.srid !== undefined) {
    how = 'param'
    epsg = opts.srid
    identity = identifyEpsg(epsg)
    if (!identity) {
      const known = await knex('spatial_ref_sys').first('srid').where({ srid: epsg })
      if (!known) throw new CrsError(`srid ${epsg} is not a known coordinate system`, `EPSG:${epsg} 不是已知的坐标系代码。${chooseCrsZh()}`)
      warnings.push({
        message: `srid ${epsg} is not a Chinese survey system; used as given`,
        messageZh: `EPSG:${epsg} 不是我国常用的测绘坐标系，已按所填代码导入：请核对位置是否正确`,
      })
    }
  } else if (opts.prjText != null && opts.prjText.trim() !== '') {
    how = 'prj'
    const found = identifyPrj(opts.prjText)
    if ('error' in found)
      throw new CrsError(
        `the .prj file was not recognised: ${found.error}. Pass srid to name the coordinate system`,
        `.prj 文件中的坐标系无法识别（${found.error}）。${chooseCrsZh()}`,
      )
    if (found.datum === 'WGS84') {
      throw new CrsError(
        'the .prj file says WGS 84. CGCS2000 and WGS 84 differ by up to a metre here: pass srid=4326 to accept the data as it is, or convert it first',
        '.prj 文件写明 WGS 84 坐标系，与 2000国家大地坐标系在本地相差可达 1 米：请先转换为 2000国家大地坐标系；确认按原样导入时，在“EPSG 坐标系代码”中填写 4326',
      )
    }
    identity = found
    epsg = found.epsg
  } else {
    how = 'detected'
    if (!opts.bbox)
      throw new CrsError(
        'the file has no .prj and no srid was given, and there are no coordinates to detect a system from',
        `缺少 .prj 文件且未指定坐标系，数据中也没有可用于判断的坐标。${chooseCrsZh()}`,
        'no-prj',
      )
    const d = detectFromRange(opts.bbox)
    if ('ambiguous' in d)
      throw new CrsError(`the file has no .prj and no srid was given: ${d.ambiguous}`, `缺少 .prj 文件且未指定坐标系：${d.ambiguousZh}`, 'no-prj')
    warnings.push({ message: `no .prj: ${d.why}`, messageZh: `缺少 .prj 文件：${d.whyZh}` })
    epsg = d.epsg
    identity = identifyEpsg(epsg)
  }
  const name = identity?.name ?? `EPSG:${epsg}`
  if (identity && needsBursaWolf(identity.datum)) {
    if (!opts.towgs84) {
      throw new CrsError(
        `${name} data needs the regional 7-parameter (Bursa-Wolf) transformation to CGCS2000; pass towgs84=dx,dy,dz,rx,ry,rz,ds ` +
          'from your surveying authority. The service does not guess them: without them positions would be off by tens of metres',
        `${crsNameZh(identity)}的数据须用本地七参数转换到 2000国家大地坐标系：请在导入选项“七参数”中填写测绘主管部门提供的 dx,dy,dz,rx,ry,rz,ds。` +
          '系统不会猜测七参数，缺少时位置会偏差数十米',
        'towgs84',
      )
    }
    const custom = await registerBursaWolf(knex, epsg, opts.towgs84)
    return {
      crs: { srid: custom.srid, epsg, name: `${name} +towgs84=${opts.towgs84.join(',')}`, how, proj4: custom.proj4, hubSrid: custom.hubSrid, identity },
      warnings,
    }
  }
  if (opts.towgs84)
    warnings.push({
      message: `towgs84 ignored: ${name} needs no datum shift`,
      messageZh: `已忽略七参数：${identity ? crsNameZh(identity) : name} 无需七参数转换`,
    })
  return { crs: { srid: epsg, epsg, name, how, identity }, warnings }
}

/** The source system as a technician names it (the English name for one outside the Chinese survey systems). */
export const sourceCrsNameZh = (crs: Pick<SourceCrs, 'name' | 'identity'>): string => (crs.identity ? crsNameZh(crs.identity) : crs.name)
