-- The chat split: a markdown buffer that llxprt/chat answers stream into
-- (from $/progress on the request's partialResultToken). q or <C-c> stops the
-- answer being streamed ($/cancelRequest: the server cancels the provider
-- call); every question after the first continues the same session.
local M = {}

local client_mod = require('llxprt.client')

local st = {
  buf = nil,
  session_id = nil,
  inflight = nil, -- {id, token, client_id, start, text, updates}
  seq = 0,
  last = nil, -- {updates, result?, error?, stopped?} of the last request
}

-- token_prefix marks this Neovim's chat progress tokens.
local function token_prefix()
  return string.format('llxprt-chat-%d-', vim.fn.getpid())
end

local function config()
  return require('llxprt').config.chat or {}
end

local function ensure_buf()
  if st.buf and vim.api.nvim_buf_is_valid(st.buf) then
    return st.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  pcall(vim.api.nvim_buf_set_name, buf, 'llxprt://chat')
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'markdown'
  vim.bo[buf].modifiable = false
  local o = { buffer = buf, silent = true, nowait = true }
  vim.keymap.set('n', 'q', function()
    if not M.stop() then
      pcall(vim.cmd, 'close')
    end
  end, o)
  vim.keymap.set({ 'n', 'i' }, '<C-c>', function()
    M.stop()
  end, o)
  vim.keymap.set('n', '<CR>', function()
    M.ask()
  end, o)
  st.buf = buf
  return buf
end

local function ensure_win()
  local buf = ensure_buf()
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_buf(w) == buf then
      return w
    end
  end
  local cfg = config()
  local cur = vim.api.nvim_get_current_win()
  if cfg.split == 'horizontal' then
    vim.cmd('botright split')
  else
    vim.cmd('botright vsplit')
    if cfg.width then
      vim.cmd('vertical resize ' .. tonumber(cfg.width))
    end
  end
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(win, buf)
  vim.wo[win].wrap = true
  vim.wo[win].linebreak = true
  vim.wo[win].number = false
  vim.api.nvim_set_current_win(cur)
  return win
end

local function scroll_end()
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(w) == st.buf then
      vim.api.nvim_win_set_cursor(w, { vim.api.nvim_buf_line_count(st.buf), 0 })
    end
  end
end

local function set_lines(first, last, lines)
  if not (st.buf and vim.api.nvim_buf_is_valid(st.buf)) then
    return -- the chat buffer was wiped while an answer streamed
  end
  vim.bo[st.buf].modifiable = true
  vim.api.nvim_buf_set_lines(st.buf, first, last, false, lines)
  vim.bo[st.buf].modifiable = false
  scroll_end()
end

-- append adds text at the end of the buffer, continuing its last line.
local function append(text)
  if not (st.buf and vim.api.nvim_buf_is_valid(st.buf)) then
    return
  end
  local n = vim.api.nvim_buf_line_count(st.buf)
  local last = vim.api.nvim_buf_get_lines(st.buf, n - 1, n, false)[1] or ''
  set_lines(n - 1, n, vim.split(last .. text, '\n', { plain = true }))
end

local function add_block(lines)
  local n = vim.api.nvim_buf_line_count(st.buf)
  local empty = n == 1 and vim.api.nvim_buf_get_lines(st.buf, 0, 1, false)[1] == ''
  set_lines(empty and 0 or n, empty and 1 or n, lines)
end

local function footer(res)
  local u = res.usage or {}
  local parts = {
    string.format('%s %s', res.provider or '?', res.model or '?'),
    string.format('%d→%d tokens', u.input_tokens or 0, u.output_tokens or 0),
    string.format('$%.4f', res.costUSD or 0),
  }
  local line = '_' .. table.concat(parts, ' · ') .. '_'
  if (res.failovers or 0) > 0 then
    local why = ''
    for _, a in ipairs(res.attempts or {}) do
      if a.outcome ~= 'ok' and a.outcome ~= 'success' then
        why = string.format(': %s %s', a.bucket or a.provider or '?', a.reason or a.outcome or '')
        break
      end
    end
    line = line .. string.format(' ⚠ after %d failover(s)%s', res.failovers, why)
  end
  if (res.droppedTurns or 0) > 0 then
    line = line .. string.format(' (oldest %d turn(s) dropped to fit)', res.droppedTurns)
  end
  return line
end

local function finish(req, err, res)
  if st.inflight ~= req then
    return -- stopped, or replaced
  end
  st.inflight = nil
  st.last = { updates = req.updates, result = res, error = err }
  if err then
    append('\n\n**error:** ' .. (err.message or vim.inspect(err)) .. '\n')
    return
  end
  st.session_id = res.sessionId or st.session_id
  if res.text and res.text ~= req.text and vim.api.nvim_buf_is_valid(st.buf) then
    -- The stream and the answer disagree (or nothing streamed): the answer wins.
    local n = vim.api.nvim_buf_line_count(st.buf)
    set_lines(req.start, n, vim.split(res.text, '\n', { plain = true }))
  end
  append('\n\n' .. footer(res) .. '\n')
end

-- send asks the server; params holds the prompt and optional context.
local function send(params, heading)
  if st.inflight then
    vim.notify('llxprt: an answer is still streaming; stop it first (q or :LlxprtStop)', vim.log.levels.WARN)
    return nil
  end
  local client = client_mod.require()
  if not client then
    return nil
  end
  ensure_win()
  local lines = { '## You', '' }
  vim.list_extend(lines, vim.split(params.prompt, '\n', { plain = true }))
  vim.list_extend(lines, heading or {})
  vim.list_extend(lines, { '', '## LLxprt', '', '' })
  add_block(lines)

  st.seq = st.seq + 1
  local req = {
    token = token_prefix() .. st.seq,
    client_id = client.id,
    start = vim.api.nvim_buf_line_count(st.buf) - 1,
    text = '',
    updates = 0,
  }
  params.sessionId = st.session_id
  params.partialResultToken = req.token
  st.inflight = req
  local ok, id = client_mod.call(client, 'request', 'llxprt/chat', params, function(err, res)
    finish(req, err, res)
  end, st.buf)
  if not ok then
    st.inflight = nil
    append('**error:** llxprt-ls is not running\n')
    return nil
  end
  req.id = id
  return req
end

local function input(cb)
  vim.ui.input({ prompt = 'LLxprt> ' }, function(text)
    if text and vim.trim(text) ~= '' then
      cb(text)
    end
  end)
end

--- Ask a question in the chat (prompting for it when nil); follow-ups
--- continue the session.
function M.ask(prompt)
  if prompt == nil then
    ensure_win()
    return input(function(text)
      M.ask(text)
    end)
  end
  return send({ prompt = prompt })
end

-- utf16 is the UTF-16 length of a line's first byte_col bytes.
local function utf16(line, byte_col)
  byte_col = math.min(byte_col, #line)
  if vim.fn.has('nvim-0.11') == 1 then
    return vim.str_utfindex(line, 'utf-16', byte_col, false)
  end
  local _, n = vim.str_utfindex(line, byte_col)
  return n
end

--- Ask about lines line1..line2 of the current buffer (a charwise visual
--- selection is honoured when it spans exactly those lines).
function M.ask_range(line1, line2, prompt)
  local src = vim.api.nvim_get_current_buf()
  local client = client_mod.require()
  if not client then
    return nil
  end
  if not vim.lsp.buf_is_attached(src, client.id) then
    vim.notify('llxprt: this buffer is not attached to llxprt-ls', vim.log.levels.WARN)
    return nil
  end
  if prompt == nil then
    return input(function(text)
      M.ask_range(line1, line2, text)
    end)
  end
  local lines = vim.api.nvim_buf_get_lines(src, line1 - 1, line2, false)
  local rng = {
    start = { line = line1 - 1, character = 0 },
    ['end'] = { line = line2 - 1, character = utf16(lines[#lines] or '', #(lines[#lines] or '')) },
  }
  local vs, ve = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  if vim.fn.visualmode() == 'v' and vs[2] == line1 and ve[2] == line2 then
    rng.start.character = utf16(lines[1] or '', vs[3] - 1)
    rng['end'].character = utf16(lines[#lines] or '', ve[3])
  end
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(src), ':~:.')
  return send({ prompt = prompt, textDocument = { uri = vim.uri_from_bufnr(src) }, range = rng },
    { '', string.format('_(about %s:%d-%d)_', name, line1, line2) })
end

--- Stop the answer being streamed. Returns true when there was one.
function M.stop()
  local req = st.inflight
  if not req then
    return false
  end
  st.inflight = nil
  st.last = { updates = req.updates, stopped = true }
  local client = vim.lsp.get_client_by_id(req.client_id)
  if client and req.id then
    client_mod.call(client, 'cancel_request', req.id)
  end
  append('\n\n_[stopped]_\n')
  return true
end

--- Start a new session: the next question does not continue the old one.
function M.new_session()
  st.session_id = nil
end

--- Called for every $/progress; returns true when it was a chat piece.
function M.on_progress(result)
  if type(result) ~= 'table' then
    return false
  end
  local req = st.inflight
  if req and result.token == req.token then
    local v = result.value
    if type(v) == 'table' and type(v.text) == 'string' then
      req.updates = req.updates + 1
      req.text = req.text .. v.text
      append(v.text)
    end
    return true
  end
  -- A piece of a stopped (or finished) chat: drop it rather than let the
  -- default handler take it for work-done progress.
  return type(result.token) == 'string' and vim.startswith(result.token, token_prefix())
end

--- Called when llxprt-ls exits: nothing is streaming any more.
function M.on_exit()
  if st.inflight and st.buf and vim.api.nvim_buf_is_valid(st.buf) then
    vim.schedule(function()
      append('\n\n**error:** llxprt-ls exited\n')
    end)
  end
  st.inflight = nil
end

--- Chat state, for tests and integrations: {buf, session_id, streaming,
--- last = {updates, result?, error?, stopped?}}.
function M.state()
  return { buf = st.buf, session_id = st.session_id, streaming = st.inflight ~= nil, last = st.last,
    updates = st.inflight and st.inflight.updates or nil }
end

return M
