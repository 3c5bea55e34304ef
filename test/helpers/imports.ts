// Uploading files to the real app and waiting for the import job, as a client would.
import fs from 'node:fs'
import path from 'node:path'
import type { Knex } from 'knex'
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

export async function waitForJob(t: TestApp, key: string, id: number) {
  for (let i = 0; i < 1200; i++) {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { 'x-api-key': key } })
    const job = res.json()
    if (!['queued', 'running'].includes(job.status)) return job
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`import ${id} did not finish`)
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
