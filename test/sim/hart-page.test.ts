// The per-page access table: a clear bit asks env.pageFault, a refusal stops
// the hart before the instruction with nothing retired and nothing written,
// and allowPendingAccess lets exactly that access through.

import t from 'tap'
import {ACCESS_READ, ACCESS_WRITE, Stop} from '../../src/lib/sim/hart-env.js'
import {amoadd, boardWith, jal, li, lw, NOP, sw} from './hart-encode.js'

const DATA = 0x8000_3000
const DATA_PAGE = 3

t.test('a refused store stops before the instruction; allowing it lets it through once', async (t) => {
  const board = boardWith([...li(5, DATA), ...li(6, 0x1234), sw(6, 5, 0), sw(6, 5, 4), jal(0, 0)])
  board.access[DATA_PAGE] = ACCESS_READ
  const asked: string[] = []
  board.onPageFault = (page, write) => {
    asked.push(`${page}:${write}`)
    return false
  }
  t.equal(board.hart.run(100), Stop.Page)
  t.equal(board.hart.instret, 4, 'the store did not retire')
  t.equal(board.hart.pc, 0x8000_0010)
  t.equal(board.peek(DATA), 0, 'and wrote nothing')
  t.same(asked, ['3:true'])
  t.equal(board.hart.run(100), Stop.Page, 'asked again while not allowed')
  board.hart.allowPendingAccess()
  t.equal(board.hart.run(100), Stop.Page, 'the next store to the page is a new access')
  t.equal(board.peek(DATA), 0x1234)
  t.equal(board.hart.instret, 5)
  t.equal(board.hart.pc, 0x8000_0014)
  board.hart.allowPendingAccess()
  t.equal(board.hart.run(10), Stop.Budget)
  t.equal(board.peek(DATA + 4), 0x1234)
})

t.test('reads need ACCESS_READ, AMOs need ACCESS_WRITE', async (t) => {
  const board = boardWith([...li(5, DATA), lw(7, 5, 0), amoadd(8, 5, 6), jal(0, 0)])
  board.access[DATA_PAGE] = 0
  const asked: string[] = []
  board.onPageFault = (page, write) => {
    asked.push(`${page}:${write}`)
    board.access[page] |= write ? ACCESS_WRITE : ACCESS_READ
    return true
  }
  board.hart.run(10)
  t.same(asked, ['3:false', '3:true'])
})

t.test('an access straddling two pages checks both, and both can be allowed', async (t) => {
  const board = boardWith([...li(5, DATA - 2), ...li(6, 0x11223344), sw(6, 5, 0), NOP])
  board.access[DATA_PAGE - 1] = ACCESS_READ
  board.access[DATA_PAGE] = ACCESS_READ
  const asked: number[] = []
  board.onPageFault = (page) => {
    asked.push(page)
    return false
  }
  t.equal(board.hart.run(10), Stop.Page)
  board.hart.allowPendingAccess()
  t.equal(board.hart.run(10), Stop.Page, 'the second page stops it too')
  t.equal(board.peek(DATA - 4), 0, 'nothing written yet')
  board.hart.allowPendingAccess()
  t.equal(board.hart.run(1), Stop.Budget)
  t.same(asked, [2, 3])
  t.equal(board.peek(DATA - 4) >>> 16, 0x3344)
  t.equal(board.peek(DATA) & 0xffff, 0x1122)
})

t.test('an allowance survives save and restore', async (t) => {
  const board = boardWith([...li(5, DATA), ...li(6, 7), sw(6, 5, 0), jal(0, 0)])
  board.access[DATA_PAGE] = ACCESS_READ
  board.onPageFault = () => false
  t.equal(board.hart.run(10), Stop.Page)
  board.hart.allowPendingAccess()
  const saved = board.hart.saveState()
  board.hart.run(1)
  t.equal(board.peek(DATA), 7)
  board.poke(DATA, [0])
  board.hart.loadState(saved)
  t.equal(board.hart.run(1), Stop.Budget)
  t.equal(board.peek(DATA), 7)
})
