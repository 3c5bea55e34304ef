// Request validation with two Ajv instances: query strings and path parameters arrive as text and
// are coerced to their types; JSON bodies are not, because coercion would silently turn a wrong
// value into a valid one (Ajv coerces 0, "" and false to null for a nullable field).
import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import fp from 'fastify-plugin'
import { problem } from '../errors/index.js'

/**
 * The first place in a parsed value where a string holds a NUL character (PostgreSQL text cannot hold
 * one, and no field of this service needs it), or a number is not finite (Ajv coerces "1e309" to an
 * integer Infinity), as a path like `query.q` or `body.name`; null when there is none.
 */
export function badValuePath(value: unknown, path: string, depth = 0): { path: string; kind: 'nul' | 'infinite' } | null {
  if (typeof value === 'string') return value.includes('\u0000') ? { path, kind: 'nul' } : null
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, kind: 'infinite' }
  if (value === null || typeof value !== 'object' || depth > 64) return null
  for (const [k, v] of Object.entries(value)) {
    const found = badValuePath(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`, depth + 1)
    if (found) return found
  }
  return null
}

function refuseBadValues(parts: Array<[string, unknown]>) {
  for (const [name, value] of parts) {
    const bad = badValuePath(value, name)
    if (!bad) continue
    throw bad.kind === 'nul'
      ? problem('LR_BAD_REQUEST', `${bad.path} contains a NUL character (\\u0000)`, {
          detailZh: `${bad.path} 含有空字符（\\u0000），请删除后重试`,
          errors: [{ path: bad.path, message: 'contains a NUL character', messageZh: '含有空字符' }],
        })
      : problem('LR_BAD_REQUEST', `${bad.path} is not a finite number`, {
          detailZh: `${bad.path} 不是有限数值`,
          errors: [{ path: bad.path, message: 'not a finite number', messageZh: '不是有限数值' }],
        })
  }
}

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
    // Before validation: NUL in what arrived; after it: numbers the coercion made infinite.
    app.addHook('preValidation', async (request) =>
      refuseBadValues([
        ['query', request.query],
        ['params', request.params],
        ['body', request.body],
      ]),
    )
    app.addHook('preHandler', async (request) =>
      refuseBadValues([
        ['query', request.query],
        ['params', request.params],
      ]),
    )
  },
  { name: 'validation' },
)
