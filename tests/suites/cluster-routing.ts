import calculateSlot from 'cluster-key-slot'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore, scanKeys } from '../../src/index.js'
import type { ClientHandle } from '../helpers/clients.js'
import { type ClusterNode, commandCalls, infoCounter, redisCli } from '../helpers/redis-cli.js'
import type { RunningCluster } from '../helpers/servers.js'
import { sessionFor, uniquePrefix } from '../helpers/sessions.js'

/** A command's calls on each node, by port. */
const callsByPort = async (nodes: ClusterNode[], command: string) =>
  new Map(
    await Promise.all(
      nodes.map(async ({ port }) => [port, (await commandCalls([port], [command])).get(command) ?? 0] as const),
    ),
  )

/** A command's calls on all the nodes together. */
const callsOnAll = async (nodes: ClusterNode[], command: string) =>
  (
    await commandCalls(
      nodes.map(({ port }) => port),
      [command],
    )
  ).get(command) ?? 0

/** CROSSSLOT errors the whole cluster has answered since it started. */
const crossSlotErrors = async (nodes: ClusterNode[]) =>
  (await Promise.all(nodes.map(({ port }) => infoCounter(port, 'errorstats', 'errorstat_CROSSSLOT', 'count')))).reduce(
    (a, b) => a + b,
    0,
  )

const keysOn = async (port: number, prefix: string) =>
  (await redisCli(port, '--raw', 'KEYS', `${prefix}*`)).split('\n').filter(Boolean)

/**
 * What only a cluster can get wrong: which nodes SCAN runs on, multi-key commands that span slots,
 * and hash-tag prefixes. Run once per cluster client.
 */
export function clusterRouting(
  name: string,
  runningCluster: () => Promise<RunningCluster>,
  connect: () => Promise<ClientHandle>,
) {
  const test = suite(`cluster routing, ${name}`)
  let handle: ClientHandle
  let nodes: ClusterNode[]
  let masters: ClusterNode[]

  test.before(async () => {
    handle = await connect()
    nodes = await (await runningCluster()).topology()
    masters = nodes.filter((node) => node.role === 'master')
  })
  test.after(() => handle.close())

  const sids = Array.from({ length: 300 }, (_, i) => `sid${i}`)

  test('scans every master once and no replica, counting each session once', async () => {
    const prefix = uniquePrefix('scan')
    const store = createRedisStore({ client: handle.client, prefix, scanCount: 20 })
    await Promise.all(sids.map((sid) => store.set(sid, sessionFor())))
    for (const master of masters) assert.ok((await keysOn(master.port, prefix)).length > 0, `keys on ${master.port}`)

    const before = await callsByPort(nodes, 'scan')
    assert.equal((await store.ids()).sort(), [...sids].sort())
    const after = await callsByPort(nodes, 'scan')
    for (const node of nodes) {
      const scanned = (after.get(node.port) ?? 0) > (before.get(node.port) ?? 0)
      assert.is(scanned, node.role === 'master', `SCAN on the ${node.role} ${node.port}`)
    }
    assert.is(await store.length(), sids.length)
    await store.clear()
  })

  test('scanKeys, given the cluster client, yields every key once', async () => {
    const prefix = uniquePrefix('helper')
    const store = createRedisStore({ client: handle.client, prefix })
    await Promise.all(sids.map((sid) => store.set(sid, sessionFor())))
    const found: string[] = []
    for await (const keys of scanKeys(handle.client, { prefix, count: 25 })) found.push(...keys)
    assert.equal(found.sort(), sids.map((sid) => prefix + sid).sort())
    await store.clear()
  })

  test('all() and clear() send no command that spans two slots', async () => {
    const prefix = uniquePrefix('slots')
    const store = createRedisStore({ client: handle.client, prefix, scanCount: 200 })
    await Promise.all(sids.map((sid, i) => store.set(sid, sessionFor({ i }))))
    const slots = new Set(sids.map((sid) => calculateSlot(prefix + sid)))
    assert.ok(slots.size > 100, 'the sessions are spread over many slots')

    const errorsBefore = await crossSlotErrors(nodes)
    const mgetsBefore = await callsOnAll(nodes, 'mget')
    assert.is((await store.all()).length, sids.length)
    await store.clear()
    assert.is(await store.length(), 0)
    assert.is(await crossSlotErrors(nodes), errorsBefore)
    // No MGET can hold keys of two slots, so there were at least as many as there are slots.
    const mgets = (await callsOnAll(nodes, 'mget')) - mgetsBefore
    assert.ok(mgets >= slots.size, `${mgets} MGET calls for ${slots.size} slots`)
  })

  test('a {hash-tag} prefix keeps every session on one master and still works', async () => {
    const prefix = `{${uniquePrefix('tag')}}sess:`
    const store = createRedisStore({ client: handle.client, prefix })
    await Promise.all(sids.map((sid) => store.set(sid, sessionFor({ sid }))))
    const holders = await Promise.all(masters.map(async ({ port }) => (await keysOn(port, prefix)).length))
    assert.equal(
      holders.filter((count) => count > 0),
      [sids.length],
    )
    assert.is(await store.length(), sids.length)
    assert.equal(await store.get('sid7'), sessionFor({ sid: 'sid7' }))
    assert.is((await store.all()).length, sids.length)
    await store.clear()
    assert.is(await store.length(), 0)
  })

  return test
}
