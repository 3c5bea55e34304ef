// Reads the Dockerfile and its .dockerignore as Docker (BuildKit) does, for the image check: the stages
// and their instructions, and which paths of the build context are left out. Only the syntax our
// Dockerfile uses is understood; anything else is an error, so the check never silently differs from a
// real build (teach it the new instruction instead).
import path from 'node:path'

export interface Instruction {
  /** upper case: FROM, COPY, RUN … */
  keyword: string
  /** leading `--name=value` options (`--from=build` → from: build) */
  flags: Record<string, string>
  /** the exec form's JSON array, or null for the shell form */
  exec: string[] | null
  /** the arguments after the options, as written (the shell form's command line) */
  text: string
  line: number
}

export interface Stage {
  name: string | undefined
  image: string
  instructions: Instruction[]
}

export class DockerfileError extends Error {}

/** Physical lines joined at a trailing backslash; comment lines dropped, also inside a continuation. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = []
  let pending: { text: string; line: number } | null = null
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim()
    if (trimmed.startsWith('#') || (trimmed === '' && pending)) return
    const continued = /\\\s*$/.test(raw)
    const part = continued ? raw.replace(/\\\s*$/, '') : raw
    pending = pending ? { text: `${pending.text} ${part.trim()}`, line: pending.line } : { text: part.trim(), line: i + 1 }
    if (!continued) {
      if (pending.text !== '') out.push(pending)
      pending = null
    }
  })
  if (pending) throw new DockerfileError('the Dockerfile ends inside a line continuation')
  return out
}

function parseInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*(.*)$/.exec(text)!
  let rest = m[2]!
  const flags: Record<string, string> = {}
  for (let f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[f[1]!] = f[2] ?? 'true'
    rest = rest.slice(f[0].length)
  }
  let exec: string[] | null = null
  if (rest.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(rest)
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) exec = parsed
    } catch {
      // Docker, too, takes a line that is not a JSON array of strings as the shell form.
    }
  }
  return { keyword: m[1]!.toUpperCase(), flags, exec, text: rest.trim(), line }
}

/** The stages in order; the last one is the image. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  for (const { text: t, line } of logicalLines(text)) {
    const ins = parseInstruction(t, line)
    if (ins.keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.text)
      if (!from || Object.keys(ins.flags).length) {
        throw new DockerfileError(`line ${line}: FROM ${ins.text} is not understood`)
      }
      stages.push({ image: from[1]!, name: from[2], instructions: [] })
    } else if (!stages.length) {
      throw new DockerfileError(`line ${line}: ${ins.keyword} before FROM is not understood (ARG?)`)
    } else {
      stages.at(-1)!.instructions.push(ins)
    }
  }
  if (!stages.length) throw new DockerfileError('the Dockerfile has no FROM')
  return stages
}

/** `$NAME` and `${NAME}` from the stage's ENV, as Docker substitutes them in COPY, WORKDIR, ENV … */
export function substitute(text: string, env: Record<string, string>): string {
  const reference = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))|\$\{[^}]*\}/g
  return text.replace(reference, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare
    if (!name) throw new DockerfileError(`${whole}: only $NAME and \${NAME} are understood`)
    return env[name] ?? ''
  })
}

/** `ENV A=1 B="two words"` (or the old `ENV A 1`) as pairs. */
export function parseEnv(text: string, env: Record<string, string>): Array<[string, string]> {
  const old = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(text)
  if (old) return [[old[1]!, substitute(old[2]!.trim(), env)]]
  const pairs: Array<[string, string]> = []
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)\s*/gy
  let m: RegExpExecArray | null
  let end = 0
  while ((m = re.exec(text))) {
    const raw = m[2]!
    if (raw.startsWith("'")) pairs.push([m[1]!, raw.slice(1, -1)])
    else pairs.push([m[1]!, substitute(raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw, env)])
    end = re.lastIndex
  }
  if (end !== text.length) throw new DockerfileError(`ENV ${text}: not understood after "${text.slice(0, end)}"`)
  return pairs
}

export interface IgnoreRule {
  pattern: string
  /** a `!` line: puts back what earlier lines left out */
  exclusion: boolean
  matches: (file: string) => boolean
}

/**
 * A pattern as moby/patternmatcher compiles it: `*` and `?` within one path element, `**` across any
 * number of them (a leading `**` matches any suffix, a trailing one any prefix), other text literal.
 */
function compilePattern(pattern: string): (file: string) => boolean {
  let re = '^'
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact'
  const chars = [...pattern]
  for (let i = 0, k = 0; k < chars.length; i++) {
    const ch = chars[k++]!
    if (ch === '*' && chars[k] === '*') {
      k++
      if (chars[k] === '/') k++
      if (k >= chars.length) {
        if (kind === 'exact') kind = 'prefix'
        else {
          re += '.*'
          kind = 'regexp'
        }
      } else {
        re += '(.*/)?'
        kind = 'regexp'
      }
      if (i === 0) kind = 'suffix'
    } else if (ch === '*') {
      re += '[^/]*'
      kind = 'regexp'
    } else if (ch === '?') {
      re += '[^/]'
      kind = 'regexp'
    } else if ('.+()|{}$'.includes(ch)) {
      re += `\\${ch}`
    } else if (ch === '\\' && k < chars.length) {
      re += `\\${chars[k++]}`
      kind = 'regexp'
    } else if (ch === '[' || ch === ']') {
      re += ch
      kind = 'regexp'
    } else {
      re += ch === '\\' ? '\\\\' : ch
    }
  }
  switch (kind) {
    case 'exact':
      return (file) => file === pattern
    case 'prefix':
      return (file) => file.startsWith(pattern.slice(0, -2))
    case 'suffix': {
      const suffix = pattern.slice(2)
      return (file) => file.endsWith(suffix) || (suffix.startsWith('/') && file === suffix.slice(1))
    }
    case 'regexp': {
      const compiled = new RegExp(`${re}$`)
      return (file) => compiled.test(file)
    }
  }
}

/** The lines of a .dockerignore, cleaned as moby's ignorefile.ReadAll cleans them. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = []
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (raw.startsWith('#')) continue
    let pattern = raw.trim()
    if (pattern === '') continue
    const exclusion = pattern.startsWith('!')
    if (exclusion) pattern = pattern.slice(1).trim()
    pattern = path.posix.normalize(pattern).replace(/(.)\/+$/, '$1')
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1)
    if (pattern === '') throw new DockerfileError(`.dockerignore: "${raw}" is not a pattern`)
    rules.push({ pattern, exclusion, matches: compilePattern(pattern) })
  }
  return rules
}

/**
 * Whether the build context leaves out a file (a slash-separated path relative to the context), as
 * patternmatcher's MatchesOrParentMatches decides: the last line matching the file or one of its
 * parent directories wins.
 */
export function isIgnored(rules: IgnoreRule[], file: string): boolean {
  const parents = file.split('/').slice(0, -1)
  let ignored = false
  for (const rule of rules) {
    if (rule.exclusion !== ignored) continue
    const hit = rule.matches(file) || parents.some((_, i) => rule.matches(parents.slice(0, i + 1).join('/')))
    if (hit) ignored = !rule.exclusion
  }
  return ignored
}
