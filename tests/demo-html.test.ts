import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { escapeHtml, html } from '../demo/html.js'

const test = suite("the demo's HTML escaping")

test('escapes the five characters that can end text or an attribute', () => {
  assert.is(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
})

test('escapes every interpolated value in a template', () => {
  const name = '<script>alert("hi")</script>'
  assert.is(html`<p title="${name}">${name}</p>`.text, `<p title="${escapeHtml(name)}">${escapeHtml(name)}</p>`)
})

test('keeps markup made by html itself, in arrays too, without escaping it twice', () => {
  const items = ['a&b', '<c>'].map((item) => html`<li>${item}</li>`)
  assert.is(html`<ul>${items}</ul>`.text, '<ul><li>a&amp;b</li><li>&lt;c&gt;</li></ul>')
})

test('renders nothing for null, undefined and false, and numbers as text', () => {
  assert.is(html`[${null}${undefined}${false}${0}]`.text, '[0]')
})

test.run()
