// CQL2 text → filter tree: a recursive-descent parser over the tokens, one function per rule of
// the grammar (OGC 21-065r2 Annex B, the parts this service declares):
//   or      := and (OR and)*            and := not (AND not)*        not := NOT not | primary
//   primary := '(' or ')' | TRUE | FALSE | S_INTERSECTS '(' geom ',' geom ')' | predicate
//   predicate := scalar ( cmp scalar | [NOT] (LIKE | ILIKE) scalar | [NOT] IN '(' scalar (',' scalar)* ')'
//                       | [NOT] BETWEEN scalar AND scalar | IS [NOT] NULL )
//   scalar  := string | number | TRUE | FALSE | DATE(string) | TIMESTAMP(string) | CASEI '(' scalar ')' | property
// ILIKE is PostgreSQL's (and OGR SQL's) spelling of CASEI(a) LIKE CASEI(b). Nesting is limited to
// maxFilterDepth, so a 5 000-deep filter is a 400 and not a stack overflow.
import { FilterError, maxFilterDepth, type Comparison, type Filter, type GeometryLiteral, type PropertyRef, type Scalar } from './ast.js'
import { tokenize, type Token } from './tokens.js'

const comparisons = new Set(['=', '<>', '!=', '<', '<=', '>', '>='])
const reserved = new Set(['AND', 'OR', 'NOT', 'LIKE', 'ILIKE', 'IN', 'BETWEEN', 'IS', 'NULL', 'TRUE', 'FALSE'])
const geometryTypes: Record<string, GeometryLiteral['type']> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
}
/** Parentheses around the positions per WKT type (POINT(x y) has one, taken off after parsing). */
const depth: Record<GeometryLiteral['type'], number> = { Point: 1, LineString: 1, Polygon: 2, MultiPoint: 1, MultiLineString: 2, MultiPolygon: 3 }

const describe = (t: Token) => (t.type === 'end' ? 'the end of the filter' : `'${t.type === 'number' ? t.text : t.text}' at character ${t.at + 1}`)

class Parser {
  private i = 0
  private depth = 0
  constructor(private readonly tokens: Token[]) {}

  /** Runs a nested rule one level deeper; beyond maxFilterDepth the filter is refused. */
  private nested<T>(t: Token, rule: () => T): T {
    if (++this.depth > maxFilterDepth)
      throw new FilterError(
        `the filter nests deeper than ${maxFilterDepth} levels at character ${t.at + 1}`,
        `第 ${t.at + 1} 个字符处嵌套超过 ${maxFilterDepth} 层`,
        t.at,
      )
    const r = rule()
    this.depth--
    return r
  }

  private peek(): Token {
    return this.tokens[this.i]!
  }
  private next(): Token {
    return this.tokens[this.i++]!
  }
  private fail(expected: string, t = this.peek()): never {
    throw new FilterError(`expected ${expected}, found ${describe(t)}`, `第 ${t.at + 1} 个字符处应为 ${expected}`, t.at)
  }
  /** The next token if it is this keyword (unquoted, any case). */
  private keyword(...words: string[]): boolean {
    const t = this.peek()
    if (t.type !== 'word' || t.quoted || !words.includes(t.text.toUpperCase())) return false
    this.i++
    return true
  }
  private symbol(s: string): boolean {
    const t = this.peek()
    if (t.type !== 'symbol' || t.text !== s) return false
    this.i++
    return true
  }
  private expect(s: string): void {
    if (!this.symbol(s)) this.fail(`'${s}'`)
  }

  parse(): Filter {
    const f = this.or()
    if (this.peek().type !== 'end') this.fail('AND, OR or the end of the filter')
    return f
  }

  private or(): Filter {
    const at = this.peek().at
    const args = [this.and()]
    while (this.keyword('OR')) args.push(this.and())
    return args.length === 1 ? args[0]! : { op: 'or', args, at }
  }

  private and(): Filter {
    const at = this.peek().at
    const args = [this.not()]
    while (this.keyword('AND')) args.push(this.not())
    return args.length === 1 ? args[0]! : { op: 'and', args, at }
  }

  private not(): Filter {
    const t = this.peek()
    if (this.keyword('NOT')) return { op: 'not', arg: this.nested(t, () => this.not()), at: t.at }
    return this.primary()
  }

