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
    /** at work on a statement (the embedded database's one connection): the answer is the last reading */
    busy: Type.Optional(Type.Boolean()),
    /** how long the probe has waited for the busy database */
    waitedMs: Type.Optional(Type.Integer()),
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
