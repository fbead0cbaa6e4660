import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { redisBinary } from '../../dev/redis-binary.js'

const run = promisify(execFile)

/** Runs redis-cli against one server on 127.0.0.1 and answers its output (raw, one reply element a line). */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(redisBinary('redis-cli'), ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 60_000,
  })
  return stdout
}

/** The fields of an INFO or CLUSTER INFO reply. */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return fields
}

/** A counter from one server's INFO section, e.g. `cmdstat_scan` calls or `errorstat_CROSSSLOT` count; 0 when absent. */
export async function infoCounter(port: number, section: string, name: string, field: string): Promise<number> {
  const value = infoFields(await redisCli(port, 'INFO', section)).get(name) ?? ''
  return Number(new RegExp(`(?:^|,)${field}=(\\d+)`).exec(value)?.[1] ?? 0)
}

/** Calls of each command, summed over the servers on these ports, since they started (INFO commandstats). */
export async function commandCalls(
  ports: readonly number[],
  commands: readonly string[],
): Promise<Map<string, number>> {
  const infos = await Promise.all(ports.map(async (port) => infoFields(await redisCli(port, 'INFO', 'commandstats'))))
  const callsOf = (command: string) =>
    infos.reduce((total, info) => total + Number(/calls=(\d+)/.exec(info.get(`cmdstat_${command}`) ?? '')?.[1] ?? 0), 0)
  return new Map(commands.map((command) => [command, callsOf(command)]))
}

/** One node as a node of the cluster sees it (a line of CLUSTER NODES). */
export interface ClusterNode {
  id: string
  port: number
  role: 'master' | 'replica'
  /** The id of the master a replica replicates; undefined for a master. */
  replicaOf: string | undefined
  failed: boolean
  /** The slot ranges a master serves, [first, last] inclusive. */
  slots: Array<[number, number]>
}

/** Parses CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>...` */
export function clusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.trim().split(' ')
      const flagList = flags.split(',')
      return {
        id,
        port: Number(address.split('@')[0]?.split(':').at(-1)),
        role: flagList.includes('master') ? 'master' : 'replica',
        replicaOf: master === '-' ? undefined : master,
        failed: flagList.includes('fail') || flagList.includes('fail?') || flagList.includes('noaddr'),
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot) => {
            const [first = '', last = first] = slot.split('-')
            return [Number(first), Number(last)] as [number, number]
          }),
      }
    })
}
