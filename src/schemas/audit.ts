import Type from 'typebox'
import { OneOf, Timestamp } from './common.js'

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  keyPrefix: Type.Union([Type.String(), Type.Null()]),
  keyName: Type.Union([Type.String(), Type.Null()], { description: 'name of the key (keyPrefix); null: no key or an unknown one' }),
  action: Type.String(),
  objectType: Type.String(),
  objectId: Type.Union([Type.String(), Type.Null()]),
  county: Type.Union([Type.String(), Type.Null()]),
  result: OneOf(['ok', 'denied', 'failed']),
  requestId: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Unknown(),
})

export const AuditQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'only entries with a smaller id (paging backwards)' })),
})
