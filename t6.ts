import { startEmbedded } from './src/db/embedded/launcher.js'
import pg from 'pg'
const e = await startEmbedded({ dataDir: '/tmp/pgl/t5', timeoutMs: 120000 })
const c = new pg.Client(e.url); await c.connect()
await c.query('create table if not exists u1 (a int unique)'); await c.query('truncate u1')
await c.query('insert into u1 values ($1)', [1])
for (let i = 0; i < 3; i++) {
  try { await c.query('insert into u1 values ($1) returning a', [1]) } catch (err) { console.log('expected error:', (err as Error).message) }
  try { console.log('after:', (await c.query('select count(*) from u1 where a = $1', [1])).rows) } catch (err) { console.log('BROKEN:', (err as Error).message) }
}
await c.end(); await e.stop()
