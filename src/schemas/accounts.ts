import Type from 'typebox'
import { Role } from './keys.js'
import { Timestamp } from './common.js'

const Region = Type.Union([Type.String({ pattern: '^[0-9]{4}([0-9]{2})?$', description: '6 digits for a county account, 4 for a city account' }), Type.Null()])

export const Account = Type.Object({
  username: Type.String({ description: 'user name (登录名)' }),
  displayName: Type.String({ description: "the officer's name (姓名)" }),
  role: Role,
  region: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  mustChangePassword: Type.Boolean({ description: 'set by an admin reset: the next sign-in must change the password first' }),
  createdAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  lastSignInAt: Type.Union([Timestamp, Type.Null()]),
})

const Password = Type.String({ minLength: 1, maxLength: 1024, description: 'at least 10 characters, not one of the commonest passwords' })

export const CreateAccountBody = Type.Object(
  {
    username: Type.String({ minLength: 2, maxLength: 64, description: 'lower-case letters, digits, . _ -' }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    role: Role,
    region: Type.Optional(Region),
    password: Type.Optional({ ...Password, description: 'none: one is generated and answered once; either way it must be changed at first sign-in' }),
  },
  { additionalProperties: false },
)

export const CreatedAccount = Type.Object({
  account: Account,
  password: Type.Optional(Type.String({ description: 'the generated password; shown only in this response' })),
})

export const UpdateAccountBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(Role),
    region: Type.Optional(Region),
    enabled: Type.Optional(Type.Boolean({ description: 'false disables the account and ends its sessions at once' })),
    resetPassword: Type.Optional(Type.Boolean({ description: 'true: a new password (the one given, or generated) that must be changed at next sign-in' })),
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
)

export const SignInBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
)

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Password },
  { additionalProperties: false },
)
