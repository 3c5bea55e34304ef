// Single sign-on through a trusted gateway (a provincial 统一身份认证 portal in front of the service):
// the gateway signs the officer in and passes the user name in a header of its own (SSO_HEADER);
// the service maps it to a named account, whose office (role and region) and enabled state decide
// as for a password sign-in. Off unless configured. The header is believed only from the gateway's
// addresses (SSO_PROXIES), checked against the socket's own peer, never X-Forwarded-For: anyone else
// sending it is refused loudly, because it can only be an attempt to act as someone else.
import { BlockList, isIP } from 'node:net'
import type { Knex } from 'knex'
import type { SsoConfig } from '../config.js'
import { accountRef, findAccount, normalUsername } from './accounts.js'
import type { SessionPrincipal } from './accounts.js'

export interface SsoGate {
  header: string
  /** whether the connection's peer is one of the gateways */
  trusted(peer: string | undefined): boolean
}

export function ssoGate(config: SsoConfig): SsoGate {
  const list = new BlockList()
  for (const p of config.proxies) {
    if (p === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4')
      list.addAddress('::1', 'ipv6')
      continue
    }
    const [address, bits] = p.split('/') as [string, string | undefined]
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(bits), family)
  }
  return {
    header: config.header,
    trusted(peer) {
      if (!peer) return false
      const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer) // IPv4 on a dual-stack socket
      if (v4) return list.check(v4[1]!, 'ipv4')
      return list.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4')
    },
  }
}

/** The account a gateway names, if it exists and is enabled; a password reset does not apply (no password is used). */
export async function ssoPrincipal(knex: Knex, username: string): Promise<SessionPrincipal | null> {
  const account = await findAccount(knex, normalUsername(username))
  if (!account || account.disabledAt) return null
  return {
    keyId: 0,
    kind: 'account',
    prefix: accountRef(account.username),
    name: account.displayName,
    role: account.role,
    region: account.region,
    mustChangePassword: false,
  }
}
