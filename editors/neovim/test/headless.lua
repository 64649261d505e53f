-- Headless end-to-end test of the llxprt plugin against the built llxprt-ls
-- (lsp --demo, plus a saved "slow" profile served by test/slowfake). Run by
-- test/run.sh:
--   nvim --headless -u NONE -i NONE -n -c 'luafile test/headless.lua'
-- Every check runs in pcall and the script always ends with cquit, so a Lua
-- error fails the run instead of leaving nvim waiting. Results go to stdout
-- (print goes to stderr in headless mode).
local env = {
  plugin = os.getenv('LLXPRT_PLUGIN'),
  bin = os.getenv('LLXPRT_LS'),
  cfg = os.getenv('LLXPRT_CFG'),
  ws = os.getenv('LLXPRT_WS'),
  stats = os.getenv('LLXPRT_FAKE_STATS'),
  last = os.getenv('LLXPRT_FAKE_LAST'),
}

local failures, passed = 0, 0

local function out(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

local function check(name, fn)
  local t0 = vim.loop.hrtime()
  local ok, err = pcall(fn)
  local ms = (vim.loop.hrtime() - t0) / 1e6
  if ok then
    passed = passed + 1
    out(string.format('ok    %-55s %6.0f ms', name, ms))
  else
    failures = failures + 1
    out(string.format('FAIL  %-55s %6.0f ms\n      %s', name, ms, tostring(err)))
    -- Leave no review open for the next check to trip over.
    pcall(function()
      require('llxprt.review').reject()
    end)
  end
  return ok
end

local function wait(ms, cond, what)
  if not vim.wait(ms, cond, 20) then
    error('timed out after ' .. ms .. ' ms waiting for ' .. what, 2)
  end
end

local function eq(want, got, what)
  if not vim.deep_equal(want, got) then
    error(string.format('%s: want %s, got %s', what, vim.inspect(want), vim.inspect(got)), 2)
  end
end

local function truthy(v, what)
  if not v then
    error(what, 2)
  end
  return v
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

local function stats()
  local f = io.open(env.stats, 'r')
  if not f then
    return {}
  end
  local s = f:read('*a')
  f:close()
  local ok, v = pcall(vim.json.decode, s)
  return ok and v or {}
end

local function llxprt_status()
  local c = require('llxprt').client()
  local res, err = require('llxprt.client').call(c, 'request_sync', 'llxprt/status', nil, 5000, 0)
  truthy(res and not res.err, 'llxprt/status failed: ' .. vim.inspect(err or (res and res.err)))
  return res.result
end

local function win_of(buf)
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_buf(w) == buf then
      return w
    end
  end
end

local ORIGINAL = {
  'package main',
  '',
  'import "fmt"',
  '',
  'func add(a, b int) int {',
  '\treturn a + b',
  '}',
  '',
  'func main() {',
  '\tfmt.Println(add(1, 2))',
  '}',
}

local function main()
  for k, v in pairs(env) do
    truthy(v and v ~= '', 'environment variable for ' .. k .. ' is not set')
  end
  vim.opt.runtimepath:prepend(env.plugin)
  vim.o.columns, vim.o.lines = 160, 50
  local llxprt = require('llxprt')
  local chat = require('llxprt.chat')
  local src -- the main.go buffer

  check('a missing llxprt-ls gives an install hint, not an error', function()
    local said = {}
    local notify = vim.notify
    vim.notify = function(msg, level)
      table.insert(said, { msg = msg, level = level })
    end
    local missing = { cmd = { env.ws .. '/no-such-llxprt-ls', 'lsp' } }
    local ok, id = pcall(require('llxprt.client').attach, vim.api.nvim_get_current_buf(), missing)
    vim.notify = notify
    eq(true, ok, 'attach raised: ' .. tostring(id))
    eq(nil, id, 'client id')
    eq(1, #said, 'notifications')
    truthy(said[1].msg:find('go install github.com/llxprt/llxprt-ls/cmd/llxprt-ls@latest', 1, true), said[1].msg)
  end)

  check('setup and attach (filetypes = {go})', function()
    llxprt.setup({
      cmd = { env.bin, 'lsp', '--demo', '--config-dir', env.cfg, '--log-level', 'debug' },
      filetypes = { 'go' },
    })
    vim.fn.writefile(ORIGINAL, env.ws .. '/main.go')
    vim.cmd('edit ' .. vim.fn.fnameescape(env.ws .. '/main.go'))
    src = vim.api.nvim_get_current_buf()
    eq(nil, llxprt.client(), 'client before the buffer has a wanted filetype')
    vim.bo[src].filetype = 'go'
    wait(15000, function()
      local c = llxprt.client()
      return c ~= nil and c.initialized and vim.lsp.buf_is_attached(src, c.id)
    end, 'llxprt-ls to initialize and attach')
    wait(5000, function()
      return llxprt.statusline():find('demo', 1, true) ~= nil
    end, 'the statusline to name the demo profile (got ' .. llxprt.statusline() .. ')')
  end)

  local listed = {}
  local function run_action(title, line)
    vim.api.nvim_set_current_buf(src)
    vim.api.nvim_win_set_cursor(0, { line or 5, 0 })
    listed = {}
    local chosen = false
    vim.ui.select = function(items, _, on_choice)
      for _, it in ipairs(items) do
        local t = type(it) == 'table' and it[2] and it[2].title or tostring(it)
        table.insert(listed, t)
      end
      for _, it in ipairs(items) do
        if type(it) == 'table' and it[2] and it[2].title == title then
          chosen = true
          return on_choice(it)
        end
      end
      on_choice(nil)
    end
    vim.lsp.buf.code_action()
    wait(10000, function()
      return #listed > 0
    end, 'code actions to be listed')
    truthy(chosen, title .. ' not among the listed actions: ' .. vim.inspect(listed))
  end

  local function code_action(title, key)
    run_action(title)
    local review = require('llxprt.review')
    wait(30000, function()
      return review.pending() ~= nil
    end, 'the proposed edit to be shown for review')
    local p = review.pending()
    eq(ORIGINAL, lines(src), 'buffer while the edit is under review')
    local proposed = lines(p.scratch)
    eq('// llxprt-demo: document', proposed[5], 'proposed line 5')
    eq('func add(a, b int) int {', proposed[6], 'proposed line 6')
    local w = truthy(win_of(p.scratch), 'no window shows the proposed edit')
    truthy(vim.wo[w].diff, 'the proposed edit is not shown as a diff')
    vim.api.nvim_set_current_win(w)
    vim.api.nvim_feedkeys(key, 'x', false)
    eq(nil, review.pending(), 'review after pressing ' .. key)
  end

  check('code action listed, previewed, rejected (r): buffer unchanged', function()
    code_action('LLxprt: Add documentation', 'r')
    for _, want in ipairs({ 'LLxprt: Refactor selection', 'LLxprt: Add documentation', 'LLxprt: Generate tests', 'LLxprt: Explain' }) do
      truthy(vim.tbl_contains(listed, want), want .. ' not listed: ' .. vim.inspect(listed))
    end
    eq(ORIGINAL, lines(src), 'buffer after reject')
  end)

  check('code action accepted (a): buffer changed as the provider said', function()
    code_action('LLxprt: Add documentation', 'a')
    local want = vim.deepcopy(ORIGINAL)
    table.insert(want, 5, '// llxprt-demo: document')
    eq(want, lines(src), 'buffer after accept')
    eq(src, vim.api.nvim_get_current_buf(), 'back in the source buffer')
  end)

  check('Explain shows the explanation and changes nothing', function()
    local before = lines(src)
    local review = require('llxprt.review')
    review.explanation = nil
    run_action('LLxprt: Explain', 7)
    wait(30000, function()
      return review.explanation ~= nil
    end, 'the explanation')
    truthy(review.explanation.text:find('simulated explanation', 1, true), 'explanation: ' .. review.explanation.text)
    local float
    for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        float = w
      end
    end
    truthy(float, 'no floating window with the explanation')
    local text = table.concat(lines(vim.api.nvim_win_get_buf(float)), '\n')
    truthy(text:find('simulated explanation', 1, true), 'float text: ' .. text)
    vim.api.nvim_win_close(float, true)
    eq(before, lines(src), 'buffer after Explain')
    eq(nil, review.pending(), 'review after Explain')
  end)

  check('<leader>lx in visual mode acts on the selected lines', function()
    local before = lines(src)
    eq('\treturn a + b', before[7], 'line 7')
    vim.api.nvim_set_current_buf(src)
    local review = require('llxprt.review')
    vim.ui.select = function(items, _, on_choice)
      for _, it in ipairs(items) do
        if it[2].title == 'LLxprt: Refactor selection' then
          return on_choice(it)
        end
      end
      on_choice(nil)
    end
    vim.g.mapleader = nil
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('7GVj\\lx', true, false, true), 'x', false)
    wait(30000, function()
      return review.pending() ~= nil
    end, 'the proposed edit')
    local proposed = lines(review.pending().scratch)
    eq({ '\t// llxprt-demo: refactor', '\treturn a + b', '}' }, { proposed[7], proposed[8], proposed[9] },
      'proposed lines 7-9 (the whole selection rewritten, indentation kept)')
    review.reject()
    eq(before, lines(src), 'buffer after reject')
  end)

  check('review = false applies the edit directly', function()
    llxprt.config.review = false
    local before = lines(src)
    run_action('LLxprt: Refactor selection', 6)
    wait(30000, function()
      return #lines(src) == #before + 1
    end, 'the edit to land')
    eq(nil, require('llxprt.review').pending(), 'review with review = false')
    eq('// llxprt-demo: refactor', lines(src)[6], 'line 6 after the direct edit')
    eq('func add(a, b int) int {', lines(src)[7], 'line 7 after the direct edit')
    llxprt.config.review = true
  end)

  check('a failover shows in the statusline and under the answer', function()
    -- The demo primary fails every third request (529), so within three
    -- chats one fails over to the backup.
    local res
    for _ = 1, 3 do
      vim.cmd('LlxprtChatNew hi')
      wait(20000, function()
        return not chat.state().streaming
      end, 'a demo answer')
      res = truthy(chat.state().last.result, 'demo chat failed: ' .. vim.inspect(chat.state().last.error))
      if (res.failovers or 0) > 0 then
        break
      end
    end
    truthy(res.failovers > 0, 'no failover in three demo chats')
    wait(5000, function()
      return llxprt.statusline():find('⚠', 1, true) ~= nil
    end, 'the failover marker in the statusline (got ' .. llxprt.statusline() .. ')')
    eq('warning', require('llxprt.status').get().kind, 'status kind')
    local text = table.concat(lines(chat.state().buf), '\n')
    truthy(text:find('after 1 failover', 1, true), 'no failover note under the answer:\n' .. text)
  end)

  check(':LlxprtProfile completes and switches to "slow"', function()
    local shown
    vim.ui.select = function(items, opts, on_choice)
      shown = {}
      for _, it in ipairs(items) do
        table.insert(shown, opts.format_item(it))
      end
      on_choice(nil)
    end
    vim.cmd('LlxprtProfile')
    -- The --demo profile the server runs comes first, marked inline; then the saved one.
    truthy(shown and #shown == 2 and shown[1]:find('^demo %(active, inline, not saved%)') and shown[2]:find('^slow'),
      'picker items: ' .. vim.inspect(shown))
    truthy(shown[2]:find('slowfake', 1, true), 'picker item lacks the notes/buckets: ' .. shown[2])
    local names = vim.fn.getcompletion('LlxprtProfile ', 'cmdline')
    truthy(vim.tbl_contains(names, 'slow'), 'completion lacks slow: ' .. vim.inspect(names))
    truthy(not vim.tbl_contains(names, 'demo'), 'completion offers the inline profile: ' .. vim.inspect(names))
    -- Picking the inline profile loads nothing and says why.
    local notified
    local notify = vim.notify
    vim.notify = function(msg) notified = msg end
    vim.ui.select = function(items, _, on_choice) on_choice(items[1]) end
    vim.cmd('LlxprtProfile')
    vim.notify = notify
    truthy(notified and notified:find('already serving', 1, true), 'picking the inline profile: ' .. tostring(notified))
    vim.cmd('LlxprtProfile slow')
    wait(10000, function()
      return require('llxprt.status').get().profile == 'slow'
    end, 'the plugin to see the slow profile')
    eq('slow', llxprt_status().profile, 'llxprt/status profile')
    truthy(llxprt.statusline():find('LLxprt slow', 1, true), 'statusline: ' .. llxprt.statusline())
  end)

  local first_session
  check(':LlxprtChat streams the answer into the chat buffer', function()
    vim.cmd('LlxprtChat hello from neovim')
    local buf = truthy(chat.state().buf, 'no chat buffer')
    eq('markdown', vim.bo[buf].filetype, 'chat filetype')
    truthy(win_of(buf), 'chat buffer not shown')
    wait(20000, function()
      local s = chat.state()
      return not s.streaming and s.last ~= nil
    end, 'the chat answer')
    local s = chat.state()
    truthy(s.last.result, 'chat failed: ' .. vim.inspect(s.last.error))
    truthy(s.last.updates > 1, 'want more than one progress update before the answer, got ' .. s.last.updates)
    local text = table.concat(lines(buf), '\n')
    truthy(text:find('piece 1 of the answer. piece 2 of the answer.', 1, true), 'streamed text missing:\n' .. text)
    truthy(text:find('piece 12 of the answer.', 1, true), 'last piece missing:\n' .. text)
    truthy(text:find('openai gpt-5.2', 1, true), 'provider footer missing:\n' .. text)
    first_session = truthy(s.session_id, 'no session id')
  end)

  check('a follow-up continues the session', function()
    vim.cmd('LlxprtChat and a follow-up')
    wait(20000, function()
      return not chat.state().streaming
    end, 'the follow-up answer')
    local s = chat.state()
    truthy(s.last.result, 'follow-up failed: ' .. vim.inspect(s.last.error))
    eq(first_session, s.last.result.sessionId, 'follow-up session')
  end)

  check('q in the chat stops a slow answer; the provider call is cancelled', function()
    local before = stats().abandoned or 0
    vim.cmd('LlxprtChatNew please answer [slow]')
    wait(15000, function()
      return (chat.state().updates or 0) >= 2
    end, 'the slow answer to start streaming')
    local buf = chat.state().buf
    vim.api.nvim_set_current_win(truthy(win_of(buf), 'chat window'))
    vim.api.nvim_feedkeys('q', 'x', false)
    local s = chat.state()
    eq(false, s.streaming, 'streaming after q')
    eq(true, s.last.stopped, 'last request stopped')
    truthy(win_of(buf), 'q while streaming must stop, not close the chat')
    wait(10000, function()
      return (stats().abandoned or 0) > before
    end, 'the slow provider to see its request dropped (stats ' .. vim.inspect(stats()) .. ')')
    wait(10000, function()
      return llxprt_status().busy == 0
    end, 'llxprt/status busy to drop to 0')
    local text = table.concat(lines(buf), '\n')
    truthy(text:find('[stopped]', 1, true), 'no [stopped] marker:\n' .. text)
    eq('_[stopped]_', lines(buf)[#lines(buf) - 1], 'nothing streamed after the stop')
  end)

  check(':LlxprtAsk sends the selected lines', function()
    vim.cmd('wincmd p')
    vim.api.nvim_set_current_buf(src)
    vim.cmd('5,8LlxprtAsk what does add do?')
    wait(20000, function()
      return not chat.state().streaming
    end, 'the answer')
    local s = chat.state()
    truthy(s.last.result, 'ask failed: ' .. vim.inspect(s.last.error))
    truthy(table.concat(lines(s.buf), '\n'):find('main.go:5-8', 1, true), 'no selection note in the chat')
    local body = table.concat(vim.fn.readfile(env.last), '\n')
    for _, want in ipairs({ 'what does add do?', 'llxprt-demo: refactor', 'return a + b' }) do
      truthy(body:find(want, 1, true), 'the provider did not get ' .. want .. ':\n' .. body)
    end
    truthy(not body:find('fmt.Println', 1, true), 'lines outside the selection were sent:\n' .. body)
  end)

  check(':LlxprtAsk on a charwise selection sends just those characters', function()
    vim.cmd('wincmd p')
    vim.api.nvim_set_current_buf(src)
    eq('\treturn a + b', lines(src)[8], 'line 8')
    chat.new_session()
    vim.cmd('normal! 8G0fav4l\27')
    vim.cmd("'<,'>LlxprtAsk explain this")
    wait(20000, function()
      return not chat.state().streaming
    end, 'the answer')
    truthy(chat.state().last.result, 'ask failed: ' .. vim.inspect(chat.state().last.error))
    local body = table.concat(vim.fn.readfile(env.last), '\n')
    truthy(body:find('a + b', 1, true), 'the selection was not sent:\n' .. body)
    truthy(not body:find('return a + b', 1, true), 'more than the selection was sent:\n' .. body)
  end)

  check(':LlxprtStatus opens a floating window', function()
    vim.cmd('LlxprtStatus')
    local w = vim.api.nvim_get_current_win()
    truthy(vim.api.nvim_win_get_config(w).relative ~= '', 'not a floating window')
    local text = table.concat(lines(vim.api.nvim_win_get_buf(w)), '\n')
    truthy(text:find('profile:     slow', 1, true), 'status text:\n' .. text)
    truthy(text:find('openai/gpt-5.2  key (ephemeralSettings.lb.buckets[0].key)  closed', 1, true), 'no bucket row:\n' .. text)
    vim.api.nvim_feedkeys('q', 'x', false)
    eq('', vim.api.nvim_win_get_config(0).relative, 'float after q')
  end)
end

local ok, err = pcall(main)
if not ok then
  failures = failures + 1
  out('FAIL  (script error) ' .. tostring(err))
end
pcall(function()
  for _, c in pairs(vim.lsp.get_active_clients()) do
    require('llxprt.client').call(c, 'stop')
  end
  vim.wait(3000, function()
    return #vim.lsp.get_active_clients() == 0
  end, 50)
end)
out(string.format('%d passed, %d failed', passed, failures))
vim.cmd('cquit ' .. (failures > 0 and 1 or 0))
