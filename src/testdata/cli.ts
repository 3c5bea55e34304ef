// npm run data:generate -- --patches 100000 [--out data/generated] [--county 371502] [--seed N] [--layers survey3,buildings]
import { parseArgs } from 'node:util'
import { allGeneratedLayers, generateCounty, type GeneratedLayer } from './generate.js'

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '10000' },
    out: { type: 'string', default: 'data/generated' },
    county: { type: 'string', default: '371502' },
    seed: { type: 'string' },
    layers: { type: 'string' },
  },
})
const layers = values.layers ? (values.layers.split(',') as GeneratedLayer[]) : allGeneratedLayers
const unknown = layers.filter((l) => !allGeneratedLayers.includes(l))
if (unknown.length) {
  console.error(`unknown layer(s) ${unknown.join(', ')}; known: ${allGeneratedLayers.join(', ')}`)
  process.exit(64)
}
const t0 = Date.now()
const written = await generateCounty({
  outDir: values.out!,
  patches: Number(values.patches),
  county: values.county,
  seed: values.seed ? Number(values.seed) : undefined,
  layers,
})
for (const w of written) console.log(`${w.zip}\t${w.count} features`)
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
