// Request validation with two Ajv instances: query strings and path parameters arrive as text and
// are coerced to their types; JSON bodies are not, because coercion would silently turn a wrong
// value into a valid one (Ajv coerces 0, "" and false to null for a nullable field).
import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import fp from 'fastify-plugin'

function makeAjv(options: Options) {
  const ajv = new Ajv({ useDefaults: true, allErrors: true, removeAdditional: false, strict: false, ...options })
  addFormats.default(ajv)
  ajv.addFormat('binary', true) // an uploaded file, described for OpenAPI; its bytes are checked by the importer
  return ajv
}

export default fp(
  async (app) => {
    const bodies = makeAjv({ coerceTypes: false })
    const text = makeAjv({ coerceTypes: 'array' })
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodies : text).compile(schema))
  },
  { name: 'validation' },
)
