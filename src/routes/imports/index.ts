import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import fs from 'node:fs/promises'
import Type from 'typebox'
import { submitDatabaseUpload } from '../../import/database-upload.js'
import { detectDatabase } from '../../import/database-source.js'
import { listImportJobs } from '../../import/jobs.js'
import { SourceError } from '../../import/shapefile-source.js'
import { parseImportForm, submitImport } from '../../import/service.js'
import type { DiskSpaceConfig } from '../../config.js'
import { checkRoom } from '../../import/disk-space.js'
import type { GdalReaderMode } from '../../import/gdal/native.js'
import type { GpkgReaderMode } from '../../import/gpkg-source.js'
import { saveUpload, type SavedUpload } from '../../import/upload.js'
import { problem } from '../../errors/index.js'
import { IdParams, problemResponses } from '../../schemas/common.js'
import { DatabaseListing, ImportAccepted, ImportForm, ImportJob, ImportListQuery } from '../../schemas/imports.js'

declare module 'fastify' {
  interface FastifyRequest {
    upload?: SavedUpload
  }
}

const tags = ['imports']

const routes: FastifyPluginAsyncTypebox<{
  dataDir: string
  uploadLimitBytes: number
  room: DiskSpaceConfig
  gdalReader?: GdalReaderMode
  gpkgReader?: GpkgReaderMode
}> = async (app, opts) => {
  const knex = app.db.knex
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: opts.uploadLimitBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 30 },
    // The file goes to disk as it arrives; the body gets its name, for validation.
    async onFile(part) {
      if (this.upload) throw problem('LR_BAD_REQUEST', 'send exactly one file per import')
      this.upload = await saveUpload(part.file, part.filename, opts.dataDir)
      if (part.file.truncated)
        throw problem('LR_PAYLOAD_TOO_LARGE', `the file is larger than the upload limit of ${opts.uploadLimitBytes} bytes`, {
          detailZh: '上传文件超过大小限制',
        })
      // a body sent without Content-Length: its size is known now
      if (this.headers['content-length'] === undefined) await checkRoom(opts.dataDir, opts.room, this.upload.size, true)
      ;(part as unknown as { value: string }).value = part.filename
    },
  })
  // An upload that did not become a job (bad form, refused) is removed before the answer leaves.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.upload && reply.statusCode !== 202) await fs.rm(request.upload.workDir, { recursive: true, force: true })
    return payload
  })

  app.post(
    '/imports',
    {
      schema: {
        summary: 'Upload a layer (zipped shapefile or GeoJSON) or a survey database (zipped .gdb, .gpkg); answers 202 with the import job',
        description:
          'Chinese CRSs (CGCS2000, Xian 1980, Beijing 1954 Gauss-Kruger) are found from the .prj, GBK/UTF-8 from .cpg or the data. Poll the job URL for progress.',
        tags,
        consumes: ['multipart/form-data'],
        body: ImportForm,
        response: { 200: DatabaseListing, 202: ImportAccepted, ...problemResponses },
      },
      // Before a byte of the body is read: no room for the file and what it adds to the database, 507.
      onRequest: async (request) => {
        const length = Number(request.headers['content-length'])
        if (Number.isSafeInteger(length) && length > 0) await checkRoom(opts.dataDir, opts.room, length)
      },
    },
    async (request, reply) => {
      if (!request.upload) throw problem('LR_BAD_REQUEST', 'the form has no file', { detailZh: '请上传文件 file' })
      const db = await detectDatabase(request.upload).catch((err: unknown) => {
        throw err instanceof SourceError ? problem('LR_UNPROCESSABLE', err.message, { detailZh: err.messageZh }) : err
      })
      if (db) {
        const upload = request.upload
        const answer = await submitDatabaseUpload(app.jobs, request.actor, request.body, upload, db, {
          gdalReader: opts.gdalReader,
          gpkgReader: opts.gpkgReader,
          scratchRoom: (bytes) => checkRoom(opts.dataDir, opts.room, upload.size, true, bytes),
        })
        if (answer.status === 202) reply.header('location', answer.body.url)
        return reply.code(answer.status).send(answer.body)
      }
      if (!request.body.layer)
        throw problem('LR_BAD_REQUEST', 'layer is required: the layer kind of the upload', {
          detailZh: '请选择图层类型 layer',
          errors: [{ path: '/layer', message: 'required' }],
        })
      if (request.body.layers)
        throw problem('LR_BAD_REQUEST', 'layers is for a survey database (zipped .gdb, .gpkg) only', {
          detailZh: '图层对应（layers）仅适用于文件地理数据库（.gdb 打包为 .zip）或 GeoPackage（.gpkg）',
        })
      const params = parseImportForm({ ...request.body, layer: request.body.layer }, request.actor)
      const { id, url } = await submitImport(app.jobs, request.actor, params, request.upload)
      return reply.code(202).header('location', url).send({ id, status: 'queued', url })
    },
  )
  app.get(
    '/imports',
    {
      schema: {
        summary: 'Recent import jobs in the key’s region',
        tags,
        querystring: ImportListQuery,
        response: { 200: Type.Array(ImportJob), ...problemResponses },
      },
    },
    async (request) => app.jobs.withFollowUps(await listImportJobs(knex, request.actor.scope, request.query)),
  )
  app.get(
    '/imports/:id',
    {
      schema: {
        summary: 'Status, progress, counts, CRS, encoding, warnings and errors of an import',
        tags,
        params: IdParams,
        response: { 200: ImportJob, ...problemResponses },
      },
    },
    async (request) => app.jobs.get('import', request.params.id, request.actor.scope),
  )
  app.delete(
    '/imports/:id',
    {
      schema: {
        summary: 'Cancel a queued or running import; nothing it loaded stays',
        tags,
        params: IdParams,
        response: { 200: ImportJob, ...problemResponses },
      },
    },
    async (request) => app.jobs.cancel('import', request.actor, request.params.id),
  )
}
export default routes
