// Protection from overload and key guessing:
// - at most `maxInFlight` requests are served at once; beyond that a 503 problem with Retry-After
//   answers at once instead of a queue growing without bound;
// - @fastify/under-pressure answers 503 + Retry-After while the event loop lags (a tile storm, a
//   huge export on a small machine);
// - @fastify/rate-limit counts failed key attempts per client address: past `maxFailedKeys` in a
//   window, that address gets 429 + Retry-After before any key it sends is even looked up.
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from '../errors/index.js'

export interface ProtectionOptions {
  maxInFlight: number
  /** event-loop delay beyond which requests get 503 (0: no check) */
  maxEventLoopDelayMs: number
  retryAfterSeconds: number
  maxFailedKeys: number
  failedKeyWindowMs: number
}

export const defaultProtection: ProtectionOptions = {
  maxInFlight: 256,
  maxEventLoopDelayMs: 2000,
  retryAfterSeconds: 5,
  maxFailedKeys: 20,
  failedKeyWindowMs: 60_000,
}

/** A problem the error handler sends with a Retry-After header. */
const overloaded = (detail: string, retryAfter: number) => Object.assign(problem('LR_OVERLOADED', detail, { detailZh: '服务繁忙，请稍后重试' }), { retryAfter })

declare module 'fastify' {
  interface FastifyInstance {
    keyAttempts: {
      /** throws 429 while the client's address is blocked for failed keys */
      check(request: FastifyRequest): void
      /** counts a failed key; over the limit, blocks the address and throws 429 */
      failed(request: FastifyRequest): Promise<void>
    }
  }
}

export default fp(
  async (app, opts: Partial<ProtectionOptions>) => {
    const o = { ...defaultProtection, ...opts }
    let inFlight = 0
    app.addHook('onRequest', async (request, reply) => {
      if (inFlight >= o.maxInFlight)
        throw overloaded(`the service is answering ${o.maxInFlight} requests already; retry after ${o.retryAfterSeconds} s`, o.retryAfterSeconds)
      inFlight++
      // 'close' fires once whether the answer was sent or the client went away.
      reply.raw.once('close', () => inFlight--)
    })
    await app.register(underPressure, {
      maxEventLoopDelay: o.maxEventLoopDelayMs,
      retryAfter: o.retryAfterSeconds,
      // Rejecting hands the error to the one error handler, which renders it as problem+json.
      pressureHandler: async (_request, _reply, type) => {
        throw overloaded(`the service is overloaded (${type}); retry after ${o.retryAfterSeconds} s`, o.retryAfterSeconds)
      },
    })

    await app.register(rateLimit, { global: false })
    const limiter = app.createRateLimit({ max: o.maxFailedKeys, timeWindow: o.failedKeyWindowMs, keyGenerator: (request) => request.ip })
    const blockedUntil = new Map<string, number>()
    const attempts = {
      check(request: FastifyRequest) {
        const until = blockedUntil.get(request.ip)
        if (until === undefined) return
        if (until <= Date.now()) return void blockedUntil.delete(request.ip)
        const seconds = Math.ceil((until - Date.now()) / 1000)
        throw Object.assign(
          problem('LR_TOO_MANY_REQUESTS', `too many requests with a wrong API key from this address; retry after ${seconds} s`, {
            detailZh: '错误密钥尝试过多，请稍后重试',
          }),
          { retryAfter: seconds },
        )
      },
      async failed(request: FastifyRequest) {
        const r = await limiter(request)
        // isAllowed means an allow-listed key; the count is in isExceeded.
        if (r.isAllowed || !r.isExceeded) return
        // The attempt past the limit is already answered 429, and so is every attempt until the window ends.
        blockedUntil.set(request.ip, Date.now() + Math.max(r.ttl, 1000))
        attempts.check(request)
      },
    }
    app.decorate('keyAttempts', attempts)
  },
  { name: 'protection' },
)
