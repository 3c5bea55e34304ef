import Type, { type Static } from 'typebox'
import { OneOf } from './common.js'

export const Health = Type.Object({
  status: OneOf(['ok', 'degraded', 'unavailable']),
  backend: OneOf(['server', 'embedded']),
  database: Type.Object({
    reachable: Type.Boolean(),
    postgres: Type.Optional(Type.String()),
    postgis: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
  }),
  migrations: Type.Object({
    current: Type.Boolean(),
    applied: Type.Array(Type.String()),
    pending: Type.Array(Type.String()),
  }),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
})
export type Health = Static<typeof Health>
