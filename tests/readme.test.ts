import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// The README is read on the npm registry too, where only the package's own files are (package.json "files") and a
// relative link to anything else leads nowhere: such links must be absolute, into the repository.
const ROOT = resolve(import.meta.dirname, '..')
const packageJson = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  homepage: string
  repository: { url: string }
  bugs: { url: string }
  files: string[]
}
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8')
const REPOSITORY = packageJson.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')
const FILE_LINK = `${REPOSITORY}/blob/main/`
const TREE_LINK = `${REPOSITORY}/tree/main/`
const RAW_LINK = `${REPOSITORY.replace('https://github.com/', 'https://raw.githubusercontent.com/')}/main/`

/** The README without its code blocks, whose brackets are code, not links. */
const prose = readme.replace(/```[\s\S]*?```/g, '')
const links = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string)

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')
const headings = [...prose.matchAll(/^(#{2,4}) (.+)$/gm)].map((match) => ({
  level: (match[1] as string).length,
  text: match[2] as string,
}))
const anchors = new Set(headings.map((heading) => anchorOf(heading.text)))

const test = suite('the README')

test('package.json names the repository, its home page and where to report bugs', () => {
  assert.match(REPOSITORY, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/)
  assert.ok(packageJson.homepage.startsWith(REPOSITORY), packageJson.homepage)
  assert.ok(packageJson.bugs.url.startsWith(REPOSITORY), packageJson.bugs.url)
})

test('a link to a file the package does not ship points into the repository, at a file that exists', () => {
  const shipped = (path: string) => packageJson.files.some((file) => path === file || path.startsWith(`${file}/`))
  for (const link of links) {
    if (link.startsWith('#')) continue
    const inRepository = [FILE_LINK, TREE_LINK, RAW_LINK].find((prefix) => link.startsWith(prefix))
    if (inRepository) {
      const path = link.slice(inRepository.length).split('#')[0] as string
      assert.ok(existsSync(resolve(ROOT, path)), `${link}: no ${path} in this checkout`)
      continue
    }
    if (/^https?:\/\//.test(link)) continue
    const path = link.split('#')[0] as string
    assert.ok(shipped(path), `${link}: relative, but the package does not ship ${path}; link into the repository`)
    assert.ok(existsSync(resolve(ROOT, path)), `${link}: no such file`)
  }
})

test('every link within the README leads to a heading of it', () => {
  for (const link of links.filter((link) => link.startsWith('#'))) {
    assert.ok(anchors.has(link.slice(1)), `${link}: no heading has this anchor`)
  }
})

test('the contents list every section, in order', () => {
  const contents = prose.slice(prose.indexOf('## Contents'), prose.indexOf('\n## ', prose.indexOf('## Contents') + 1))
  const listed = [...contents.matchAll(/^- \[[^\]]+\]\(#([^)]+)\)/gm)].map((match) => match[1])
  const sections = headings.filter((heading) => heading.level === 2 && heading.text !== 'Contents')
  assert.equal(
    listed,
    sections.map((heading) => anchorOf(heading.text)),
  )
})

test('coming from connect-redis is the first section after the contents', () => {
  const sections = headings.filter((heading) => heading.level === 2).map((heading) => heading.text)
  assert.equal(sections.slice(0, 2), ['Contents', 'Coming from connect-redis'])
})

test.run()
