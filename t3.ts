import { createKnex } from './src/db/connection.js'
const k = createKnex('postgres://postgres@127.0.0.1:5432/lr_scratch', 2)
const { rows } = await k.raw('select rec, wkb, attrs, dlbm, dlmc, tbmj from stage order by rec')
await k.raw('DROP TABLE IF EXISTS t2; CREATE TABLE t2 (id bigserial, rec int, g geometry(MultiPolygon,4490), attrs jsonb, dlbm text, dlmc text, tbmj float8)')
await k.raw('CREATE INDEX ON t2 USING gist (g)')
const B = 2000
async function run(name: string, sql: string, mk: (b: any[]) => any[]) {
  await k.raw('TRUNCATE t2')
  const t = Date.now()
  const inflight: Promise<unknown>[] = []
  for (let i = 0; i < rows.length; i += B) {
    const b = rows.slice(i, i + B)
    if (inflight.length >= 2) await inflight.shift()
    inflight.push(k.raw(sql, mk(b)))
  }
  await Promise.all(inflight)
  console.log(name, Date.now() - t)
}
await run('arrays', 'INSERT INTO t2 (rec, g, attrs, dlbm, dlmc, tbmj) SELECT rec, ST_Transform(ST_GeomFromWKB(w, 4548), 4490), a, c0, c1, c2 FROM ROWS FROM (unnest(?::int[]), unnest(?::bytea[]), jsonb_array_elements(?::jsonb), unnest(?::text[]), unnest(?::text[]), unnest(?::float8[])) u(rec, w, a, c0, c1, c2)', (b) => [b.map((r) => r.rec), b.map((r) => r.wkb), '[' + b.map((r) => r.attrs).join(',') + ']', b.map((r) => r.dlbm), b.map((r) => r.dlmc), b.map((r) => r.tbmj)])
await run('blob+json rows', 'INSERT INTO t2 (rec, g, attrs, dlbm, dlmc, tbmj) SELECT (e->>0)::int, ST_Transform(ST_GeomFromWKB(substring(?::bytea from (e->>1)::int for (e->>2)::int), 4548), 4490), e->3, e->>4, e->>5, (e->>6)::float8 FROM jsonb_array_elements(?::jsonb) e', (b) => {
  let off = 1
  const parts: string[] = []
  for (const r of b) { parts.push(`[${r.rec},${off},${r.wkb.length},${r.attrs},${JSON.stringify(r.dlbm)},${JSON.stringify(r.dlmc)},${r.tbmj}]`); off += r.wkb.length }
  return [Buffer.concat(b.map((r) => r.wkb)), '[' + parts.join(',') + ']']
})
await run('blob+arrays', 'INSERT INTO t2 (rec, g, attrs, dlbm, dlmc, tbmj) SELECT rec, ST_Transform(ST_GeomFromWKB(substring(?::bytea from o for l), 4548), 4490), a, c0, c1, c2 FROM ROWS FROM (unnest(?::int[]), unnest(?::int[]), unnest(?::int[]), jsonb_array_elements(?::jsonb), unnest(?::text[]), unnest(?::text[]), unnest(?::float8[])) u(rec, o, l, a, c0, c1, c2)', (b) => {
  let off = 1; const o: number[] = [], l: number[] = []
  for (const r of b) { o.push(off); l.push(r.wkb.length); off += r.wkb.length }
  return [Buffer.concat(b.map((r) => r.wkb)), b.map((r) => r.rec), o, l, '[' + b.map((r) => r.attrs).join(',') + ']', b.map((r) => r.dlbm), b.map((r) => r.dlmc), b.map((r) => r.tbmj)]
})
await k.destroy()
