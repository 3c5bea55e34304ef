// Uploading files to the real app and waiting for the import job, as a client would.
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Knex } from 'knex'
import type { JobEvent } from '../../src/jobs/jobs.js'
import { expect } from 'vitest'
import { layerKinds } from '../../src/catalogue/layer-kinds.js'
import type { TestApp } from './app.js'

export function multipart(fields: Record<string, string>, file?: { path: string; name?: string }) {
  const boundary = `----lowland${Math.random().toString(16).slice(2)}`
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  }
  if (file) {
    const name = file.name ?? path.basename(file.path)
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    )
    parts.push(fs.readFileSync(file.path), Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

export async function upload(t: TestApp, key: string, fields: Record<string, string>, file?: string) {
  const body = multipart(fields, file ? { path: file } : undefined)
  return t.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...body.headers, 'x-api-key': key }, payload: body.payload })
}

/**
 * Waits for the import job on the app's runner (not by polling), then for the jobs it started
 * (a bundle run over new plots), and answers the job as GET /imports/{id} shows it.
 */
export async function waitForJob(t: TestApp, key: string, id: number) {
  const get = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { 'x-api-key': key } })).json()
  await t.app.jobs.ended('import', id)
  const job = await get()
  if (['queued', 'running'].includes(job.status)) throw new Error(`import ${id} is ${job.status} although its run ended`)
  if (!job.followUps?.length) return job
  for (const f of job.followUps) await t.app.jobs.ended(f.kind, f.id)
  return get()
}

/** The first job event of the app's runner that matches, from now on. */
export function jobEvent(app: FastifyInstance, match: (e: JobEvent) => boolean): Promise<JobEvent> {
  return new Promise((resolve) => {
    const stop = app.jobs.subscribe((e) => {
      if (!match(e)) return
      stop()
      resolve(e)
    })
  })
}

/** Uploads and waits; the job as GET /imports/{id} shows it. */
export async function importFile(t: TestApp, key: string, fields: Record<string, string>, file: string) {
  const res = await upload(t, key, fields, file)
  expect(res.statusCode, res.body).toBe(202)
  return waitForJob(t, key, res.json().id)
}

/** Row counts of every layer table and of the versions: what a failed import must leave as it was. */
export async function snapshot(knex: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const table of [...layerKinds.map((k) => k.table), 'datasets', 'projects']) {
    const row = await knex(table).count<{ n: number }>({ n: '*' }).first()
    out[table] = Number(row?.n)
  }
  return out
}

export function tempFilesLeft(dataDir: string): string[] {
  const root = path.join(dataDir, 'tmp', 'imports')
  return fs.existsSync(root) ? fs.readdirSync(root) : []
}
