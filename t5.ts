import { startEmbedded } from './src/db/embedded/launcher.js'
import { createKnex } from './src/db/connection.js'
import { registerBursaWolf } from './src/crs/registry.js'
const e = await startEmbedded({ dataDir: '/tmp/pgl/t5', timeoutMs: 120000 })
const k = createKnex(e.url, 1)
const r = await registerBursaWolf(k, 2384, [15.8, -154.4, -82.3, 0.1, -0.2, 0.3, 1.2])
console.log(r)
try { console.log((await k.raw('SELECT ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(410000,4030000), ?::int), ?::int)) AS p', [r.srid, r.hubSrid])).rows) } catch (err) { console.log('ERR', (err as Error).message) }
try { console.log((await k.raw("SELECT ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(410000,4030000), 2384), '+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs')) AS p")).rows) } catch (err) { console.log('ERR2', (err as Error).message) }
console.log((await k.raw('select srid, auth_name, proj4text from spatial_ref_sys where srid >= 910000')).rows)
await k.destroy(); await e.stop()
