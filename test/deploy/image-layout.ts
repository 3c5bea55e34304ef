// Builds the Dockerfile's image as a directory, without a Docker engine: each stage is a directory
// standing for its file system, COPY takes the build context's files through .dockerignore (or another
// stage's), RUN runs its npm steps there, and the last stage's ENV, USER and CMD say how to start it.
// What cannot happen outside a container (the base image, chown) is recorded, not faked.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { DockerfileError, isIgnored, parseDockerfile, parseDockerignore, parseEnv, substitute } from './dockerfile.js'
import type { IgnoreRule, Instruction } from './dockerfile.js'

export interface ImageLayout {
  /** the image's file system: image path /x is `<root>/x` */
  root: string
  /** the base image of each stage (`node:22-bookworm-slim`) */
  baseImages: string[]
  workdir: string
  /** the image's ENV, paths as in the image */
  env: Record<string, string>
  user: string | undefined
  /** image paths given to an owner by `chown` */
  owners: Record<string, string>
  volumes: string[]
  exposed: string[]
  cmd: string[]
  /** HEALTHCHECK's exec form (without `CMD`), and its options */
  healthcheck: { exec: string[]; flags: Record<string, string> } | undefined
}

/** Where an image path lies on this machine. */
export const onHost = (layout: Pick<ImageLayout, 'root'>, imagePath: string) => path.join(layout.root, imagePath)

interface StageState {
  name: string | undefined
  root: string
  workdir: string
  env: Record<string, string>
}

/** Files under a path of the build context, relative to the context, that .dockerignore lets through. */
function contextFiles(context: string, source: string, rules: IgnoreRule[]): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    const stat = fs.lstatSync(path.join(context, rel), { throwIfNoEntry: false })
    if (!stat) return
    if (stat.isDirectory()) for (const e of fs.readdirSync(path.join(context, rel))) walk(path.posix.join(rel, e))
    else if ((stat.isFile() || stat.isSymbolicLink()) && !isIgnored(rules, rel)) out.push(rel)
  }
  walk(source)
  return out
}

