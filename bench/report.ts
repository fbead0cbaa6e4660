import type { BulkResult } from './bulk.js'
import type { ClusterResult } from './cluster.js'
import type { ExpressResult } from './express.js'
import type { GlideResult } from './glide.js'
import type { LazyTouchMemoryResult } from './memory.js'
import type { CommandTimeoutResult, OperationsResult, VariantsResult } from './operations.js'
import type { SavesResult } from './saves.js'
import type { TracingResult } from './tracing.js'
import type { UserIndexResult } from './user-index.js'

export interface Results {
  date: string
  quick: boolean
  machine: Record<string, unknown>
  operations: OperationsResult[]
  commandTimeout?: CommandTimeoutResult
  deadline?: VariantsResult
  tracing?: TracingResult
  saves: SavesResult[]
  express: ExpressResult[]
  bulk: BulkResult[]
  cluster: ClusterResult[]
  userIndex?: UserIndexResult
  lazyTouchMemory?: LazyTouchMemoryResult
  /** Absent from results written before the GLIDE scenario. */
  glide?: GlideResult[]
}

// NaN (no figure) comes back from results.json as null.
const cell = (value: number | null | undefined, suffix = '') =>
  value == null || Number.isNaN(value) ? '–' : `${value.toLocaleString('en-US')}${suffix}`

