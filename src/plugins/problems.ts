// Every error leaves the service as RFC 7807 problem+json, rendered here and nowhere else.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Duplex } from 'node:stream'
import { connectionLost } from '../db/connection.js'
import { diskFull } from '../db/connection.js'
import { isProblemCode, problemKinds, problemType, type ProblemCode, type ProblemExtras } from '../errors/index.js'

const byStatus: Record<number, ProblemCode> = {
  400: 'LR_BAD_REQUEST',
  401: 'LR_UNAUTHORIZED',
  403: 'LR_FORBIDDEN',
  404: 'LR_NOT_FOUND',
  409: 'LR_CONFLICT',
  413: 'LR_PAYLOAD_TOO_LARGE',
  415: 'LR_UNSUPPORTED_MEDIA',
  422: 'LR_UNPROCESSABLE',
  503: 'LR_DB_UNAVAILABLE',
}

// Connection failures and pool exhaustion mean the database is away, not that the request was bad.
function isDatabaseUnavailable(err: Error & { code?: string }): boolean {
  return connectionLost(err) || err.code === 'ETIMEDOUT' || err.name === 'KnexTimeoutError'
}

/**
 * When a client may try again after a 503 for want of the database (RFC 9110 Retry-After): a
 * restart or failover of PostgreSQL takes seconds; a statement on a connection found dead was
 * already retried once (src/db/connection.ts), so the next attempt gets a new connection.
 */
const retryAfterSeconds: Partial<Record<ProblemCode, number>> = {
  LR_DB_UNAVAILABLE: 5,
  LR_UNHEALTHY: 5,
  // a stop: the service is started again, or another instance answers
  LR_STOPPING: 5,
  // a full disk: space may return (an operator frees it, a failed import's rows are removed)
  LR_INSUFFICIENT_STORAGE: 60,
}

