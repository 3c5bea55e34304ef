// Fixtures for the OGC tests: a grid of third-survey patches in EPSG:4548 whose areas are known
// independently (GeographicLib), and GDAL's command-line tools: tests needing them are skipped with
// a reason where they are absent, and fail under CI (../helpers/ci.ts).
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { requireUnderCi, skipWithout, underCi } from '../helpers/ci.js'
import { gkArea, gkRect } from '../helpers/gk.js'
import { surveyFields } from '../helpers/shapefiles.js'

const run = promisify(execFile)

function which(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const hasGdal = which('ogrinfo') && which('ogr2ogr')
const gdalMissing = 'gdal-bin (ogrinfo, ogr2ogr) is not on PATH (Debian: apt-get install gdal-bin; .ci/run installs it)'
/** For it.skipIf: the GDAL tests are skipped where GDAL is missing, except under CI, where gdal() fails them. */
export const skipGdal = skipWithout(hasGdal)
export const gdalSkipReason = skipGdal ? ` [SKIPPED: ${gdalMissing}]` : ''
if (!hasGdal) console.warn(underCi ? `OGC client tests will fail: ${gdalMissing}` : `OGC client tests${gdalSkipReason}`)

export async function gdal(cmd: 'ogrinfo' | 'ogr2ogr' | 'gdalsrsinfo', args: string[], env: Record<string, string> = {}): Promise<string> {
  requireUnderCi(hasGdal, gdalMissing)
  // GDAL's HTTP cache and environment must not change what the test sees.
  const { stdout } = await run(cmd, args, {
    env: { ...process.env, GDAL_HTTP_TIMEOUT: '60', CPL_VSIL_CURL_USE_CACHE: 'NO', ...env },
    maxBuffer: 64 * 1024 * 1024,
  })
  return stdout
}

/** The survey fields of the grid's shapefiles (TBBH names each square). */
export const gridFields = [...surveyFields, { name: 'TBBH', type: 'C' as const, length: 10 }]

/** Listens on a free loopback port for GDAL; returns the port. */
export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as { port: number }).port
}

/** A columns × rows grid of 40 m squares 50 m apart; every third one industrial (0601). */
export function grid(columns: number, rows: number, x0 = 0, y0 = 0) {
  const features = []
  const areas = new Map<string, number>()
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const n = j * columns + i
      const [ax, ay] = [x0 + i * 50, y0 + j * 50]
      const industrial = n % 3 === 0
      const tbbh = `T${n + 1}`
      areas.set(tbbh, gkArea(ax, ay, ax + 40, ay + 40))
      features.push({
        parts: [gkRect(ax, ay, ax + 40, ay + 40)],
        values: {
          BSM: n + 1,
          DLBM: industrial ? '0601' : '0702',
          DLMC: industrial ? '工业用地' : '农村宅基地',
          ZLDWMC: '古楼街道办事处东关村民委员会',
          TBMJ: 1600,
          CZCSXM: '203',
          TBBH: tbbh,
        },
      })
    }
  }
  return { features, areas }
}