/** The README's tables, from results.json. */
export function markdownTables(results: Results): string {
  const lines: string[] = []
  lines.push(
    '| operation | concurrency | redis-session-store | connect-redis | raw node-redis | vs connect-redis | vs raw |',
  )
  lines.push('|---|---:|---:|---:|---:|---:|---:|')
  for (const r of results.operations) {
    const ops = r.opsPerSecond
    lines.push(
      `| ${r.operation} | ${r.concurrency} | ${cell(ops['redis-session-store'], '/s')} | ${cell(ops['connect-redis'], '/s')} | ${cell(ops['raw node-redis'], '/s')} | ${cell(r.ratioVsConnectRedis, 'x')} | ${cell(r.ratioVsRaw, 'x')} |`,
    )
  }
  if (results.commandTimeout) {
    lines.push('', '| this store, get at concurrency 64, node-redis client | gets/s |', '|---|---:|')
    for (const [name, value] of Object.entries(results.commandTimeout.opsPerSecond))
      lines.push(`| ${name} | ${cell(value, '/s')} |`)
  }
  if (results.deadline) {
    lines.push('', '| this store, touch at concurrency 64, store timeout | touches/s |', '|---|---:|')
    for (const [name, value] of Object.entries(results.deadline.opsPerSecond))
      lines.push(`| ${name} | ${cell(value, '/s')} |`)
    lines.push(`| default vs none | ${cell(results.deadline.ratio, 'x')} |`)
  }
  if (results.tracing) {
    lines.push('', '| this store at concurrency 64, tracing channels | get/s | set/s |', '|---|---:|---:|')
    const { get, set } = results.tracing
    for (const name of Object.keys(get.opsPerSecond))
      lines.push(
        `| ${name} | ${cell(get.opsPerSecond[name] ?? Number.NaN, '/s')} | ${cell(set.opsPerSecond[name] ?? Number.NaN, '/s')} |`,
      )
    lines.push(`| subscribed vs not | ${cell(get.ratio, 'x')} | ${cell(set.ratio, 'x')} |`)
  }
  if (results.glide && results.glide.length > 0) {
    lines.push(
      '',
      '| Valkey GLIDE | concurrency | redis-session-store on GLIDE | raw GLIDE | vs raw |',
      '|---|---:|---:|---:|---:|',
    )
    for (const r of results.glide) {
      const ops = r.opsPerSecond
      lines.push(
        `| ${r.operation} | ${r.concurrency} | ${cell(ops['redis-session-store on GLIDE'], '/s')} | ${cell(ops['raw GLIDE'], '/s')} | ${cell(r.ratioVsRaw, 'x')} |`,
      )
    }
  }
  if (results.saves.length > 0) {
    lines.push('', '| save at concurrency 64 | session size | saves/s | vs a plain SET EX |', '|---|---:|---:|---:|')
    for (const r of results.saves) {
      for (const [name, value] of Object.entries(r.opsPerSecond))
        lines.push(`| ${name} | ${cell(r.bytes, ' B')} | ${cell(value, '/s')} | ${cell(r.ratioVsRawSet[name], 'x')} |`)
    }
  }
  lines.push('')
  lines.push('| Express case | store | req/s | p99 | Redis commands / request | vs connect-redis | vs MemoryStore |')
  lines.push('|---|---|---:|---:|---:|---:|---:|')
  for (const r of results.express) {
    for (const [name, sample] of Object.entries(r.contenders)) {
      lines.push(
        `| ${r.case} | ${name} | ${cell(sample.requestsPerSecond)} | ${cell(sample.p99Ms, ' ms')} | ${cell(sample.commandsPerRequest)} | ${cell(r.ratioVsConnectRedis[name], 'x')} | ${cell(r.ratioVsMemoryStore[name], 'x')} |`,
      )
    }
  }
  lines.push('')
  lines.push(
    '| bulk operation | sessions | store | time | peak memory | peak live memory | worst concurrent GET | time vs connect-redis | peak / live memory vs connect-redis |',
  )
  lines.push('|---|---:|---|---:|---:|---:|---:|---:|---:|')
  for (const r of results.bulk) {
    for (const [name, sample] of Object.entries(r.contenders)) {
      const ours = name === 'redis-session-store'
      lines.push(
        `| ${r.operation} | ${cell(r.sessions)} | ${name} | ${cell(sample.ms, ' ms')} | +${cell(sample.peakMiB, ' MiB')} | +${cell(sample.peakLiveMiB, ' MiB')} | ${cell(sample.worstGetMs, ' ms')} | ${ours ? cell(r.timeVsConnectRedis, 'x') : ''} | ${ours ? `${cell(r.memoryVsConnectRedis, 'x')} / ${cell(r.liveMemoryVsConnectRedis, 'x')}` : ''} |`,
      )
    }
  }
  if (results.cluster.length > 0) {
    lines.push(
      '',
      '| 3-master cluster | sessions | store (client) | time | peak memory | time vs connect-redis (node-redis 6) | outcome |',
      '|---|---:|---|---:|---:|---:|---|',
    )
    for (const r of results.cluster) {
      for (const [name, sample] of Object.entries(r.contenders)) {
        const outcome = sample.error ? `fails: ${sample.error.replace(/\|/g, '/')}` : 'ok'
        lines.push(
          `| ${r.operation} | ${cell(r.sessions)} | ${name} | ${cell(sample.ms, ' ms')} | +${cell(sample.peakMiB, ' MiB')} | ${cell(r.timeVsConnectRedis?.[name], 'x')} | ${outcome} |`,
        )
      }
    }
  }
  if (results.userIndex) {
    const u = results.userIndex
    lines.push(
      '',
      `| one user with ${cell(u.sessions)} sessions | time | worst GET of another client (target < 25 ms) |`,
      '|---|---:|---:|',
      `| userSessions() | ${cell(u.list.ms, ' ms')} | ${cell(u.list.worstGetMs, ' ms')} |`,
      `| destroyUserSessions() | ${cell(u.revoke.ms, ' ms')} | ${cell(u.revoke.worstGetMs, ' ms')} |`,
      '',
      '| set() at concurrency 64 | signed in | anonymous | signed in vs anonymous |',
      '|---|---:|---:|---:|',
      `| this store | ${cell(Math.round(u.saves.signedIn), '/s')} | ${cell(Math.round(u.saves.anonymous), '/s')} | ${cell(u.saves.signedInVsAnonymous, 'x')} |`,
      '',
      '| signed-in set() at concurrency 64, maxSessionsPerUser | saves/s | vs without the limit |',
      '|---|---:|---:|',
      `| below the limit (10; five sessions a user) | ${cell(Math.round(u.saves.belowLimit), '/s')} | ${cell(u.saves.belowLimitVsSignedIn, 'x')} |`,
      `| at the limit (2; five sessions a user: three of five saves destroy one) | ${cell(Math.round(u.saves.atLimit), '/s')} | ${cell(u.saves.atLimitVsSignedIn, 'x')} |`,
    )
  }
  if (results.lazyTouchMemory) {
    const m = results.lazyTouchMemory
    lines.push(
      '',
      '| lazy touch (touchAfter) memory | session size | heap growth | per session |',
      '|---|---:|---:|---:|',
      `| ${cell(m.sessions)} sessions | ${cell(m.sessionBytes, ' B')} | +${cell(m.heapGrowthMiB, ' MiB')} | ${cell(m.bytesPerSession, ' B')} |`,
    )
  }
  return `${lines.join('\n')}\n`
}
