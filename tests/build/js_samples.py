"""Real-looking JavaScript for the token minifier's tests: semicolon-free code that leans on
automatic semicolon insertion, regular expressions, templates, arrows, objects, classes and
Unicode names. Each comes with an expression whose value shows what the code did."""

from __future__ import annotations

from typing import Final

ASI = """// No semicolons, as the "standard" style writes it.
const total = (items) => {
  let sum = 0
  for (const item of items) {
    sum += item.price * item.count
  }
  return sum
}

function lonely () {
  return
  42
}

function early (flag) {
  if (flag) return
  'not reached'
}

let a = 1
let b = 2
a
++b
const c = a
+ +b
const d = a - -b
const e = a
-1
const doubled = [1, 2, 3]
  .map((n) => n * 2)
  .filter(Boolean)
let i = 0
i++
;[a, b] = [b, a]
const raw = String.raw`x\\ny`
let counted = 0
outer: for (const row of [[1, 2], [3, 4]]) {
  for (const cell of row) {
    if (cell === 3) continue outer
    counted += cell
  }
}
"""
ASI_RESULT: Final = (
    "[total([{price: 2, count: 3}, {price: 1, count: 4}]), lonely(), early(true), "
    "a, b, c, d, e, doubled, i, raw, counted]"
)

REGEX_TEMPLATE = """/*! sample v1 | MIT */
const spaces = / +/g
function tidy (text) {
  return text.trim().replace(spaces, ' ')   // one space between words
}
const ratio = 10 / 2 / 5
const greet = (name, count) => `Hello,   ${ name }!
You have ${count > 1 ? `${ count } messages` : 'one message'} waiting.`
const isDate = (s) => /^\\d{4}-\\d{2}-\\d{2}$/.test(s)
const halve = x => x / 2 / 1
const slash = '/* not a comment */' + "// nor this"
const matched = 'a1b22c333'.match(/\\d+/g).length
"""
REGEX_TEMPLATE_RESULT: Final = (
    "[tidy('  a   b  '), ratio, greet('Ann', 2), greet('Bo', 1), isDate('2026-12-07'), "
    "isDate('7 Dec'), halve(9), slash, matched]"
)

OBJECTS_UNICODE = """const café = {
  prix: 3,
  'nom complet': 'Café crème ☕',
  get double () { return this.prix * 2 },
}
const π = 3.14159
const 名前 = 'ミニ🚀'
const config = {
  retries: 3,
  ...{ timeout: 1000 },
  [`key_${π > 3}`]: true,
  nested: { deep: [1, { deeper: null }] },
}
class Counter {
  #count = 0
  static start = 10
  increment () { return ++this.#count }
  get value () { return this.#count + Counter.start }
}
const counter = new Counter()
counter.increment()
counter.increment()
const { retries, nested: { deep: [first] } } = config
function* pairs (list) {
  for (let k = 0; k < list.length - 1; k++) yield [list[k], list[k + 1]]
}
const fives = 5..toString() + 0.5.toFixed(1) + 1e3
"""
OBJECTS_UNICODE_RESULT: Final = (
    "[café.double, café['nom complet'], π, 名前, config, counter.value, retries, first, "
    "[...pairs([1, 2, 3])], fives]"
)

SAMPLES: Final = {
    "asi": (ASI, ASI_RESULT),
    "regex-template": (REGEX_TEMPLATE, REGEX_TEMPLATE_RESULT),
    "objects-unicode": (OBJECTS_UNICODE, OBJECTS_UNICODE_RESULT),
}