  private primary(): Filter {
    const t = this.peek()
    if (this.symbol('(')) {
      const f = this.nested(t, () => this.or())
      this.expect(')')
      return f
    }
    if (t.type === 'word' && !t.quoted && t.text.toUpperCase() === 'S_INTERSECTS') {
      this.i++
      this.expect('(')
      const a = this.spatialArgument()
      this.expect(',')
      const b = this.spatialArgument()
      this.expect(')')
      const property = a.kind === 'property' ? a : b.kind === 'property' ? b : null
      const geometry = a.kind === 'geometry' ? a : b.kind === 'geometry' ? b : null
      if (!property || !geometry)
        throw new FilterError(
          `S_INTERSECTS at character ${t.at + 1} takes the geometry property and a geometry literal`,
          `第 ${t.at + 1} 个字符处 S_INTERSECTS 须比较几何属性与几何常量`,
          t.at,
        )
      return { op: 'intersects', property, geometry, at: t.at }
    }
    if (t.type === 'word' && !t.quoted && /^(TRUE|FALSE)$/i.test(t.text) && !this.startsPredicate(1)) {
      this.i++
      return { op: 'literal', value: t.text.toUpperCase() === 'TRUE', at: t.at }
    }
    return this.predicate()
  }

  /** Whether the token after `offset` is a comparison (so TRUE there is a value, not a filter). */
  private startsPredicate(offset: number): boolean {
    const t = this.tokens[this.i + offset]
    return t?.type === 'symbol' && comparisons.has(t.text)
  }

  private predicate(): Filter {
    const left = this.scalar()
    const t = this.peek()
    if (t.type === 'symbol' && comparisons.has(t.text)) {
      this.i++
      const comparison = (t.text === '!=' ? '<>' : t.text) as Comparison
      return { op: 'compare', comparison, left, right: this.scalar(), at: left.at }
    }
    if (this.keyword('IS')) {
      const negated = this.keyword('NOT')
      if (!this.keyword('NULL')) this.fail('NULL')
      const f: Filter = { op: 'isNull', property: this.propertyOf(left, 'IS NULL'), at: left.at }
      return negated ? { op: 'not', arg: f, at: left.at } : f
    }
    const negated = this.keyword('NOT')
    let f: Filter
    const like = this.peek()
    if (this.keyword('LIKE', 'ILIKE')) {
      const operator = like.type === 'word' ? like.text.toUpperCase() : 'LIKE'
      const pattern = this.scalar()
      const caseInsensitive = operator === 'ILIKE' || Boolean(left.casei || pattern.casei)
      f = { op: 'like', property: this.propertyOf(left, operator), pattern, at: left.at, caseInsensitive }
    } else if (this.keyword('IN')) {
      this.expect('(')
      const values = [this.scalar()]
      while (this.symbol(',')) values.push(this.scalar())
      this.expect(')')
      f = { op: 'in', property: this.propertyOf(left, 'IN'), values, at: left.at }
    } else if (this.keyword('BETWEEN')) {
      const low = this.scalar()
      if (!this.keyword('AND')) this.fail('AND')
      f = { op: 'between', property: this.propertyOf(left, 'BETWEEN'), low, high: this.scalar(), at: left.at }
    } else this.fail(negated ? 'LIKE, ILIKE, IN or BETWEEN' : 'a comparison (=, <>, <, <=, >, >=), LIKE, ILIKE, IN, BETWEEN or IS NULL')
    return negated ? { op: 'not', arg: f, at: left.at } : f
  }

  private propertyOf(s: Scalar, operator: string): PropertyRef {
    if (s.kind !== 'property')
      throw new FilterError(
        `${operator} at character ${s.at + 1} needs a property name on its left`,
        `第 ${s.at + 1} 个字符处 ${operator} 左侧须为属性名`,
        s.at,
      )
    return s
  }

