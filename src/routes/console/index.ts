// The web console (工作台): the files under web/ at / and MapLibre GL JS from its npm package at
// /vendor/maplibre-gl/, so the page works on networks without internet. Routes are made for the
// files present at start (no wildcard): any other path keeps the service's own 404 problem document.
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { createRequire } from 'node:module'
import path from 'node:path'
import { projectRoot } from '../../config.js'

export const webRoot = path.join(projectRoot, 'web')
const maplibreDist = path.dirname(createRequire(import.meta.url).resolve('maplibre-gl/package.json')) + '/dist'

const routes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'], cacheControl: true, maxAge: 0 })
  await app.register(fastifyStatic, {
    root: maplibreDist,
    prefix: '/vendor/maplibre-gl/',
    wildcard: false,
    decorateReply: false,
    // The package's files change only with its version: a day of caching is safe.
    maxAge: 86_400_000,
    allowedPath: (p) => /^\/maplibre-gl(-worker)?\.(mjs|css)$/.test(p) || p === '/maplibre-gl.css',
  })
}
export default routes