/** Sources named with `*` or `?` (`package*.json`) match entries of their directory. */
function expandSource(base: string, source: string): string[] {
  if (!/[*?[]/.test(source)) return [source]
  const dir = path.posix.dirname(source)
  const re = new RegExp(
    `^${path.posix
      .basename(source)
      .replace(/[.+()|{}$^]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  )
  const entries = fs.existsSync(path.join(base, dir)) ? fs.readdirSync(path.join(base, dir)) : []
  return entries.filter((e) => re.test(e)).map((e) => path.posix.join(dir, e))
}

export interface CopyPlan {
  /** files of the context (or of another stage's file system) → their image path */
  files: Array<{ from: string; to: string }>
}

/**
 * What one COPY puts where: a directory's contents into the destination, a file into a destination
 * ending in `/` (or naming several sources) under its own name, else to the destination itself.
 */
export function planCopy(opts: {
  ins: Instruction
  /** the build context, or the earlier stage's file system for --from */
  sourceRoot: string
  /** .dockerignore's rules for the context; null for --from */
  rules: IgnoreRule[] | null
  workdir: string
  env: Record<string, string>
}): CopyPlan {
  const words = opts.ins.exec ?? substitute(opts.ins.text, opts.env).split(/\s+/)
  if (words.length < 2) throw new DockerfileError(`line ${opts.ins.line}: COPY needs a source and a destination`)
  const dest = path.posix.resolve(opts.workdir, words.at(-1)!)
  const intoDirectory = words.at(-1)!.endsWith('/') || words.length > 2
  const files: CopyPlan['files'] = []
  for (const pattern of words.slice(0, -1)) {
    const before = files.length
    // Context sources are relative to the context; another stage's are paths in its file system.
    const relative = opts.rules ? path.posix.normalize(pattern).replace(/^(\.\/|\/)+/, '') : path.posix.resolve('/', pattern).slice(1)
    for (const source of expandSource(opts.sourceRoot, relative)) {
      const isDirectory = fs.statSync(path.join(opts.sourceRoot, source), { throwIfNoEntry: false })?.isDirectory()
      for (const f of contextFiles(opts.sourceRoot, source, opts.rules ?? [])) {
        if (isDirectory) files.push({ from: f, to: path.posix.join(dest, path.posix.relative(source, f)) })
        else files.push({ from: f, to: intoDirectory ? path.posix.join(dest, path.posix.basename(f)) : dest })
      }
    }
    // Docker fails the build too: a source that is missing or that .dockerignore leaves out entirely.
    if (files.length === before) {
      throw new DockerfileError(
        `line ${opts.ins.line}: COPY ${pattern}: nothing there${opts.rules ? ' in the build context (missing, or left out by .dockerignore)' : ''}`,
      )
    }
  }
  return { files }
}

function copyFiles(plan: CopyPlan, sourceRoot: string, destRoot: string) {
  for (const f of plan.files) {
    const target = path.join(destRoot, f.to)
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 })
    fs.cpSync(path.join(sourceRoot, f.from), target, { verbatimSymlinks: true, force: true })
  }
}

/** The environment a RUN step sees: the stage's ENV, and from this machine only what finds npm and its cache. */
function runEnvironment(stageEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (['PATH', 'HOME', 'TMPDIR', 'LANG'].includes(k) || /^npm_config_/i.test(k) || /_proxy$/i.test(k)) env[k] = v
  }
  // Packages come from the npm cache when it has them (CI's own `npm ci` filled it); the registry otherwise.
  return { ...env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', ...stageEnv }
}

// An npm step takes 10–30 s here. One in a CI rehearsal hung: `npm ci` waiting in epoll after its
// last registry fetch for 20 minutes, deaf to SIGTERM, which held the test's start until its 600 s
// timeout (the same tree passed before and after it). So a step that outlives its limit is killed
// with its process group and run once more, and a second hang fails with what it printed.
const stepLimitMs = 240_000

function runCommandOnce(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<'done' | 'hung'> {
  return new Promise((resolve, reject) => {
    // its own process group, so that the kill reaches npm under the shell
    const proc = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    let hung = false
    const timer = setTimeout(() => {
      hung = true
      try {
        process.kill(-proc.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }, stepLimitMs)
    proc.stdout.on('data', (d) => (out += d))
    proc.stderr.on('data', (d) => (out += d))
    proc.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      if (hung) {
        process.stderr.write(`RUN ${command} took more than ${stepLimitMs / 1000} s and was killed:\n${out}\n`)
        resolve('hung')
      } else if (code === 0) resolve('done')
      else reject(new Error(`RUN ${command} failed (${code}):\n${out}`))
    })
  })
}

async function runCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) if ((await runCommandOnce(command, cwd, env)) === 'done') return
  throw new Error(`RUN ${command} hung twice (more than ${stepLimitMs / 1000} s each)`)
}

/**
 * RUN steps by what they do: npm runs in the stage's directory; mkdir makes the directory in the
 * stage; chown is recorded (the check starts the service as an unprivileged user owning those paths).
 * Anything else has to be taught here first.
 */
async function run(ins: Instruction, stage: StageState, owners: Record<string, string>) {
  const unknownFlags = Object.entries(ins.flags).filter(([k, v]) => !(k === 'mount' && v.startsWith('type=cache,')))
  if (unknownFlags.length || ins.exec) {
    throw new DockerfileError(`line ${ins.line}: RUN ${ins.text}: only the shell form with --mount=type=cache is understood`)
  }
  for (const step of ins.text.split(/\s*&&\s*/)) {
    const [program, ...args] = step.split(/\s+/)
    const inImage = (p: string) => path.posix.resolve(stage.workdir, p)
    if (program === 'npm') {
      await runCommand(step, path.join(stage.root, stage.workdir), runEnvironment(stage.env))
    } else if (program === 'mkdir' && args[0] === '-p') {
      for (const p of args.slice(1)) fs.mkdirSync(path.join(stage.root, inImage(p)), { recursive: true, mode: 0o755 })
    } else if (program === 'chown' && args.length >= 2 && !args[0]!.startsWith('-')) {
      for (const p of args.slice(1)) owners[inImage(p)] = args[0]!
    } else {
      throw new DockerfileError(`line ${ins.line}: RUN ${step}: teach test/deploy/image-layout.ts what this does`)
    }
  }
}

/** Lays out every stage of the Dockerfile under `out` and returns the last (the image). */
export async function buildImageLayout(opts: { context: string; out: string }): Promise<ImageLayout> {
  const stages = parseDockerfile(fs.readFileSync(path.join(opts.context, 'Dockerfile'), 'utf8'))
  const ignoreFile = path.join(opts.context, '.dockerignore')
  const rules = parseDockerignore(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '')
  const built: StageState[] = []
  const image: Omit<ImageLayout, 'root' | 'workdir' | 'env'> = {
    baseImages: [],
    user: undefined,
    owners: {},
    volumes: [],
    exposed: [],
    cmd: [],
    healthcheck: undefined,
  }
  fs.chmodSync(opts.out, 0o755) // the unprivileged user must reach the image's files, as in a container
  for (const [index, spec] of stages.entries()) {
    const root = path.join(opts.out, `${index}-${spec.name ?? 'stage'}`)
    const stage: StageState = { name: spec.name, root, workdir: '/', env: {} }
    fs.mkdirSync(stage.root, { mode: 0o755 })
    image.baseImages.push(spec.image)
    const last = index === stages.length - 1
    for (const ins of spec.instructions) {
      const text = () => substitute(ins.text, stage.env)
      switch (ins.keyword) {
        case 'WORKDIR':
          stage.workdir = path.posix.resolve(stage.workdir, text())
          fs.mkdirSync(path.join(stage.root, stage.workdir), { recursive: true, mode: 0o755 })
          break
        case 'ENV':
          for (const [k, v] of parseEnv(ins.text, stage.env)) stage.env[k] = v
          break
        case 'COPY': {
          const { from, ...other } = ins.flags
          if (Object.keys(other).some((f) => f !== 'chown' && f !== 'link'))
            throw new DockerfileError(`line ${ins.line}: COPY --${Object.keys(other)[0]} is not understood`)
          const source = from === undefined ? undefined : built.find((s, i) => s.name === from || String(i) === from)
          if (from !== undefined && !source) {
            throw new DockerfileError(`line ${ins.line}: COPY --from=${from}: no such stage before it`)
          }
          const sourceRoot = source ? source.root : opts.context
          const plan = planCopy({ ins, sourceRoot, rules: source ? null : rules, workdir: stage.workdir, env: stage.env })
          copyFiles(plan, sourceRoot, stage.root)
          break
        }
        case 'RUN':
          await run(ins, stage, last ? image.owners : {})
          break
        case 'USER':
          image.user = last ? text() : image.user
          break
        case 'VOLUME':
          if (last) image.volumes.push(...(ins.exec ?? text().split(/\s+/)))
          break
        case 'EXPOSE':
          if (last) image.exposed.push(...text().split(/\s+/))
          break
        case 'CMD':
          if (!ins.exec) {
            throw new DockerfileError(`line ${ins.line}: CMD in the shell form runs under /bin/sh, which does not pass SIGTERM on`)
          }
          if (last) image.cmd = ins.exec
          break
        case 'HEALTHCHECK': {
          const cmd = /^CMD\s+(\[.*\])$/.exec(ins.text)
          if (!cmd) throw new DockerfileError(`line ${ins.line}: HEALTHCHECK needs CMD in the exec form`)
          if (last) image.healthcheck = { exec: JSON.parse(cmd[1]!) as string[], flags: ins.flags }
          break
        }
        case 'LABEL':
          break
        default:
          throw new DockerfileError(`line ${ins.line}: ${ins.keyword} is not understood by test/deploy/image-layout.ts`)
      }
    }
    built.push(stage)
  }
  const final = built.at(-1)!
  return { ...image, root: final.root, workdir: final.workdir, env: final.env }
}