  private scalar(): Scalar {
    const t = this.next()
    if (t.type === 'string') return { kind: 'string', value: t.text, at: t.at }
    if (t.type === 'number') return { kind: 'number', value: t.value, text: t.text, at: t.at }
    if (t.type === 'word') {
      const upper = t.text.toUpperCase()
      // CASEI(x): compared without regard to case (CQL2 case-insensitive comparison).
      if (!t.quoted && upper === 'CASEI' && this.symbol('(')) {
        const inner = this.nested(t, () => this.scalar())
        this.expect(')')
        return { ...inner, casei: true }
      }
      if (!t.quoted && (upper === 'TRUE' || upper === 'FALSE')) return { kind: 'boolean', value: upper === 'TRUE', at: t.at }
      // DATE('2020-01-01') and TIMESTAMP('…'): a date property compares them by their date (sql.ts).
      if (!t.quoted && (upper === 'DATE' || upper === 'TIMESTAMP') && this.symbol('(')) {
        const s = this.next()
        if (s.type !== 'string') this.fail(`a quoted ${upper.toLowerCase()}`, s)
        this.expect(')')
        if (!/^\d{4}-\d{2}-\d{2}/.test(s.text))
          throw new FilterError(`'${s.text}' at character ${s.at + 1} is not an ISO date`, `第 ${s.at + 1} 个字符处日期格式应为 YYYY-MM-DD`, s.at)
        return { kind: 'string', value: s.text, at: t.at }
      }
      if (!t.quoted && reserved.has(upper)) this.fail('a property name or a value', t)
      return { kind: 'property', name: t.text, at: t.at }
    }
    return this.fail('a property name or a value', t)
  }

  private spatialArgument(): PropertyRef | GeometryLiteral {
    const t = this.peek()
    if (t.type === 'word' && !t.quoted) {
      const upper = t.text.toUpperCase()
      if (upper in geometryTypes) {
        this.i++
        const type = geometryTypes[upper]!
        const coordinates = this.coordinates(depth[type], type === 'MultiPoint') as unknown[]
        if (type === 'Point' && coordinates.length !== 1)
          throw new FilterError(`POINT at character ${t.at + 1} takes one position`, `第 ${t.at + 1} 个字符处 POINT 只能有一个坐标`, t.at)
        return { kind: 'geometry', type, coordinates: type === 'Point' ? coordinates[0] : coordinates, at: t.at }
      }
      if (upper === 'BBOX' || upper === 'ENVELOPE') {
        this.i++
        const n = this.numberList()
        if (n.length !== 4) throw new FilterError(`${upper} at character ${t.at + 1} takes 4 numbers`, `第 ${t.at + 1} 个字符处 ${upper} 须有 4 个数值`, t.at)
        // BBOX(minx, miny, maxx, maxy); ENVELOPE(minx, maxx, maxy, miny) as in CQL/WKT ENVELOPE.
        const [x0, y0, x1, y1] = upper === 'BBOX' ? n : [n[0]!, n[3]!, n[1]!, n[2]!]
        const ring = [
          [x0, y0],
          [x1, y0],
          [x1, y1],
          [x0, y1],
          [x0, y0],
        ]
        return { kind: 'geometry', type: 'Polygon', coordinates: [ring], at: t.at }
      }
    }
    const s = this.scalar()
    if (s.kind !== 'property') this.fail('the geometry property or a geometry literal (POINT, LINESTRING, POLYGON, MULTI…, BBOX)', t)
    return s
  }

  private numberList(): number[] {
    this.expect('(')
    const out = [this.number()]
    while (this.symbol(',')) out.push(this.number())
    this.expect(')')
    return out
  }

  private number(): number {
    const t = this.next()
    if (t.type !== 'number' || !Number.isFinite(t.value)) this.fail('a number', t)
    return t.value
  }

  /** A WKT coordinate list of the given nesting; a position is 2 (or 3) numbers separated by spaces. */
  private coordinates(level: number, multiPoint = false): unknown {
    if (level === 0) {
      const position = [this.number(), this.number()]
      if (this.peek().type === 'number') position.push(this.number())
      return position
    }
    this.expect('(')
    // MULTIPOINT(1 2, 3 4) and MULTIPOINT((1 2), (3 4)) are both WKT.
    const item = () => (multiPoint && this.symbol('(') ? this.closePoint() : this.coordinates(level - 1))
    const out = [item()]
    while (this.symbol(',')) out.push(item())
    this.expect(')')
    return out
  }

  private closePoint(): unknown {
    const p = this.coordinates(0)
    this.expect(')')
    return p
  }
}

export function parseCql2Text(text: string): Filter {
  return new Parser(tokenize(text)).parse()
}
