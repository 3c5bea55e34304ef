// tsx bench/ogc-reference.ts <databaseUrl> <collection> <county> <datasetIds> <poolMax>
// The floor bench:ogc measures OGC items against (issue 26): a minimal `node:http` server that
// runs the statement the service runs for a page (built by the same function,
// src/ogc/queries.ts matchedPageStatement, so the two cannot drift) through `pg`, and writes its
// rows. What it leaves out is what the service adds: the key lookup, reading the active versions
// (given here as constants), the framework, the paging links. Prints its port on stdout.
import http from 'node:http'
import knexFactory from 'knex'
import pg from 'pg'
import { collectionById } from '../src/ogc/collections.js'
import { parseItemsQuery } from '../src/ogc/params.js'
import { matchedPageStatement } from '../src/ogc/queries.js'

const [url, collectionId, county, datasetIds, poolMax] = process.argv.slice(2)
const c = collectionById(collectionId!)!
const datasets = datasetIds!.split(',').map(Number)
// Only to write `?` as `$n`, as the service's knex does; it never connects.
const compiler = knexFactory({ client: 'pg' })
// The service's connection settings (src/db/connection.ts afterCreate), so the plans are the same.
const pool = new pg.Pool({ connectionString: url, max: Number(poolMax), options: '-c jit=off -c max_parallel_workers_per_gather=0' })

const server = http.createServer((req, res) => {
  const query = Object.fromEntries(new URL(req.url!, 'http://x').searchParams)
  void (async () => {
    const q = { ...parseItemsQuery(c, query, { default: 100, maximum: 10_000 }), datasets }
    const statement = await matchedPageStatement(compiler, c, { kind: 'county', code: county! }, q)
    const native = compiler
      .raw(statement.sql, statement.bindings as never[])
      .toSQL()
      .toNative()
    const { rows } = await pool.query<{ n: number; feature: string | null }>(native.sql, native.bindings as unknown[])
    const features = rows.flatMap((r) => (r.feature === null ? [] : [r.feature]))
    res.writeHead(200, { 'content-type': 'application/geo+json' })
    res.end(`{"type":"FeatureCollection","numberMatched":${rows[0]!.n},"numberReturned":${features.length},"features":[${features.join(',')}]}`)
  })().catch((err: Error) => {
    res.writeHead(500)
    res.end(err.message)
  })
})
server.listen(0, '127.0.0.1', () => console.log((server.address() as { port: number }).port))
