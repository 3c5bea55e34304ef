// Failed sign-ins slow down guessing without locking anybody else out:
// - per (account, address): after 5 failures each further attempt waits 2^(n−5) s, up to 15 min;
//   the officer at another desk (another address) is not affected, nor another officer behind the
//   same NAT (another account);
// - per account across all addresses (a distributed guess): after 50 failures in an hour, attempts
//   from addresses that have never signed in to this account wait as above; the addresses it was used
//   from keep working.
// A success clears the pair's count. In memory: one process (a restart forgets, which only helps the
// guesser by a restart's worth of attempts; the delay is per attempt, not a lock).
export interface ThrottleOptions {
  freeAttempts: number
  maxDelayMs: number
  accountWideFailures: number
  accountWindowMs: number
}

export const defaultThrottle: ThrottleOptions = { freeAttempts: 5, maxDelayMs: 15 * 60_000, accountWideFailures: 50, accountWindowMs: 60 * 60_000 }

interface PairState {
  failures: number
  nextAllowedAt: number
}

export class SignInThrottle {
  private pairs = new Map<string, PairState>()
  private accountFailures = new Map<string, number[]>()
  private knownAddresses = new Map<string, Set<string>>()

  constructor(
    private readonly o: ThrottleOptions = defaultThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds this address must still wait before trying this account; 0 = may try now. */
  waitMs(username: string, address: string): number {
    const t = this.now()
    const pair = this.pairs.get(pairKey(username, address))
    let wait = pair ? Math.max(0, pair.nextAllowedAt - t) : 0
    if (!this.knownAddresses.get(username)?.has(address)) {
      const recent = this.recentAccountFailures(username, t)
      if (recent.length >= this.o.accountWideFailures) {
        const over = recent.length - this.o.accountWideFailures
        wait = Math.max(wait, recent[recent.length - 1]! + this.delay(over + 1) - t)
      }
    }
    return Math.max(0, wait)
  }

  failed(username: string, address: string): void {
    const t = this.now()
    const key = pairKey(username, address)
    const pair = this.pairs.get(key) ?? { failures: 0, nextAllowedAt: 0 }
    pair.failures++
    pair.nextAllowedAt = pair.failures >= this.o.freeAttempts ? t + this.delay(pair.failures - this.o.freeAttempts + 1) : 0
    this.pairs.set(key, pair)
    const recent = this.recentAccountFailures(username, t)
    recent.push(t)
    this.accountFailures.set(username, recent)
    if (this.pairs.size > 100_000) this.prune(t)
  }

  succeeded(username: string, address: string): void {
    this.pairs.delete(pairKey(username, address))
    const known = this.knownAddresses.get(username) ?? new Set<string>()
    known.add(address)
    this.knownAddresses.set(username, known)
  }

  private delay(n: number): number {
    return Math.min(this.o.maxDelayMs, 1000 * 2 ** (n - 1))
  }

  private recentAccountFailures(username: string, t: number): number[] {
    return (this.accountFailures.get(username) ?? []).filter((at) => t - at < this.o.accountWindowMs)
  }

  private prune(t: number) {
    for (const [k, v] of this.pairs) if (v.nextAllowedAt < t - this.o.maxDelayMs) this.pairs.delete(k)
  }
}

const pairKey = (username: string, address: string) => `${username}\u0000${address}`
