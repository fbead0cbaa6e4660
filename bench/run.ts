import { writeFileSync } from 'node:fs'
import { startRedis } from '../tests/helpers/redis-server.js'
import { benchBulk } from './bulk.js'
import { chartSvg } from './chart.js'
import { connect, disconnectAll } from './clients.js'
import { benchExpress } from './express.js'
import { machine } from './machine.js'
import { benchCommandTimeout, benchOperations } from './operations.js'
import { markdownTables, type Results } from './report.js'
import { quick } from './settings.js'

// BENCH_ONLY=operations,express,bulk runs a subset (for development); results.json is then not written.
const only = process.env.BENCH_ONLY?.split(',')
const wanted = (scenario: string) => !only || only.includes(scenario)

const CLUSTER_SKIPPED =
  'no cluster helper on this branch (the topologies branch provides it); rerun after merging to measure the bulk methods on a 3-master cluster'

const server = await startRedis()
try {
  const observer = await connect(server)
  const results: Results = {
    date: new Date().toISOString(),
    quick,
    machine: await machine(observer),
    operations: wanted('operations') ? await benchOperations(server) : [],
    ...(wanted('operations') ? { commandTimeout: await benchCommandTimeout(server) } : {}),
    express: wanted('express') ? await benchExpress(server) : [],
    bulk: wanted('bulk') ? await benchBulk(server) : [],
    cluster: { skipped: CLUSTER_SKIPPED },
  }
  console.log(`[bench] cluster: skipped, ${CLUSTER_SKIPPED}`)
  const tables = markdownTables(results)
  console.log(tables)
  if (!only) {
    // Quick runs write beside the real results (and are git-ignored), never over them.
    const name = (file: string) => (quick ? file.replace('.', '.quick.') : file)
    const write = (file: string, text: string) => writeFileSync(new URL(`./${name(file)}`, import.meta.url), text)
    write('results.json', `${JSON.stringify(results, null, 2)}\n`)
    write('results.md', tables)
    write('chart.svg', chartSvg(results))
    console.log(`[bench] wrote bench/${name('results.json')}, ${name('results.md')} and ${name('chart.svg')}`)
  }
} finally {
  await disconnectAll()
  await server.stop()
}
