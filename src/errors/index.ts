// One table of error codes: HTTP status, stable problem type and the Chinese title users see.
// Every error the API returns is rendered from this table as RFC 7807 problem+json.
import createError, { type FastifyErrorConstructor } from '@fastify/error'

interface ProblemKind {
  status: number
  slug: string
  titleZh: string
  titleEn: string
}

export const problemKinds = {
  LR_BAD_REQUEST: { status: 400, slug: 'bad-request', titleZh: '请求参数有误', titleEn: 'Bad request' },
  LR_VALIDATION: { status: 400, slug: 'validation', titleZh: '请求数据校验未通过', titleEn: 'Request validation failed' },
  LR_UNAUTHORIZED: { status: 401, slug: 'unauthorized', titleZh: '未登录或访问密钥无效', titleEn: 'Not signed in, or missing or invalid API key' },
  LR_SESSION_ENDED: { status: 401, slug: 'session-ended', titleZh: '登录已失效', titleEn: 'Session ended' },
  LR_SIGN_IN_FAILED: { status: 401, slug: 'sign-in-failed', titleZh: '用户名或密码错误', titleEn: 'Wrong user name or password' },
  LR_FORBIDDEN: { status: 403, slug: 'forbidden', titleZh: '无权执行该操作', titleEn: 'Not allowed for this account or key' },
  LR_PASSWORD_CHANGE_REQUIRED: { status: 403, slug: 'password-change-required', titleZh: '请先修改密码', titleEn: 'Password change required' },
  LR_NOT_FOUND: { status: 404, slug: 'not-found', titleZh: '对象不存在或不在权限范围内', titleEn: 'Not found' },
  LR_CONFLICT: { status: 409, slug: 'conflict', titleZh: '与现有数据冲突', titleEn: 'Conflict with existing data' },
  // 同一土地重复核定 (165号 三, issue 21): a stable type a client can tell from other conflicts.
  LR_DOUBLE_COUNTING: { status: 409, slug: 'double-counting', titleZh: '同一土地不得重复核定', titleEn: 'The same land may not be counted twice' },
  LR_PAYLOAD_TOO_LARGE: { status: 413, slug: 'payload-too-large', titleZh: '上传内容超过大小限制', titleEn: 'Payload too large' },
  // A whole-collection download built in memory (f=gpkg) above its configured feature limit.
  LR_EXPORT_TOO_LARGE: { status: 413, slug: 'export-too-large', titleZh: '下载的要素过多', titleEn: 'Export too large' },
  LR_UNSUPPORTED_MEDIA: { status: 415, slug: 'unsupported-media-type', titleZh: '不支持的内容类型', titleEn: 'Unsupported media type' },
  LR_UNPROCESSABLE: { status: 422, slug: 'unprocessable', titleZh: '数据无法处理', titleEn: 'Unprocessable content' },
  // nginx's 499: the client closed the connection; nobody reads the answer, but the audit row and log say what happened.
  LR_CLIENT_ABORTED: { status: 499, slug: 'client-closed-request', titleZh: '客户端已断开连接', titleEn: 'Client closed request' },
  LR_URI_TOO_LONG: { status: 414, slug: 'uri-too-long', titleZh: '请求地址过长', titleEn: 'URI too long' },
  LR_HEADERS_TOO_LARGE: { status: 431, slug: 'headers-too-large', titleZh: '请求头或查询串过长', titleEn: 'Request header fields too large' },
  LR_OVERLOADED: { status: 503, slug: 'overloaded', titleZh: '服务繁忙，请稍后重试', titleEn: 'Service overloaded' },
  // A request that reached the service once its stop had begun (its connection was busy when the stop came).
  LR_STOPPING: { status: 503, slug: 'stopping', titleZh: '服务正在停止，请稍后重试', titleEn: 'Service stopping' },
  LR_TOO_MANY_REQUESTS: { status: 429, slug: 'too-many-requests', titleZh: '请求过于频繁', titleEn: 'Too many requests' },
  // /health when the service cannot do its work: the component (database, migrations) and the reading.
  LR_UNHEALTHY: { status: 503, slug: 'unhealthy', titleZh: '服务暂不可用', titleEn: 'Service unhealthy' },
  LR_DB_UNAVAILABLE: { status: 503, slug: 'database-unavailable', titleZh: '数据库暂不可用', titleEn: 'Database unavailable' },
  // A statement of the request ran past the statement timeout (STATEMENT_TIMEOUT_MS): ask for less.
  LR_TIMEOUT: { status: 503, slug: 'timeout', titleZh: '请求处理超时', titleEn: 'Request timed out' },
  // The data directory's disk (or the database server's) is full: an upload that would not fit, a write that did not.
  LR_INSUFFICIENT_STORAGE: { status: 507, slug: 'insufficient-storage', titleZh: '磁盘已满', titleEn: 'Insufficient storage' },
  LR_INTERNAL: { status: 500, slug: 'internal', titleZh: '服务内部错误', titleEn: 'Internal error' },
} as const satisfies Record<string, ProblemKind>

export type ProblemCode = keyof typeof problemKinds

/** Fields beyond RFC 7807's that an error may carry: a Chinese detail, the file/record/field at fault. */
export interface ProblemExtras {
  detailZh?: string
  errors?: Array<{ path?: string; file?: string; record?: number; field?: string; message: string; messageZh?: string }>
  [key: string]: unknown
}

const constructors = new Map<ProblemCode, FastifyErrorConstructor>()
for (const [code, kind] of Object.entries(problemKinds)) {
  constructors.set(code as ProblemCode, createError(code, '%s', kind.status))
}

export type AppError = Error & { code: ProblemCode; statusCode: number; extras?: ProblemExtras }

/** Make a typed error: `problem('LR_NOT_FOUND', 'project 12 not found', { detailZh: '项目不存在' })`. */
export function problem(code: ProblemCode, detail: string, extras?: ProblemExtras): AppError {
  const Ctor = constructors.get(code)!
  const err = new Ctor(detail) as AppError
  if (extras) err.extras = extras
  return err
}

export function isProblemCode(code: unknown): code is ProblemCode {
  return typeof code === 'string' && code in problemKinds
}

export const problemTypeBase = '/problems/'
export const problemType = (code: ProblemCode) => problemTypeBase + problemKinds[code].slug
