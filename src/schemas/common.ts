import Type, { type TEnum } from 'typebox'
import { cityPrefixes, countyCodes } from '../domain/regions.js'

/** A string enum from a list of values, typed as their union. */
export const OneOf = <const T extends readonly string[]>(values: T, options?: { description?: string; default?: T[number] }): TEnum<[...T]> =>
  Type.Enum([...values], options) as TEnum<[...T]>
/** A string enum of an object's keys (e.g. the codes of a label table). */
export const KeyOf = <T extends object>(o: T, options?: { description?: string }): TEnum<Array<keyof T & string>> =>
  Type.Enum(Object.keys(o), options) as TEnum<Array<keyof T & string>>

/** A county of the region table: an unknown code is refused by validation, naming the field. */
export const CountyCode = Type.Enum(countyCodes, {
  description: '6-digit county code (县级行政区划代码) of a county-level division of Shandong',
  examples: ['371502'],
})
/** A city (设区市) by its 4-digit prefix, e.g. 3715 聊城市. */
export const CityPrefix = Type.Enum(cityPrefixes, { description: '4-digit city code (设区市), e.g. 3715' })
// Ids are PostgreSQL bigint columns, read as JavaScript numbers (db/connection.ts): a number past the
// largest exact one can name nothing.
export const maxId = Number.MAX_SAFE_INTEGER
export const Id = Type.Integer({ minimum: 1, maximum: maxId })
export const IdParams = Type.Object({ id: Id })
export const Timestamp = Type.String({ format: 'date-time' })

/** RFC 7807 problem details, as every error response of this API. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'stable problem type URI reference' }),
    title: Type.String({ description: 'short Chinese title (中文标题)' }),
    titleEn: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'English explanation of this occurrence' }),
    detailZh: Type.Optional(Type.String()),
    instance: Type.String(),
    code: Type.String({ description: 'stable error code, e.g. LR_NOT_FOUND' }),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.Optional(Type.String()),
            file: Type.Optional(Type.String()),
            record: Type.Optional(Type.Integer()),
            field: Type.Optional(Type.String()),
            message: Type.String(),
          },
          { additionalProperties: true },
        ),
      ),
    ),
  },
  { additionalProperties: true, $id: 'Problem' },
)

export const problemResponses = {
  '4xx': Type.Ref('Problem'),
  '5xx': Type.Ref('Problem'),
}
