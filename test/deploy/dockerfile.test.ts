// The deployment files read as Docker and compose read them, without running anything: what the build
// context lets into the image, the image's start command against `npm start`, and docker-compose.yml.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/config.js'
import { isIgnored, parseDockerfile, parseDockerignore, parseEnv, type Stage } from './dockerfile.js'
import { planCopy } from './image-layout.js'

const read = (file: string) => fs.readFileSync(path.join(projectRoot, file), 'utf8')
const stages = parseDockerfile(read('Dockerfile'))
const image = stages.at(-1)!
const instructions = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword)
const imageEnv = Object.fromEntries(instructions(image, 'ENV').flatMap((i) => parseEnv(i.text, {})))

describe('.dockerignore as Docker reads it', () => {
  // The examples of Docker's documentation (https://docs.docker.com/build/concepts/context/#dockerignore-files).
  it.each([
    ['*/temp*', 'somedir/temporary.txt', true],
    ['*/temp*', 'somedir/temp', true],
    ['*/temp*', 'temp', false],
    ['*/*/temp*', 'somedir/subdir/temporary.txt', true],
    ['temp?', 'tempa', true],
    ['temp?', 'temp', false],
    ['**/*.go', 'a/b/c.go', true],
    ['**/*.go', 'c.go', true],
    ['/data/db', 'data/db/PG_VERSION', true],
    ['data/', 'data/sample/a.zip', true],
    ['data', 'database.ts', false],
  ])('%s leaves out %s: %s', (pattern, file, ignored) => {
    expect(isIgnored(parseDockerignore(pattern), file)).toBe(ignored)
  })

  it('lets a later ! line put files back, and a still later line take them out again', () => {
    const rules = parseDockerignore('# everything but the sources\n**\n!src/**\nsrc/**/*.key\n')
    expect(isIgnored(rules, 'README.md')).toBe(true)
    expect(isIgnored(rules, 'src/server.ts')).toBe(false)
    expect(isIgnored(rules, 'src/db/admin.key')).toBe(true)
    expect(isIgnored(parseDockerignore('*.md\n!README*.md\nREADME-secret.md'), 'README-secret.md')).toBe(true)
    expect(isIgnored(parseDockerignore('*.md\n!README*.md\nREADME-secret.md'), 'README-public.md')).toBe(false)
  })
})

