import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { escapeHtml, html } from '../demo/html.js'

const test = suite("the demo's HTML escaping")

// The expected text is written out by hand: an oracle that does not call the escaping it checks.
const escaped: Array<[input: string, output: string]> = [
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#39;'],
  [`<a href="x" title='y'>&</a>`, '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;'],
  ['Ada <img src=x onerror=alert(1)> & co', 'Ada &lt;img src=x onerror=alert(1)&gt; &amp; co'],
  // Text that is already an entity is text: escaped again, so that it shows as typed.
  ['&amp; &lt; &#39; &#x3C;', '&amp;amp; &amp;lt; &amp;#39; &amp;#x3C;'],
  ['<<>>&&', '&lt;&lt;&gt;&gt;&amp;&amp;'],
  // Nothing else is touched: inside a quoted attribute or an element these cannot end it.
  ['plain text, = / ` ; # 0 \n\t', 'plain text, = / ` ; # 0 \n\t'],
  ['Zoë, 東京, 😀', 'Zoë, 東京, 😀'],
  ['', ''],
]

test('escapes the five characters that can end text or an attribute, and nothing else', () => {
  for (const [input, output] of escaped) assert.is(escapeHtml(input), output, JSON.stringify(input))
})

// Read back with the five entities only, one pass, left to right: what a browser shows for the escaped text.
const shown = (text: string) =>
  text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '',
  )

test('for any text: no character that can end text or an attribute is left, and it reads back as typed', () => {
  const risky = fc.string({ unit: fc.constantFrom('&', '<', '>', '"', "'", 'a', ';', '#', 'l', 't', '3', '9', ' ') })
  fc.assert(
    fc.property(fc.oneof(risky, fc.string({ unit: 'grapheme' })), (text) => {
      const output = escapeHtml(text)
      assert.not.match(output, /[<>"']/)
      assert.not.match(output, /&(?!(amp|lt|gt|quot|#39);)/)
      assert.is(shown(output), text)
    }),
    { numRuns: 500 },
  )
})

test('escapes every interpolated value in a template, in text and in attributes', () => {
  const name = '<script>alert("hi")</script>'
  assert.is(
    html`<p title="${name}">${name}</p>`.text,
    '<p title="&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;</p>',
  )
  assert.is(html`<a title='${"it's"}'>${'a & b'}</a>`.text, "<a title='it&#39;s'>a &amp; b</a>")
})

test('keeps markup made by html itself, in arrays too, without escaping it twice', () => {
  const items = ['a&b', '<c>'].map((item) => html`<li>${item}</li>`)
  assert.is(html`<ul>${items}</ul>`.text, '<ul><li>a&amp;b</li><li>&lt;c&gt;</li></ul>')
})

test('renders nothing for null, undefined and false, and numbers as text', () => {
  assert.is(html`[${null}${undefined}${false}${0}${-1.5}]`.text, '[0-1.5]')
})

test('escapes a plain string inside an array, and keeps markup nested in arrays of arrays', () => {
  assert.is(html`<p>${['<b>', [html`<i>${'&'}</i>`]]}</p>`.text, '<p>&lt;b&gt;<i>&amp;</i></p>')
})

test.run()
