import { PGlite } from '@electric-sql/pglite'
const db = await PGlite.create()
await db.exec('create table u1 (a int unique); insert into u1 values (1)')
// build extended protocol messages by hand
function msg(type: string, body: Buffer) { const b = Buffer.alloc(5); b.write(type, 0); b.writeInt32BE(body.length + 4, 1); return Buffer.concat([b, body]) }
const cstr = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0])])
function extended(sql: string, param: string) {
  const parse = msg('P', Buffer.concat([cstr(''), cstr(sql), Buffer.from([0, 0])]))
  const p = Buffer.from(param); const len = Buffer.alloc(4); len.writeInt32BE(p.length)
  const bind = msg('B', Buffer.concat([cstr(''), cstr(''), Buffer.from([0, 0]), Buffer.from([0, 1]), len, p, Buffer.from([0, 0])]))
  const describe = msg('D', Buffer.concat([Buffer.from('P'), cstr('')]))
  const exec = msg('E', Buffer.concat([cstr(''), Buffer.from([0, 0, 0, 0])]))
  const sync = msg('S', Buffer.alloc(0))
  return Buffer.concat([parse, bind, describe, exec, sync])
}
function types(r: Uint8Array) { const b = Buffer.from(r); const out: string[] = []; let i = 0; while (i < b.length) { out.push(String.fromCharCode(b[i]!)); i += 1 + b.readInt32BE(i + 1) } return out.join(' ') }
for (let i = 0; i < 3; i++) {
  console.log('insert:', types(await db.execProtocolRaw(extended('insert into u1 values ($1)', '1'))))
  console.log('select:', types(await db.execProtocolRaw(extended('select count(*) from u1 where a = $1', '1'))))
}
