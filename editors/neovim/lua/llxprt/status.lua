-- Status: the statusline component (driven by llxprt/didChangeStatus) and
-- the :LlxprtStatus floating window (from llxprt/status).
local M = {}

local st = { profile = nil, bucket = nil, kind = 'normal', busy = false, message = nil }

--- Take in a llxprt/didChangeStatus notification (or a status object).
function M.update(ev)
  if type(ev) ~= 'table' then
    return
  end
  if ev.profile and ev.profile ~= '' then
    st.profile = ev.profile
  end
  local bucket = ev.bucket or ev.lastServed
  if bucket and bucket ~= '' then
    st.bucket = bucket
  end
  if ev.kind then
    st.kind = ev.kind
  end
  if ev.busy ~= nil then
    st.busy = ev.busy == true or (type(ev.busy) == 'number' and ev.busy > 0)
  end
  if ev.message ~= nil then
    st.message = ev.message
  end
  vim.schedule(function()
    pcall(vim.cmd, 'redrawstatus!')
    pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'LlxprtStatus', modeline = false })
  end)
end

--- Ask the server for its status and take it in.
function M.refresh(client)
  require('llxprt.client').call(client, 'request', 'llxprt/status', nil, function(err, res)
    if not err and res then
      M.update(res)
    end
  end)
end

--- The statusline component: "LLxprt profile·bucket" with " ⚠" after a
--- failover, " ✗" when every bucket is failing and " …" while a request runs.
--- Empty when llxprt-ls has not reported yet.
function M.line()
  if not st.profile then
    return ''
  end
  local s = 'LLxprt ' .. st.profile
  if st.bucket then
    s = s .. '·' .. st.bucket
  end
  if st.kind == 'warning' then
    s = s .. ' ⚠'
  elseif st.kind == 'error' then
    s = s .. ' ✗'
  end
  if st.busy then
    s = s .. ' …'
  end
  return s
end

--- The last status seen: {profile, bucket, kind, busy, message}.
function M.get()
  return vim.deepcopy(st)
end

local function bucket_row(b)
  local fails = 0
  for _, n in pairs(b.failures or {}) do
    fails = fails + n
  end
  local circuit = b.circuit or '?'
  local why = b.cooldown_reason or b.disabled_reason
  if why and why ~= '' then
    circuit = circuit .. ' (' .. why .. ')'
  end
  return {
    b.name or ((b.provider or '?') .. '/' .. (b.model or '?')),
    b.credential_source or '-',
    circuit,
    tostring(b.requests or 0),
    tostring(fails),
    string.format('$%.4f', b.cost_usd or 0),
  }
end

-- table_lines lays rows out in columns as wide as their widest cell.
local function table_lines(rows)
  local widths = {}
  for _, r in ipairs(rows) do
    for i, cell in ipairs(r) do
      widths[i] = math.max(widths[i] or 0, vim.fn.strdisplaywidth(cell))
    end
  end
  local out = {}
  for _, r in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(r) do
      cells[i] = cell .. string.rep(' ', widths[i] - vim.fn.strdisplaywidth(cell))
    end
    table.insert(out, '  ' .. vim.trim(table.concat(cells, '  ')))
  end
  return out
end

--- Lines of the status window for a llxprt/status result.
function M.format(s)
  local lines = {
    'LLxprt status',
    '',
    'profile:     ' .. (s.profile or '?'),
    'policy:      ' .. (s.policy or '?'),
    'last served: ' .. ((s.lastServed and s.lastServed ~= '') and s.lastServed or '-'),
    'busy:        ' .. tostring(s.busy or 0),
  }
  if s.error and s.error ~= '' then
    table.insert(lines, 'error:       ' .. s.error)
  end
  table.insert(lines, '')
  local rows = { { 'bucket', 'credential', 'circuit', 'requests', 'failures', 'cost' } }
  for _, b in ipairs(s.buckets or {}) do
    table.insert(rows, bucket_row(b))
  end
  vim.list_extend(lines, table_lines(rows))
  for _, w in ipairs(s.warnings or {}) do
    table.insert(lines, '')
    table.insert(lines, 'warning: ' .. w)
  end
  return lines
end

--- Show the status in a floating window (q or <Esc> closes it). Returns the
--- window and buffer.
function M.show()
  local client = require('llxprt.client').require()
  if not client then
    return nil
  end
  local res, err = require('llxprt.client').call(client, 'request_sync', 'llxprt/status', nil, 5000, 0)
  if err or not res or res.err then
    vim.notify('llxprt: status: ' .. tostring(err or (res and res.err and res.err.message) or 'no answer'), vim.log.levels.ERROR)
    return nil
  end
  M.update(res.result)
  local lines = M.format(res.result)
  local width = 20
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  width = math.min(width + 2, vim.o.columns - 4)
  local height = math.min(#lines, math.max(vim.o.lines - 6, 3))
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = math.max(width, 1),
    height = math.max(height, 1),
    row = math.max(math.floor((vim.o.lines - height) / 2) - 1, 0),
    col = math.max(math.floor((vim.o.columns - width) / 2), 0),
    style = 'minimal',
    border = 'rounded',
  })
  for _, key in ipairs({ 'q', '<Esc>' }) do
    vim.keymap.set('n', key, function()
      pcall(vim.api.nvim_win_close, win, true)
    end, { buffer = buf, silent = true, nowait = true })
  end
  return win, buf
end

return M
