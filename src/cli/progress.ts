// A terminal progress bar on stderr; plain lines every 10 % when stderr is not a terminal (CI, logs).

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const t0 = Date.now()
  let lastTenth = -1
  let lastDraw = 0
  return {
    update(fraction: number, detail = '') {
      const f = Math.max(0, Math.min(1, fraction))
      const secs = ((Date.now() - t0) / 1000).toFixed(1)
      if (stream.isTTY) {
        if (Date.now() - lastDraw < 100 && f < 1) return
        lastDraw = Date.now()
        const width = 30
        const full = Math.round(f * width)
        stream.write(`\r${label} [${'█'.repeat(full)}${'░'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail} ${secs} s\x1b[K`)
      } else {
        const tenth = Math.floor(f * 10)
        if (tenth === lastTenth) return
        lastTenth = tenth
        stream.write(`${label} ${tenth * 10}% ${detail} ${secs} s\n`)
      }
    },
    done() {
      if (stream.isTTY) stream.write('\n')
    },
  }
}