describe('the build context (Dockerfile COPY lines through .dockerignore)', () => {
  // A checkout as a developer's machine has it after `npm ci && npm start` and some work.
  const runTimeFiles = [
    'data/db/PG_VERSION',
    'data/db/base/1/1259',
    'data/db.init-4711/PG_VERSION',
    'data/admin.key',
    'data/admin.password',
    'data/embedded-db.lock',
    'data/run/.s.PGSQL.5432',
    'data/tmp/upload-1.zip',
    'data/generated/371502_survey3.zip',
    'admin.key',
    '.env',
    'src/.env',
    'web/operator.key',
    'node_modules/tsx/package.json',
    'dist/src/server.js',
    'coverage/index.html',
    'bench/out/import.json',
  ]
  let context: string
  let copied: Map<string, string>

  beforeAll(() => {
    context = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-context-'))
    // The checkout's own files (what `docker build .` would see), plus the run-time files above.
    const skipped = /^(node_modules|\.git|dist|coverage|bench\/(out|tmp)|data\/(db|generated|tmp|run))(\/|$)/
    fs.cpSync(projectRoot, context, { recursive: true, filter: (f) => !skipped.test(path.relative(projectRoot, f)) })
    for (const f of runTimeFiles) {
      fs.mkdirSync(path.dirname(path.join(context, f)), { recursive: true })
      fs.writeFileSync(path.join(context, f), 'secret')
    }
    const rules = parseDockerignore(read('.dockerignore'))
    copied = new Map()
    for (const stage of stages) {
      let workdir = '/'
      for (const ins of stage.instructions) {
        if (ins.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, ins.text)
        if (ins.keyword !== 'COPY' || ins.flags.from !== undefined) continue
        const plan = planCopy({ ins, sourceRoot: context, rules, workdir, env: {} })
        for (const f of plan.files) copied.set(f.from, `${stage.name ?? 'image'}:${f.to}`)
      }
    }
  })
  afterAll(() => fs.rmSync(context, { recursive: true, force: true }))

  it('never takes the embedded database, keys, uploads, locks, sockets, installed packages or a local build', () => {
    expect(runTimeFiles.filter((f) => copied.has(f))).toEqual([])
    expect([...copied.keys()].filter((f) => /(^|\/)(\.env|[^/]*\.key|[^/]*\.lock)$/.test(f))).toEqual([])
  })

  it('puts into the image what the service reads at run time: regions, holiday calendars, the console', () => {
    const workdir = path.posix.resolve('/', instructions(image, 'WORKDIR').at(-1)!.text)
    const into = (f: string) => copied.get(f)
    expect(into('data/regions/shandong.json')).toBe(`image:${workdir}/data/regions/shandong.json`)
    for (const year of fs.readdirSync(path.join(projectRoot, 'data/calendar'))) {
      expect(into(`data/calendar/${year}`)).toBe(`image:${workdir}/data/calendar/${year}`)
    }
    for (const f of fs.readdirSync(path.join(projectRoot, 'web'), { recursive: true, withFileTypes: true })) {
      if (f.isFile()) expect(into(path.relative(projectRoot, path.join(f.parentPath, f.name)))).toMatch(/^image:/)
    }
    expect(into('package.json')).toBe(`image:${workdir}/package.json`)
    // The sample county is for `npm run sample:load` from a checkout, not for the service.
    expect([...copied.keys()].filter((f) => f.startsWith('data/') && !/^data\/(regions|calendar)\//.test(f))).toEqual([])
  })
})

describe('the image starts the service as npm start does', () => {
  it('with the same node options, on the compiled server module', () => {
    const start = JSON.parse(read('package.json')).scripts.start.split(/\s+/) as string[]
    const cmd = instructions(image, 'CMD').at(-1)!.exec!
    expect(cmd[0]).toBe('node')
    // npm start runs the TypeScript through tsx; the image runs what the build stage compiled.
    const loader = (a: string, i: number, args: string[]) => a === '--import' || args[i - 1] === '--import'
    const options = (args: string[]) => args.filter((a, i) => a.startsWith('--') && !loader(a, i, args))
    expect(options(cmd.slice(1))).toEqual(options(start.slice(1)))
    expect(cmd.at(-1)).toBe(start.at(-1)!.replace(/\.ts$/, '.js'))
  })

  it('on one Node version in every stage, one that package.json supports', () => {
    const majors = new Set(stages.map((s) => /^node:(\d+)[.-]/.exec(s.image)?.[1]))
    expect(majors.size).toBe(1)
    const major = [...majors][0]!
    expect(JSON.parse(read('package.json')).engines.node).toMatch(new RegExp(`\\^${major}\\.\\d+\\.\\d+`))
  })

  it('with its data in a volume the service may write to, as DATA_DIR', () => {
    expect(instructions(image, 'VOLUME').map((i) => i.text)).toEqual([imageEnv.DATA_DIR])
    expect(instructions(image, 'USER').at(-1)?.text).toBe('node')
    const dataDir = imageEnv.DATA_DIR
    expect(instructions(image, 'RUN').map((i) => i.text)).toContain(`mkdir -p ${dataDir} && chown node:node ${dataDir}`)
    expect(instructions(image, 'EXPOSE').map((i) => i.text)).toEqual([imageEnv.PORT])
  })
})

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml')
  /** The lines of one service, up to the next key at its own indentation or less. */
  const service = (name: string) => {
    const lines = compose.split('\n')
    const start = lines.indexOf(`  ${name}:`)
    expect(start, name).toBeGreaterThan(0)
    const end = lines.findIndex((l, i) => i > start && /^ {0,2}\S/.test(l))
    return lines.slice(start + 1, end).join('\n')
  }

  it('has no default password: compose refuses to start without POSTGRES_PASSWORD', () => {
    const uses = compose.match(/\$\{POSTGRES_PASSWORD[^}]*\}/g) ?? []
    expect(uses.length).toBeGreaterThanOrEqual(2) // the database's and the API's DATABASE_URL
    for (const use of uses) expect(use).toMatch(/^\$\{POSTGRES_PASSWORD:\?/)
    expect(service('api')).toMatch(/DATABASE_URL: postgres:\/\/lowland:\$\{POSTGRES_PASSWORD:\?[^}]*\}@db:5432\/lowland/)
  })

  it('checks the health of both services, the API with the image HEALTHCHECK command', () => {
    expect(service('db')).toMatch(/healthcheck:\n\s+test: \["CMD-SHELL", "pg_isready/)
    const test = /^\s+test: (\[.*\])$/m.exec(service('api'))
    const healthcheck = /^CMD\s+(\[.*\])$/.exec(instructions(image, 'HEALTHCHECK').at(-1)!.text)
    expect(JSON.parse(test![1]!)).toEqual(['CMD', ...JSON.parse(healthcheck![1]!)])
    expect(service('api')).toMatch(/depends_on:\n\s+db:\n\s+condition: service_healthy/)
  })

  it('keeps each service’s data in a named volume (the API’s at DATA_DIR)', () => {
    expect(service('db')).toMatch(/volumes:\n\s+- db-data:\/var\/lib\/postgresql\/data/)
    expect(service('api')).toMatch(new RegExp(`volumes:\\n\\s+- api-data:${imageEnv.DATA_DIR}\\n`))
    expect(compose).toMatch(/^volumes:\n {2}db-data:\n {2}api-data:\n?$/m)
  })
})
