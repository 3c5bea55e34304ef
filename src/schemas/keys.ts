import Type from 'typebox'
import { roles } from '../domain/region.js'
import { OneOf, Timestamp } from './common.js'

export const Role = OneOf(roles)

export const ApiKey = Type.Object({
  keyId: Type.Integer(),
  prefix: Type.String({ description: 'visible part of the key, e.g. lr_Ab3dEf9h' }),
  name: Type.String(),
  role: Role,
  region: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
})

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Role,
    region: Type.Optional(Type.String({ pattern: '^[0-9]{4}([0-9]{2})?$', description: '6 digits for a county key, 4 for a city key' })),
  },
  { additionalProperties: false },
)

export const CreatedKey = Type.Object({
  key: ApiKey,
  token: Type.String({ description: 'the secret key; shown only in this response' }),
})

export const Principal = Type.Object({
  kind: Type.Enum(['key', 'account', 'system'], { description: "a machine's API key, or a person's named account (signed in with a session)" }),
  prefix: Type.String({ description: "what the audit records: the key's prefix, or @username" }),
  name: Type.String({ description: "the key's name, or the officer's name" }),
  username: Type.Optional(Type.String()),
  mustChangePassword: Type.Optional(Type.Boolean()),
  role: Role,
  region: Type.Union([Type.String(), Type.Null()]),
})
