import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { startRedis } from '../tests/helpers/servers.js'
import { benchBulk } from './bulk.js'
import { chartSvg } from './chart.js'
import { connect, disconnectAll } from './clients.js'
import { benchCluster } from './cluster.js'
import { benchExpress } from './express.js'
import { benchGlide } from './glide.js'
import { machine } from './machine.js'
import { benchLazyTouchMemory } from './memory.js'
import { benchCommandTimeout, benchDeadline, benchOperations } from './operations.js'
import { markdownTables, type Results } from './report.js'
import { benchSaves } from './saves.js'
import { quick } from './settings.js'
import { benchTracing } from './tracing.js'
import { benchUserIndex } from './user-index.js'

// BENCH_ONLY=operations,tracing,saves,express,bulk,cluster,userIndex,memory,glide reruns some scenarios and keeps the others' results from the last run.
const only = process.env.BENCH_ONLY?.split(',')
const wanted = (scenario: string) => !only || only.includes(scenario)

// Quick runs write beside the real results (and are git-ignored), never over them.
const fileName = (file: string) => (quick ? file.replace('.', '.quick.') : file)
const fileUrl = (file: string) => new URL(`./${fileName(file)}`, import.meta.url)

function previousResults(): Partial<Results> {
  if (!only || !existsSync(fileUrl('results.json'))) return {}
  return JSON.parse(readFileSync(fileUrl('results.json'), 'utf8')) as Results
}

const server = await startRedis()
try {
  const observer = await connect(server)
  const previous = previousResults()
  const results: Results = {
    date: new Date().toISOString(),
    quick,
    machine: await machine(observer),
    operations: wanted('operations') ? await benchOperations(server) : (previous.operations ?? []),
    ...(wanted('operations')
      ? { commandTimeout: await benchCommandTimeout(server) }
      : previous.commandTimeout
        ? { commandTimeout: previous.commandTimeout }
        : {}),
    ...(wanted('operations')
      ? { deadline: await benchDeadline(server) }
      : previous.deadline
        ? { deadline: previous.deadline }
        : {}),
    ...(wanted('tracing')
      ? { tracing: await benchTracing(server) }
      : previous.tracing
        ? { tracing: previous.tracing }
        : {}),
    saves: wanted('saves') ? await benchSaves(server) : (previous.saves ?? []),
    express: wanted('express') ? await benchExpress(server) : (previous.express ?? []),
    bulk: wanted('bulk') ? await benchBulk(server) : (previous.bulk ?? []),
    glide: wanted('glide') ? await benchGlide(server) : (previous.glide ?? []),
    cluster: wanted('cluster') ? await benchCluster() : Array.isArray(previous.cluster) ? previous.cluster : [],
    ...(wanted('userIndex')
      ? { userIndex: await benchUserIndex(server) }
      : previous.userIndex
        ? { userIndex: previous.userIndex }
        : {}),
    ...(wanted('memory')
      ? { lazyTouchMemory: await benchLazyTouchMemory() }
      : previous.lazyTouchMemory
        ? { lazyTouchMemory: previous.lazyTouchMemory }
        : {}),
  }
  const tables = markdownTables(results)
  console.log(tables)
  writeFileSync(fileUrl('results.json'), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(fileUrl('results.md'), tables)
  writeFileSync(fileUrl('chart.svg'), chartSvg(results))
  console.log(`[bench] wrote bench/${fileName('results.json')}, ${fileName('results.md')} and ${fileName('chart.svg')}`)
} finally {
  await disconnectAll()
  await server.stop()
}
