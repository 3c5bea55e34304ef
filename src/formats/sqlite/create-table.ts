// The columns of an SQLite table, in the order its records store them, from the `CREATE TABLE`
// statement sqlite_schema keeps (SQLite appends a column added by ALTER TABLE to that text, so
// the text is always the table's current shape). Enough of SQLite's grammar for column names and
// the rowid alias; anything unexpected gives null and the caller reads the file with GDAL.

export interface TableColumn {
  name: string
  /** declared type as written (SQLite types are affinities: "TEXT(18)", "POLYGON", "MEDIUMINT") */
  type: string
  /** `INTEGER PRIMARY KEY`: the column is the rowid, stored as NULL in the record */
  rowid: boolean
  /** a DEFAULT clause: a record written before the column was added takes it (not read here) */
  hasDefault: boolean
}

/** Splits SQL into tokens: quoted names ("…", `…`, […]), strings, words, punctuation; comments dropped. */
function tokens(sql: string): Array<{ t: string; quoted: boolean }> {
  const out: Array<{ t: string; quoted: boolean }> = []
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (/\s/.test(c)) i++
    else if (sql.startsWith('--', i)) i = sql.indexOf('\n', i) === -1 ? sql.length : sql.indexOf('\n', i)
    else if (sql.startsWith('/*', i)) i = sql.indexOf('*/', i) === -1 ? sql.length : sql.indexOf('*/', i) + 2
    else if (c === '"' || c === '`' || c === "'" || c === '[') {
      const close = c === '[' ? ']' : c
      let j = i + 1
      let text = ''
      for (;;) {
        if (j >= sql.length) throw new Error('unterminated quote')
        if (sql[j] === close) {
          if (close !== ']' && sql[j + 1] === close) {
            text += close
            j += 2
            continue
          }
          break
        }
        text += sql[j++]
      }
      out.push({ t: c === "'" ? `'${text}'` : text, quoted: c !== "'" })
      i = j + 1
    } else if (/[A-Za-z0-9_$\u0080-\uffff.+-]/.test(c)) {
      let j = i
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff.+-]/.test(sql[j]!)) j++
      out.push({ t: sql.slice(i, j), quoted: false })
      i = j
    } else {
      out.push({ t: c, quoted: false })
      i++
    }
  }
  return out
}

const tableConstraint = /^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)$/i
const columnConstraint = /^(CONSTRAINT|PRIMARY|NOT|NULL|UNIQUE|CHECK|DEFAULT|COLLATE|REFERENCES|GENERATED|AS)$/i

/** The table's columns, or null when the statement is not a plain rowid table this reads. */
export function tableColumns(sql: string): TableColumn[] | null {
  let ts: Array<{ t: string; quoted: boolean }>
  try {
    ts = tokens(sql)
  } catch {
    return null
  }
  const open = ts.findIndex((x) => x.t === '(' && !x.quoted)
  if (open < 0 || !/^CREATE$/i.test(ts[0]?.t ?? '')) return null
  // column definitions: split at the commas outside nested parentheses
  const defs: Array<typeof ts> = [[]]
  let depth = 0
  let close = -1
  for (let i = open + 1; i < ts.length; i++) {
    const x = ts[i]!
    if (!x.quoted && x.t === '(') depth++
    if (!x.quoted && x.t === ')') {
      if (depth === 0) {
        close = i
        break
      }
      depth--
    }
    if (!x.quoted && x.t === ',' && depth === 0) defs.push([])
    else defs[defs.length - 1]!.push(x)
  }
  if (close < 0) return null
  const after = ts.slice(close + 1).map((x) => x.t.toUpperCase())
  if (after.includes('WITHOUT')) return null
  const columns: TableColumn[] = []
  let tablePrimaryKey: string[] | null = null
  for (const def of defs) {
    if (!def.length) return null
    const first = def[0]!
    if (!first.quoted && tableConstraint.test(first.t)) {
      const words = def.map((x) => (x.quoted ? null : x.t.toUpperCase()))
      const pk = words.indexOf('PRIMARY')
      if (pk >= 0) {
        const inner = def.slice(
          pk + 3,
          def.findIndex((x, i) => i > pk && x.t === ')' && !x.quoted),
        )
        tablePrimaryKey = inner.filter((x) => x.t !== ',' || x.quoted).map((x) => x.t)
      }
      continue
    }
    let k = 1
    const typeWords: string[] = []
    while (k < def.length && !(def[k]!.quoted === false && columnConstraint.test(def[k]!.t))) {
      if (def[k]!.t === '(') {
        // TEXT(18), NUMERIC(10, 2): the type's size belongs to the type
        const end = def.findIndex((x, i) => i > k && x.t === ')' && !x.quoted)
        if (end < 0) return null
        const size = def
          .slice(k, end + 1)
          .map((x) => x.t)
          .join('')
        if (typeWords.length) typeWords[typeWords.length - 1] += size
        else typeWords.push(size)
        k = end + 1
        continue
      }
      typeWords.push(def[k]!.t)
      k++
    }
    const rest = def.slice(k).map((x) => (x.quoted ? '' : x.t.toUpperCase()))
    const type = typeWords.join(' ')
    const pk = rest.indexOf('PRIMARY')
    // INTEGER PRIMARY KEY DESC is not a rowid alias (an old quirk of SQLite's): left to GDAL
    if (pk >= 0 && rest[pk + 2] === 'DESC') return null
    columns.push({ name: first.t, type, rowid: pk >= 0 && rest[pk + 1] === 'KEY' && type.toUpperCase() === 'INTEGER', hasDefault: rest.includes('DEFAULT') })
  }
  if (tablePrimaryKey?.length === 1) {
    const c = columns.find((x) => x.name.toLowerCase() === tablePrimaryKey![0]!.toLowerCase())
    if (c && c.type.toUpperCase() === 'INTEGER') c.rowid = true
  }
  return columns
}
