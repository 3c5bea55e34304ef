// Tokenizer of CQL2 text. Words are matched case-insensitively by the parser; double-quoted words
// are always property names; strings are single-quoted with '' for a quote (OGC 21-065r2 §8.2).
import { FilterError } from './ast.js'

export type Token =
  | { type: 'word'; text: string; quoted: boolean; at: number }
  | { type: 'string'; text: string; at: number }
  | { type: 'number'; value: number; text: string; at: number }
  | { type: 'symbol'; text: string; at: number }
  | { type: 'end'; at: number }

const symbols = ['<=', '>=', '<>', '!=', '(', ')', ',', '=', '<', '>', '[', ']']

export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const at = i
    if (c === "'") {
      let value = ''
      i++
      for (;;) {
        if (i >= text.length) throw new FilterError(`unterminated string starting at character ${at + 1}`, `第 ${at + 1} 个字符处的字符串没有结束引号`, at)
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'"
            i += 2
            continue
          }
          i++
          break
        }
        value += text[i++]
      }
      tokens.push({ type: 'string', text: value, at })
      continue
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1)
      if (end < 0) throw new FilterError(`unterminated quoted name starting at character ${at + 1}`, `第 ${at + 1} 个字符处的属性名没有结束引号`, at)
      tokens.push({ type: 'word', text: text.slice(i + 1, end), quoted: true, at })
      i = end + 1
      continue
    }
    const number = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i))
    // A sign starts a number only where a value may stand (not `a-1` style arithmetic, which CQL2 basic lacks).
    if (number && (/[0-9.]/.test(c) || /[0-9.]/.test(text[i + 1] ?? ''))) {
      tokens.push({ type: 'number', value: Number(number[0]), text: number[0], at })
      i += number[0].length
      continue
    }
    const word = /^[\p{L}_][\p{L}\p{N}_:.]*/u.exec(text.slice(i))
    if (word) {
      tokens.push({ type: 'word', text: word[0], quoted: false, at })
      i += word[0].length
      continue
    }
    const symbol = symbols.find((s) => text.startsWith(s, i))
    if (!symbol) throw new FilterError(`unexpected character '${c}' at character ${at + 1}`, `第 ${at + 1} 个字符“${c}”无法识别`, at)
    tokens.push({ type: 'symbol', text: symbol, at })
    i += symbol.length
  }
  tokens.push({ type: 'end', at: text.length })
  return tokens
}
