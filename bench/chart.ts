import type { Results } from './report.js'

interface Bar {
  label: string
  value: number
}

const WIDTH = 760
const LABEL = 330
const ROW = 22
const SCALE_MAX = 2

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * One SVG: redis-session-store against connect-redis, as ratios where higher is better (throughput
 * ratio; for bulk operations, connect-redis's time over ours). A line marks 1.0 (a tie).
 */
export function chartSvg(results: Results): string {
  const groups: Array<{ title: string; bars: Bar[] }> = [
    {
      title: 'Store operations: throughput vs connect-redis',
      bars: results.operations.map((r) => ({
        label: `${r.operation}, concurrency ${r.concurrency}`,
        value: r.ratioVsConnectRedis,
      })),
    },
    {
      title: 'Express: req/s vs connect-redis',
      bars: results.express.flatMap((r) =>
        Object.entries(r.ratioVsConnectRedis).map(([name, value]) => ({
          label: `${r.case.replace('returning visitor', 'returning')}: ${name.replace('redis-session-store', 'ours')}`,
          value,
        })),
      ),
    },
    {
      title: 'Bulk: connect-redis time / our time',
      bars: results.bulk
        .filter((r) => Number.isFinite(r.timeVsConnectRedis))
        .map((r) => ({
          label: `${r.operation}, ${r.sessions.toLocaleString('en-US')} sessions`,
          value: 1 / r.timeVsConnectRedis,
        })),
    },
  ]
  const plot = WIDTH - LABEL - 60
  const x = (value: number) => LABEL + (Math.min(value, SCALE_MAX) / SCALE_MAX) * plot
  const parts: string[] = []
  let y = 30
  for (const group of groups) {
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escapeXml(group.title)}</text>`)
    y += 10
    for (const bar of group.bars) {
      const value = Number.isFinite(bar.value) ? bar.value : 0
      const colour = value >= 1 ? '#2e7d32' : '#c62828'
      parts.push(`<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`)
      parts.push(
        `<rect x="${LABEL}" y="${y + 4}" width="${(x(value) - LABEL).toFixed(1)}" height="${ROW - 8}" fill="${colour}"/>`,
      )
      parts.push(`<text x="${(x(value) + 4).toFixed(1)}" y="${y + 15}">${value.toFixed(2)}x</text>`)
      y += ROW
    }
    y += 24
  }
  const height = y
  const one = x(1).toFixed(1)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<title>redis-session-store against connect-redis: median ratios from npm run bench</title>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<line x1="${one}" y1="16" x2="${one}" y2="${height - 20}" stroke="#555" stroke-dasharray="4 3"/>`,
    `<text x="${one}" y="${height - 6}" text-anchor="middle">1.0 = same as connect-redis (bars capped at ${SCALE_MAX}x)</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
