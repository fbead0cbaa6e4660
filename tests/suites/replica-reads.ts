import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRedisStore } from '../../src/index.js'
import type { ClientHandle } from '../helpers/clients.js'
import { commandCalls } from '../helpers/redis-cli.js'
import { sessionFor, type TestSession, uniquePrefix } from '../helpers/sessions.js'

/** Which servers of a topology are masters and which are replicas, by port. */
export interface Roles {
  masters: number[]
  replicas: number[]
}

export interface ReplicaReadingTarget {
  /** A client of the library set up to send reads to replicas. */
  connect(): Promise<ClientHandle>
  roles(): Promise<Roles>
  /** The library's option that sends reads to replicas ({ useReplicas: true }, { scaleReads: 'slave' }, ...). */
  options: Record<string, unknown>
  /** Whether the library lets one command go to the master whatever that option says (node-redis's sendCommand). */
  masterPerCommand: boolean
  /** The option's value that reads from the master, when not "master" (GLIDE's readFrom: "primary"). */
  masterValue?: string
}

// Every command the store reads a session, a page or an index with; none is ever replicated to a replica.
const READS = ['get', 'mget', 'scan', 'evalsha', 'eval'] as const

interface Gets {
  get(key: string): Promise<unknown>
}

/** Proves the premise: the client as set up sends a plain GET to a replica (20 keys, so any slot's replica). */
async function assertClientReadsFromReplicas(client: unknown, { replicas }: Roles): Promise<void> {
  const before = await commandCalls(replicas, ['get'])
  for (let i = 0; i < 20; i++) await (client as Gets).get(uniquePrefix('premise'))
  const gets = ((await commandCalls(replicas, ['get'])).get('get') ?? 0) - (before.get('get') ?? 0)
  assert.ok(gets > 0, 'the client sends a plain GET to a replica')
}

const delta = (after: Map<string, number>, before: Map<string, number>, command: string) =>
  (after.get(command) ?? 0) - (before.get(command) ?? 0)

/**
 * A client that reads from replicas could load a session just destroyed, or miss one just created: the
 * store sends its reads to the master, or, where the library cannot, refuses the client at creation.
 */
export function replicaReads(name: string, target: ReplicaReadingTarget) {
  const test = suite(`a client that reads from replicas, ${name}`)
  let handle: ClientHandle
  let roles: Roles

  test.before(async () => {
    roles = await target.roles()
    handle = await target.connect()
  })
  test.after(() => handle?.close())

  if (target.masterPerCommand) {
    test('sends get, all, ids, length, sessions and userSessions to the master, and SCAN never to a replica', async () => {
      await assertClientReadsFromReplicas(handle.client, roles)
      const userId = (session: unknown) => (session as TestSession).user as string
      const store = createRedisStore({ client: handle.client, prefix: uniquePrefix('replica'), userId, scanCount: 10 })
      const sids = Array.from({ length: 40 }, (_, i) => `s${i}`)
      await Promise.all(sids.map((sid) => store.set(sid, sessionFor({ user: 'ada' }))))

      const [mastersBefore, replicasBefore] = [
        await commandCalls(roles.masters, READS),
        await commandCalls(roles.replicas, READS),
      ]
      for (const sid of sids) assert.equal(await store.get(sid), sessionFor({ user: 'ada' }))
      assert.is((await store.all()).length, sids.length)
      assert.is((await store.ids()).length, sids.length)
      assert.is(await store.length(), sids.length)
      let listed = 0
      for await (const _ of store.sessions()) listed++
      assert.is(listed, sids.length)
      assert.equal((await store.userSessions('ada')).sort(), [...sids].sort())
      const [mastersAfter, replicasAfter] = [
        await commandCalls(roles.masters, READS),
        await commandCalls(roles.replicas, READS),
      ]

      for (const command of READS)
        assert.is(delta(replicasAfter, replicasBefore, command), 0, `${command} on a replica`)
      for (const command of ['get', 'mget', 'scan', 'evalsha']) {
        assert.ok(delta(mastersAfter, mastersBefore, command) > 0, `${command} on the master`)
      }
      await store.clear()
    })
  } else {
    const [option = ''] = Object.keys(target.options)
    test(`refuses the client at creation and says to create it with ${option}: "master"`, async () => {
      await assertClientReadsFromReplicas(handle.client, roles)
      assert.throws(
        () => createRedisStore({ client: handle.client }),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith('redis-session-store: option "client" must read from the master') &&
          error.message.includes(`${option} ${JSON.stringify(target.options[option])}`) &&
          error.message.includes(`created with ${option}: "${target.masterValue ?? 'master'}" (the default)`),
      )
    })
  }

  return test
}
