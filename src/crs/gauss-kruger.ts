// Gauss-Kruger grid coordinates to longitude/latitude in Node, for loading a delivery by binary COPY
// (src/import/copy-batch.ts) without the database's ST_Transform. The same series, in the same
// order of operations, as PROJ's transverse Mercator (tmerc.cpp, Poder/Engsager, 6th order, the
// algorithm PROJ uses for EPSG's Gauss-Kruger systems), so that the result agrees with PostGIS to
// the last bits (test/crs/gauss-kruger.test.ts measures it against ST_Transform). Only systems
// whose datum is the target's (CGCS2000 grid → CGCS2000 geographic): no datum step is involved.

export interface GaussKrugerParams {
  /** semi-major axis, metres */
  a: number
  /** inverse flattening */
  rf: number
  centralMeridian: number
  falseEasting: number
  /** scale on the central meridian (1 for Chinese Gauss-Kruger) */
  k0?: number
}

/** PROJ's bound on the normalized easting (150° of spherical longitude); beyond it PROJ refuses. */
const maxEasting = 2.623395162778
const radToDeg = 1 / 0.017453292519943295 // PROJ's unitconvert: rad → deg divides by DEG_TO_RAD

/** An inverse Gauss-Kruger projection with its constants worked out once. */
export class GaussKrugerInverse {
  private readonly ra: number
  private readonly x0: number
  private readonly lam0: number
  private readonly Qn: number
  private readonly Zb: number
  private readonly utg: Float64Array
  private readonly cgb: Float64Array

  constructor(p: GaussKrugerParams) {
    const f0 = 1 / p.rf
    const es = 2 * f0 - f0 * f0
    const f = es / (1 + Math.sqrt(1 - es))
    const n = f / (2 - f)
    let np = n
    const cgb = new Float64Array(6)
    const utg = new Float64Array(6)
    cgb[0] = n * (2 + n * (-2 / 3.0 + n * (-2 + n * (116 / 45.0 + n * (26 / 45.0 + n * (-2854 / 675.0))))))
    np *= n
    cgb[1] = np * (7 / 3.0 + n * (-8 / 5.0 + n * (-227 / 45.0 + n * (2704 / 315.0 + n * (2323 / 945.0)))))
    np *= n
    cgb[2] = np * (56 / 15.0 + n * (-136 / 35.0 + n * (-1262 / 105.0 + n * (73814 / 2835.0))))
    np *= n
    cgb[3] = np * (4279 / 630.0 + n * (-332 / 35.0 + n * (-399572 / 14175.0)))
    np *= n
    cgb[4] = np * (4174 / 315.0 + n * (-144838 / 6237.0))
    np *= n
    cgb[5] = np * (601676 / 22275.0)
    np = n * n
    this.Qn = ((p.k0 ?? 1) / (1 + n)) * (1 + np * (1 / 4.0 + np * (1 / 64.0 + np / 256.0)))
    utg[0] = n * (-0.5 + n * (2 / 3.0 + n * (-37 / 96.0 + n * (1 / 360.0 + n * (81 / 512.0 + n * (-96199 / 604800.0))))))
    utg[1] = np * (-1 / 48.0 + n * (-1 / 15.0 + n * (437 / 1440.0 + n * (-46 / 105.0 + n * (1118711 / 3870720.0)))))
    np *= n
    utg[2] = np * (-17 / 480.0 + n * (37 / 840.0 + n * (209 / 4480.0 + n * (-5569 / 90720.0))))
    np *= n
    utg[3] = np * (-4397 / 161280.0 + n * (11 / 504.0 + n * (830251 / 7257600.0)))
    np *= n
    utg[4] = np * (-4583 / 161280.0 + n * (108847 / 3991680.0))
    np *= n
    utg[5] = np * (-20648693 / 638668800.0)
    this.cgb = cgb
    this.utg = utg
    // The origin's latitude is 0 for every Gauss-Kruger zone: PROJ's Zb = -Qn·(Z + clens(gtu, 2Z)) is -0 there.
    this.Zb = -0
    this.ra = 1 / p.a
    this.x0 = p.falseEasting
    this.lam0 = p.centralMeridian * 0.017453292519943295
  }

  /**
   * Longitude and latitude in degrees of grid point (x, y) into out[at], out[at + 1]; false where
   * PROJ would refuse the point (too far from the central meridian).
   */
  inverse(x: number, y: number, out: Float64Array, at: number): boolean {
    // pj_inv: de-offset and de-scale (to_meter is 1, y0 is 0)
    let Ce = (x - this.x0) * this.ra
    let Cn = y * this.ra
    Cn = (Cn - this.Zb) / this.Qn
    Ce = Ce / this.Qn
    if (!(Math.abs(Ce) <= maxEasting)) return false
    // norm. N, E → compl. sph. LAT, LNG (complex Clenshaw summation, PROJ's clenS)
    const sinArgR = Math.sin(2 * Cn)
    const cosArgR = Math.cos(2 * Cn)
    const exp2Ce = Math.exp(2 * Ce)
    const halfInvExp2Ce = 0.5 / exp2Ce
    const sinhArgI = 0.5 * exp2Ce - halfInvExp2Ce
    const coshArgI = 0.5 * exp2Ce + halfInvExp2Ce
    const u = this.utg
    let r = 2 * cosArgR * coshArgI
    let i = -2 * sinArgR * sinhArgI
    let hr = u[5]!
    let hi = 0
    let hr1 = 0
    let hi1 = 0
    let hr2: number
    let hi2: number
    for (let k = 4; k >= 0; k--) {
      hr2 = hr1
      hi2 = hi1
      hr1 = hr
      hi1 = hi
      hr = -hr2 + r * hr1 - i * hi1 + u[k]!
      hi = -hi2 + i * hr1 + r * hi1
    }
    r = sinArgR * coshArgI
    i = cosArgR * sinhArgI
    Cn += r * hr - i * hi
    Ce += r * hi + i * hr
    // compl. sph. LAT → Gaussian LAT, LNG
    const sinCn = Math.sin(Cn)
    const cosCn = Math.cos(Cn)
    const sinhCe = Math.sinh(Ce)
    Ce = Math.atan2(sinhCe, cosCn)
    const modulusCe = Math.sqrt(sinhCe * sinhCe + cosCn * cosCn)
    Cn = Math.atan2(sinCn, modulusCe)
    // Gaussian LAT → ellipsoidal LAT (PROJ's gatg with sin 2B, cos 2B from the values above)
    const tmp = (2 * modulusCe) / (sinhCe * sinhCe + 1)
    const sin2Cn = sinCn * tmp
    const cos2Cn = tmp * modulusCe - 1
    const g = this.cgb
    const twoCos2B = 2 * cos2Cn
    let h = 0
    let h1 = g[5]!
    let h2 = 0
    for (let k = 4; k >= 0; k--) {
      h = -h2 + twoCos2B * h1 + g[k]!
      h2 = h1
      h1 = h
    }
    const phi = Cn + h * sin2Cn
    // pj_inv_finalize: longitude back from the central meridian (within ±180° for Shandong's zones)
    out[at] = (Ce + this.lam0) * radToDeg
    out[at + 1] = phi * radToDeg
    return true
  }
}