/** The request's path with any ?key= value replaced: a problem document must not echo a key. */
export const redactedUrl = (url: string) => url.replace(/([?&]key=)[^&#]*/gi, '$1[redacted]')

/** The client went away (closed the socket mid-upload): not the database's fault nor the service's. */
function isClientAbort(request: FastifyRequest, err: Error & { code?: string }): boolean {
  return request.raw.aborted || (request.raw.destroyed && !request.raw.complete) || err.code === 'ECONNABORTED' || err.code === 'ERR_STREAM_PREMATURE_CLOSE'
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, code: ProblemCode, detail: string, extras: ProblemExtras = {}) {
  const kind = problemKinds[code]
  const retryAfter = retryAfterSeconds[code]
  if (retryAfter && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfter))
  return reply
    .code(kind.status)
    .type('application/problem+json')
    .send({
      type: problemType(code),
      title: kind.titleZh,
      titleEn: kind.titleEn,
      status: kind.status,
      detail,
      ...extras,
      instance: redactedUrl(request.url),
      code,
      requestId: String(request.id),
    })
}

/**
 * Errors Node's HTTP parser raises before Fastify has a request (headers or query string too long,
 * malformed request line): written straight to the socket, still as problem+json from the one table.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [code, detail]: [ProblemCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['LR_HEADERS_TOO_LARGE', 'the request headers or query string exceed the allowed size']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['LR_BAD_REQUEST', 'the request was not completed in time']
        : ['LR_BAD_REQUEST', 'the request could not be parsed as HTTP']
  const kind = problemKinds[code]
  const body = JSON.stringify({
    type: problemType(code),
    title: kind.titleZh,
    titleEn: kind.titleEn,
    status: kind.status,
    detail,
    instance: '',
    code,
    requestId: '',
  })
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${kind.status} ${kind.titleEn}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy(err)
}

/**
 * Errors of Fastify's router, before any hook (a path that is not valid percent-encoding or UTF-8, a
 * path parameter past maxParamLength): problem documents like every other error.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    void sendProblem(request, reply, 'LR_URI_TOO_LONG', 'a path segment is longer than any identifier of this service', { detailZh: '请求路径中的参数过长' })
  else void sendProblem(request, reply, 'LR_BAD_REQUEST', 'the request path is not valid percent-encoded UTF-8', { detailZh: '请求路径编码无效' })
}

/** busboy's errors for a body that is not the multipart it says (no boundary, cut short, bad part headers). */
const malformedMultipart = (request: FastifyRequest, err: Error & { statusCode?: number }) =>
  !err.statusCode &&
  /^multipart\//i.test(request.headers['content-type'] ?? '') &&
  /Unexpected end of (form|multipart data)|Malformed|Boundary not found|Multipart: /i.test(err.message)

/** PostgreSQL data exceptions (class 22) a value of a request can still cause: bad input, not a fault. */
const dataException = (err: Error & { code?: string }) => typeof err.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code)

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError & { extras?: ProblemExtras }, request, reply) => {
      if (error.validation) {
        return sendProblem(request, reply, 'LR_VALIDATION', `invalid ${error.validationContext ?? 'request'}: ${error.message}`, {
          detailZh: '请求数据不符合接口定义，见 errors',
          errors: error.validation.map((v) => ({
            path: `${error.validationContext ?? ''}${v.instancePath}`,
            message: v.message ?? 'invalid',
          })),
        })
      }
      if (isProblemCode(error.code)) {
        const retryAfter = (error as { retryAfter?: number }).retryAfter
        if (retryAfter) reply.header('retry-after', String(retryAfter))
        return sendProblem(request, reply, error.code, error.message, error.extras)
      }
      // 57014: a statement cancelled, by the statement timeout or for a client that went away.
      if (error.code === '57014') {
        if (reply.raw.destroyed || request.raw.socket?.destroyed) {
          return sendProblem(request, reply, 'LR_CLIENT_ABORTED', 'the client closed the connection; its database statement was cancelled')
        }
        const seconds = (request.work?.statementTimeoutMs ?? 0) / 1000
        request.log.warn({ err: error, statementTimeoutSeconds: seconds }, 'statement timeout')
        return sendProblem(
          request,
          reply,
          'LR_TIMEOUT',
          `a database statement of this request ran longer than the ${seconds} s allowed; ask for less (a smaller area, limit or filter)`,
          { detailZh: `数据库查询超过 ${seconds} 秒被中止，请缩小范围、减少条数或增加筛选条件` },
        )
      }
      if (isClientAbort(request, error)) {
        request.log.info({ err: error }, 'client closed the connection before the request was read')
        return sendProblem(request, reply, 'LR_CLIENT_ABORTED', 'the client closed the connection before the request was complete')
      }
      if (malformedMultipart(request, error)) {
        return sendProblem(request, reply, 'LR_BAD_REQUEST', `the multipart/form-data body is malformed: ${error.message}`, {
          detailZh: '上传表单（multipart/form-data）格式错误，请检查请求体与 boundary',
        })
      }
      if (dataException(error)) {
        // Every value should be checked before it reaches SQL; this net keeps one that was not from
        // answering 500, and the log says which, so the check can be added.
        request.log.warn({ err: error }, 'a request value reached the database unchecked')
        return sendProblem(request, reply, 'LR_BAD_REQUEST', 'a value of the request is out of range or malformed', {
          detailZh: '请求中的某个值超出范围或格式不正确',
        })
      }
      if (diskFull(error)) {
        request.log.error({ err: error }, 'disk full')
        return sendProblem(
          request,
          reply,
          'LR_INSUFFICIENT_STORAGE',
          "the disk is full (the data directory's, or the database server's); nothing was written. Try again later",
          { detailZh: '磁盘已满（数据目录或数据库服务器的磁盘），本次未写入任何数据：请稍后重试，或请管理员清理、扩充磁盘' },
        )
      }
      if (isDatabaseUnavailable(error)) {
        request.log.error({ err: error }, 'database unavailable')
        return sendProblem(request, reply, 'LR_DB_UNAVAILABLE', 'the database did not answer; try again later')
      }
      const status = error.statusCode ?? 500
      const mapped = byStatus[status]
      if (status < 500 && mapped) return sendProblem(request, reply, mapped, error.message)
      request.log.error({ err: error }, 'unhandled error')
      // 5xx details stay in the log; the client gets the request id to quote.
      return sendProblem(request, reply, 'LR_INTERNAL', `internal error; quote request id ${request.id} when reporting it`)
    })
    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, 'LR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, { detailZh: '接口不存在' }),
    )
  },
  { name: 'problems' },
)
