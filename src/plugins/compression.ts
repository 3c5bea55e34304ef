// Response compression (br, gzip) for what is text or compresses well: JSON, GeoJSON, problem
// documents, CSV, vector tiles, GeoPackages (SQLite pages: 41 % of their size gzipped). A 10 000-feature GeoJSON page is 11.9 MB plain (bench/README.md).
// Zip archives (shapefile exports) are compressed already and pass as they are.
import compress from '@fastify/compress'
import fp from 'fastify-plugin'

/** Media types compressed besides those mime-db marks compressible (MVT is not marked). */
export const compressedTypes =
  /^(application\/(json|geo\+json|problem\+json|schema\+json|vnd\.oai\.openapi\+json|vnd\.mapbox-vector-tile|geopackage\+sqlite3)|text\/)/

export default fp(
  async (app) => {
    await app.register(compress, {
      global: true,
      // gzip first where a client takes both: brotli (quality 4) made a 10 000-feature page 16 % smaller
      // but took 0.8 s more CPU to send (bench/README.md), on a 2-core machine serving many.
      encodings: ['gzip', 'br'],
      customTypes: compressedTypes,
      threshold: 1024,
    })
  },
  { name: 'compression' },
)
