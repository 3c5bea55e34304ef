// The web console (工作台): the files under web/ at / and, from their npm packages, MapLibre GL JS at
// /vendor/maplibre-gl/, proj4 (Gauss-Kruger coordinates typed into the map's search) at /vendor/proj4/
// and GeographicLib's geodesics (the map's measuring tool) at /vendor/geographiclib/, so the page works
// on networks without internet. Routes are made for the files present at start (no wildcard): any
// other path keeps the service's own 404 problem document.
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { createRequire } from 'node:module'
import path from 'node:path'
import { projectRoot } from '../../config.js'

export const webRoot = path.join(projectRoot, 'web')
const packageDir = (name: string) => path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`))
const maplibreDist = packageDir('maplibre-gl') + '/dist'
// A package's files change only with its version: a day of caching is safe.
const vendorMaxAge = 86_400_000

/** The one browser build of a package (UMD: loaded as a module, it sets a global). */
const vendorFile = (dir: string, prefix: string, file: string) => ({
  root: dir,
  prefix,
  wildcard: false,
  decorateReply: false,
  maxAge: vendorMaxAge,
  allowedPath: (p: string) => p === `/${file}`,
})

const routes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'], cacheControl: true, maxAge: 0 })
  await app.register(fastifyStatic, {
    root: maplibreDist,
    prefix: '/vendor/maplibre-gl/',
    wildcard: false,
    decorateReply: false,
    maxAge: vendorMaxAge,
    allowedPath: (p) => /^\/maplibre-gl(-worker)?\.(mjs|css)$/.test(p) || p === '/maplibre-gl.css',
  })
  await app.register(fastifyStatic, vendorFile(packageDir('proj4') + '/dist', '/vendor/proj4/', 'proj4.js'))
  await app.register(fastifyStatic, vendorFile(packageDir('geographiclib-geodesic'), '/vendor/geographiclib/', 'geographiclib-geodesic.min.js'))
}
export default routes
