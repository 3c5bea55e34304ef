import { createKnex } from './src/db/connection.js'
const k = createKnex('postgres://postgres@127.0.0.1:5432/lr_scratch', 2)
const { rows } = await k.raw('select rec, wkb, attrs from stage order by rec')
await k.raw('DROP TABLE IF EXISTS t2; CREATE TABLE t2 (id bigserial, rec int, g geometry(MultiPolygon,4490), attrs jsonb, r text, a text, b text, c float8, d float8, e text, f text, h text, i text, j text)')
await k.raw('CREATE INDEX ON t2 USING gist (g)')
const B = 2000
async function run(name: string, sql: string, mk: (b: any[]) => any[]) {
  await k.raw('TRUNCATE t2')
  const t = Date.now()
  for (let i = 0; i < rows.length; i += B) {
    const b = rows.slice(i, i + B)
    await k.raw(sql, mk(b))
  }
  console.log(name, Date.now() - t)
}
await run('geom only', 'INSERT INTO t2 (rec, g) SELECT rec, ST_Transform(ST_GeomFromWKB(w, 4548), 4490) FROM unnest(?::int[], ?::bytea[]) u(rec, w)', (b) => [b.map((r) => r.rec), b.map((r) => r.wkb)])
await run('geom + attrs', 'INSERT INTO t2 (rec, g, attrs) SELECT rec, ST_Transform(ST_GeomFromWKB(w, 4548), 4490), a::jsonb FROM unnest(?::int[], ?::bytea[], ?::text[]) u(rec, w, a)', (b) => [b.map((r) => r.rec), b.map((r) => r.wkb), b.map((r) => r.attrs)])
await run('geom hex text', "INSERT INTO t2 (rec, g) SELECT rec, ST_Transform(ST_GeomFromWKB(decode(w, 'hex'), 4548), 4490) FROM unnest(?::int[], ?::text[]) u(rec, w)", (b) => [b.map((r) => r.rec), b.map((r) => r.wkb.toString('hex'))])
await run('geom + 8 text cols', 'INSERT INTO t2 (rec, g, a, b, e, f, h, i, j, r) SELECT rec, ST_Transform(ST_GeomFromWKB(w, 4548), 4490), a,b,e,f,h,i,j,r FROM unnest(?::int[], ?::bytea[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) u(rec, w, a,b,e,f,h,i,j,r)', (b) => [b.map((r) => r.rec), b.map((r) => r.wkb), ...Array.from({length: 8}, (_, j) => b.map((r) => '中文字段值' + j))])
await run('json recordset', "INSERT INTO t2 (rec, g, attrs) SELECT rec, ST_Transform(ST_GeomFromWKB(decode(w, 'hex'), 4548), 4490), attrs FROM json_to_recordset(?::json) AS x(rec int, w text, attrs jsonb)", (b) => [JSON.stringify(b.map((r) => ({ rec: r.rec, w: r.wkb.toString('hex'), attrs: JSON.parse(r.attrs) })))])
await run('attrs as one jsonb array + unnest', "INSERT INTO t2 (rec, g, attrs) SELECT rec, ST_Transform(ST_GeomFromWKB(w, 4548), 4490), a FROM unnest(?::int[], ?::bytea[]) WITH ORDINALITY u(rec, w, n) JOIN jsonb_array_elements(?::jsonb) WITH ORDINALITY j(a, m) ON n = m", (b) => [b.map((r) => r.rec), b.map((r) => r.wkb), '[' + b.map((r) => r.attrs).join(',') + ']'])
await run('attrs as json array rows_from', "INSERT INTO t2 (rec, g, attrs) SELECT rec, ST_Transform(ST_GeomFromWKB(w, 4548), 4490), a FROM ROWS FROM (unnest(?::int[]), unnest(?::bytea[]), jsonb_array_elements(?::jsonb)) u(rec, w, a)", (b) => [b.map((r) => r.rec), b.map((r) => r.wkb), '[' + b.map((r) => r.attrs).join(',') + ']'])
await k.destroy()
