// Where absolute links point (OGC documents, TileJSON tile templates, the OGC OpenAPI server): the
// configured PUBLIC_URL, else the address and port the connection arrived at. Never a request
// header: `Host: evil.example` would otherwise be echoed into tile templates that carry ?key=.
// Behind a reverse proxy the arrival address is the service's own, so set PUBLIC_URL there.
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** absolute base of this service's links, without a trailing slash */
    linkRoot(request: FastifyRequest): string
  }
}

export interface LinkOptions {
  publicUrl?: string
  /** the configured listen address, for requests without a socket address (app.inject) */
  host: string
  port: number
}

const hostText = (address: string) => {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address) // IPv4 reached on a dual-stack socket
  if (v4) return v4[1]!
  return address.includes(':') ? `[${address}]` : address
}

export function arrivalRoot(request: FastifyRequest, fallback: { host: string; port: number }): string {
  const socket = request.raw.socket as { localAddress?: string; localPort?: number } | undefined
  if (socket?.localAddress && socket.localPort) return `http://${hostText(socket.localAddress)}:${socket.localPort}`
  return `http://${hostText(fallback.host)}:${fallback.port}`
}

export default fp<LinkOptions>(
  async (app, opts) => {
    app.decorate('linkRoot', (request: FastifyRequest) => opts.publicUrl ?? arrivalRoot(request, opts))
  },
  { name: 'links' },
)
