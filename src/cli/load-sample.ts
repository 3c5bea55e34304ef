// npm run sample:load [-- --url http://127.0.0.1:3000 --key <admin key> --dir data/sample]
// Uploads the sample county's layers to a running service through its HTTP API, as a county
// technician would, and waits for each import.
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig, projectRoot } from '../config.js'
import { adminKeyFile } from '../auth/bootstrap.js'
import { progressBar } from './progress.js'

const order = ['survey3', 'survey2', 'survey2-lines', 'buildings', 'approved-unsupplied', 'idle-land', 'projects', 'plots']
const config = loadConfig()
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: `http://${config.host}:${config.port}` },
    key: { type: 'string' },
    dir: { type: 'string', default: path.join(projectRoot, 'data', 'sample') },
  },
})
const key = values.key ?? (fs.existsSync(adminKeyFile(config.dataDir)) ? fs.readFileSync(adminKeyFile(config.dataDir), 'utf8').trim() : '')
if (!key) {
  console.error(`no API key: pass --key, or start the service once so that ${adminKeyFile(config.dataDir)} exists`)
  process.exit(64)
}
const headers = { 'x-api-key': key }
let failed = 0
for (const layer of order) {
  const file = fs.readdirSync(values.dir!).find((f) => f.endsWith(`_${layer}.zip`))
  if (!file) continue
  const county = file.split('_')[0]!
  const form = new FormData()
  form.set('layer', layer)
  form.set('county', county)
  form.set('file', await fs.openAsBlob(path.join(values.dir!, file)), file)
  const res = await fetch(`${values.url}/api/v1/imports`, { method: 'POST', headers, body: form })
  if (res.status !== 202) {
    console.error(`${file}: ${res.status} ${await res.text()}`)
    failed++
    continue
  }
  const { url } = (await res.json()) as { url: string }
  const bar = progressBar(`${layer.padEnd(20)}`)
  let job: { status: string; progress: number; counts?: { stored: number }; errors: Array<{ message: string }> }
  do {
    await new Promise((r) => setTimeout(r, 200))
    job = (await (await fetch(`${values.url}${url}`, { headers })).json()) as typeof job
    bar.update(job.progress, job.status)
  } while (job.status === 'queued' || job.status === 'running')
  bar.done()
  if (job.status !== 'succeeded') {
    failed++
    console.error(`${file}: ${job.status}: ${job.errors.map((e) => e.message).join('; ')}`)
  } else console.log(`${file}: ${job.counts?.stored} features`)
}
process.exit(failed ? 1 : 0)
