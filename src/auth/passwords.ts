// Passwords of named accounts: scrypt from node:crypto (a maintained, memory-hard KDF, no native addon),
// N = 2^15, r = 8, p = 1, a 16-byte random salt and a 32-byte hash; about 32 MiB and 50–100 ms per hash
// on this machine (docs/decisions.md). The parameters are stored with each hash, so they can be raised
// later and old hashes still verify.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { commonPasswords } from './common-passwords.js'

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCallback(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))))

export const passwordParameters = { N: 2 ** 15, r: 8, p: 1, keylen: 32 }
const maxmem = 64 * 1024 * 1024

export const minPasswordLength = 10
export const maxPasswordLength = 256

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keylen } = passwordParameters
  const salt = randomBytes(16)
  const hash = await scrypt(password.normalize('NFC'), salt, keylen, { N, r, p, maxmem })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  const salt = Buffer.from(parts[4]!, 'base64')
  const expected = Buffer.from(parts[5]!, 'base64')
  const hash = await scrypt(password.normalize('NFC'), salt, expected.length, { N, r, p, maxmem })
  return timingSafeEqual(hash, expected)
}

/** A hash no password matches, verified against when the user name is unknown so the answer takes as long. */
let decoy: Promise<string> | undefined
export const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')))

export interface PasswordProblem {
  message: string
  messageZh: string
}

/** Why a new password is refused, or null. Length, the commonest passwords, and the user's own names. */
export function passwordProblem(password: string, account: { username: string; displayName?: string }): PasswordProblem | null {
  const length = [...password].length
  if (length < minPasswordLength)
    return { message: `the password needs at least ${minPasswordLength} characters`, messageZh: `密码至少需要 ${minPasswordLength} 个字符` }
  if (length > maxPasswordLength)
    return { message: `the password may have at most ${maxPasswordLength} characters`, messageZh: `密码最多 ${maxPasswordLength} 个字符` }
  const lower = password.toLowerCase()
  if (commonPasswords.has(lower) || /^(.)\1+$/.test(password) || isSequence(lower))
    return { message: 'the password is one of the commonest passwords; choose another', messageZh: '密码过于常见，请另选' }
  const names = [account.username, account.displayName].filter((n): n is string => !!n && n.length >= 3).map((n) => n.toLowerCase())
  if (names.some((n) => lower.includes(n)))
    return { message: 'the password must not contain the user name or display name', messageZh: '密码不能包含用户名或姓名' }
  return null
}

function isSequence(text: string): boolean {
  const ascending = '01234567890123456789abcdefghijklmnopqrstuvwxyz'
  const keyboard = 'qwertyuiopasdfghjklzxcvbnm1qaz2wsx3edc4rfv5tgb'
  return ascending.includes(text) || keyboard.includes(text) || ascending.split('').reverse().join('').includes(text)
}
