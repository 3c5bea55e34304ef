// CQL2 JSON → filter tree (OGC 21-065r2 §8.3: {"op": "…", "args": […]}). Errors name the JSON path
// of the node at fault (`args[1].args[0]`), the JSON counterpart of a character position.
import { FilterError, maxFilterDepth, type Comparison, type Filter, type GeometryLiteral, type PropertyRef, type Scalar } from './ast.js'

type Json = unknown
const comparisons: Record<string, Comparison> = { '=': '=', '<>': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }
const geometryTypes = new Set(['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon'])

const fail = (path: string, message: string, messageZh: string): never => {
  throw new FilterError(`${message} at ${path || 'the top'}`, `${path || '顶层'}：${messageZh}`, path || '$')
}
const isObject = (x: Json): x is Record<string, Json> => typeof x === 'object' && x !== null && !Array.isArray(x)
const tooDeep = (path: string): never => fail(path, `the filter nests deeper than ${maxFilterDepth} levels`, `嵌套超过 ${maxFilterDepth} 层`)

function scalar(x: Json, path: string, depth = 0): Scalar {
  // {"op": "casei", "args": [x]}: compared without regard to case
  if (isObject(x) && typeof x.op === 'string' && x.op.toLowerCase() === 'casei' && Array.isArray(x.args) && x.args.length === 1) {
    if (depth > maxFilterDepth) tooDeep(path)
    return { ...scalar(x.args[0], `${path ? `${path}.` : ''}args[0]`, depth + 1), casei: true }
  }
  if (typeof x === 'string') return { kind: 'string', value: x, at: -1 }
  if (typeof x === 'number') return { kind: 'number', value: x, at: -1 }
  if (typeof x === 'boolean') return { kind: 'boolean', value: x, at: -1 }
  if (isObject(x) && typeof x.property === 'string') return { kind: 'property', name: x.property, at: -1 }
  if (isObject(x) && typeof (x.date ?? x.timestamp) === 'string') return { kind: 'string', value: String(x.date ?? x.timestamp), at: -1 }
  return fail(path, 'expected a property ({"property": …}), a string, a number, a boolean or a date', '应为属性、字符串、数值、布尔值或日期')
}

function property(x: Json, path: string): PropertyRef {
  const s = scalar(x, path)
  if (s.kind !== 'property') fail(path, 'expected a property ({"property": …})', '应为属性 {"property": …}')
  return s as PropertyRef
}

function geometry(x: Json, path: string): GeometryLiteral {
  if (isObject(x) && Array.isArray(x.bbox) && x.bbox.length === 4 && x.bbox.every((n) => typeof n === 'number')) {
    const [x0, y0, x1, y1] = x.bbox as number[]
    return {
      kind: 'geometry',
      type: 'Polygon',
      coordinates: [
        [
          [x0, y0],
          [x1, y0],
          [x1, y1],
          [x0, y1],
          [x0, y0],
        ],
      ],
      at: -1,
    }
  }
  if (isObject(x) && typeof x.type === 'string' && geometryTypes.has(x.type)) {
    return { kind: 'geometry', type: x.type as GeometryLiteral['type'], coordinates: x.coordinates, at: -1 }
  }
  return fail(path, 'expected a GeoJSON geometry or {"bbox": [minx, miny, maxx, maxy]}', '应为 GeoJSON 几何或 {"bbox": […]}')
}

function node(x: Json, path: string, depth = 0): Filter {
  if (depth > maxFilterDepth) tooDeep(path)
  if (typeof x === 'boolean') return { op: 'literal', value: x, at: -1 }
  if (!isObject(x) || typeof x.op !== 'string' || !Array.isArray(x.args)) return fail(path, 'expected {"op": …, "args": […]}', '应为 {"op": …, "args": […]}')
  const op = x.op.toLowerCase()
  const args = x.args as Json[]
  const at = (i: number) => `${path ? `${path}.` : ''}args[${i}]`
  const arity = (n: number) => {
    if (args.length !== n) fail(path, `${x.op} takes ${n} arguments, got ${args.length}`, `${x.op} 须有 ${n} 个参数`)
  }
  switch (op) {
    case 'and':
    case 'or':
      if (args.length < 2) fail(path, `${op} takes at least 2 arguments`, `${op} 至少须有 2 个参数`)
      return { op, args: args.map((a, i) => node(a, at(i), depth + 1)), at: -1 }
    case 'not':
      arity(1)
      return { op: 'not', arg: node(args[0], at(0), depth + 1), at: -1 }
    case 'like':
    case 'ilike': {
      arity(2)
      const [p, pattern] = [property(args[0], at(0)), scalar(args[1], at(1))]
      return { op: 'like', property: p, pattern, at: -1, caseInsensitive: op === 'ilike' || Boolean(p.casei || pattern.casei) }
    }
    case 'in': {
      arity(2)
      if (!Array.isArray(args[1]) || args[1].length === 0) fail(at(1), 'expected a non-empty list of values', '应为非空的取值列表')
      return { op: 'in', property: property(args[0], at(0)), values: (args[1] as Json[]).map((v, i) => scalar(v, `${at(1)}[${i}]`)), at: -1 }
    }
    case 'between':
      arity(3)
      return { op: 'between', property: property(args[0], at(0)), low: scalar(args[1], at(1)), high: scalar(args[2], at(2)), at: -1 }
    case 'isnull':
      arity(1)
      return { op: 'isNull', property: property(args[0], at(0)), at: -1 }
    case 's_intersects': {
      arity(2)
      const first = isObject(args[0]) && 'property' in args[0]
      return {
        op: 'intersects',
        property: property(first ? args[0] : args[1], at(first ? 0 : 1)),
        geometry: geometry(first ? args[1] : args[0], at(first ? 1 : 0)),
        at: -1,
      }
    }
    default: {
      const comparison = comparisons[op]
      if (!comparison) return fail(path, `unsupported operator '${x.op}'`, `不支持的运算符 ${x.op}`)
      arity(2)
      return { op: 'compare', comparison, left: scalar(args[0], at(0)), right: scalar(args[1], at(1)), at: -1 }
    }
  }
}

export function parseCql2Json(text: string): Filter {
  let value: Json
  try {
    value = JSON.parse(text)
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message)
    const at = m ? Number(m[1]) : 0
    throw new FilterError(`the filter is not JSON (character ${at + 1})`, `过滤条件不是合法的 JSON（第 ${at + 1} 个字符）`, at)
  }
  return node(value, '')
}
