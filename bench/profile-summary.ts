// Prints the functions with the most self time in a .cpuprofile, grouped by function and file.
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

const file = process.argv[2]
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile>')
const { nodes } = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] }
const byFunction = new Map<string, number>()
let total = 0
for (const node of nodes) {
  const hits = node.hitCount ?? 0
  total += hits
  const { functionName, url, lineNumber } = node.callFrame
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/wt-[^/]+\//, '')
  const key = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits)
}
const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 30))
for (const [name, hits] of top) console.log(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`)
