// tsx bench/http-loop.ts <url> <connections> <seconds> [header=value …]
// A small closed-loop HTTP load generator for bench:projects, run as its own process (so it does
// not share the service's event loop): `connections` keep-alive sockets, each sending its next
// request when the last answer is read, for `seconds`. autocannon reports latency in whole
// milliseconds, too coarse for answers of 0.3–3 ms; this one keeps microseconds. Prints JSON:
// p50, p99 and mean in ms, requests a second, non-2xx count. `{connection}` in the url is replaced by
// each connection's number (0, 1, …): connections that ask different things.
import http from 'node:http'

const [url, connections, seconds, ...headerArgs] = process.argv.slice(2)
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]))
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) })
const latencies: number[] = []
let non2xx = 0
const until = process.hrtime.bigint() + BigInt(Math.round(Number(seconds) * 1e9))

function once(target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint()
    const req = http.get(target, { agent, headers }, (res) => {
      res.on('data', () => {})
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6)
        if (res.statusCode! < 200 || res.statusCode! > 299) non2xx++
        resolve()
      })
    })
    req.on('error', reject)
  })
}

async function loop(connection: number) {
  const target = url!.replaceAll('{connection}', String(connection))
  while (process.hrtime.bigint() < until) await once(target)
}

const start = process.hrtime.bigint()
await Promise.all(Array.from({ length: Number(connections) }, (_, i) => loop(i)))
const elapsed = Number(process.hrtime.bigint() - start) / 1e9
latencies.sort((a, b) => a - b)
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
console.log(
  JSON.stringify({
    p50: at(0.5),
    p99: at(0.99),
    mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    rps: latencies.length / elapsed,
    non2xx,
  }),
)
agent.destroy()
