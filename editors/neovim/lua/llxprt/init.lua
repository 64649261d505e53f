-- llxprt: Neovim front end for llxprt-ls (chat, code actions, profiles,
-- status) over the LSP client built into Neovim 0.7+.
--
-- One llxprt-ls client serves every attached buffer: the server balances
-- requests over the profile's providers, so there is nothing to gain from
-- one process per project root, and one process keeps the status (serving
-- bucket, failovers) in one place.
local M = {}

local client_mod = require('llxprt.client')

local defaults = {
  cmd = { 'llxprt-ls', 'lsp' },
  profile = nil, -- profile loaded at start (initializationOptions.profile)
  filetypes = nil, -- nil: every file buffer; else a list of filetypes
  keymaps = true, -- <leader>l… mappings (see :help llxprt-keymaps)
  review = true, -- show a code action's edit as a diff to accept or reject
  chat = { split = 'vertical', width = 80 },
  root_dir = nil, -- nil: the current directory
  attach = true, -- false: leave starting the client to vim.lsp.enable (0.11+)
}

local function merge(base, over)
  local out = vim.deepcopy(base)
  for k, v in pairs(over or {}) do
    if type(v) == 'table' and type(out[k]) == 'table' and not (vim.islist or vim.tbl_islist)(v) then
      out[k] = merge(out[k], v)
    else
      out[k] = v
    end
  end
  return out
end

--- The configuration in force (after setup).
M.config = vim.deepcopy(defaults)

local function wanted(buf)
  if vim.bo[buf].buftype ~= '' or vim.api.nvim_buf_get_name(buf) == '' then
    return false
  end
  local fts = M.config.filetypes
  if fts == nil then
    return true
  end
  return vim.tbl_contains(fts, vim.bo[buf].filetype)
end

--- Attach llxprt-ls to a buffer (the current one by default). Returns the
--- client id, or nil when the server cannot be started.
function M.attach(buf)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  return client_mod.attach(buf, M.config)
end

--- vim.lsp.buf.code_action() for the cursor line, or for the selection in
--- visual mode (0.7's code_action() ignores a selection, so there it ends
--- visual mode and uses range_code_action()).
function M.code_action()
  if vim.fn.has('nvim-0.8') == 0 and vim.fn.mode():find('^[vV\22]') then
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<Esc>', true, false, true), 'nx', false)
    return vim.lsp.buf.range_code_action()
  end
  return vim.lsp.buf.code_action()
end

local function set_keymaps()
  local map = function(mode, lhs, rhs, desc)
    vim.keymap.set(mode, lhs, rhs, { silent = true, desc = desc })
  end
  map('n', '<leader>lc', '<cmd>LlxprtChat<cr>', 'LLxprt: open chat')
  map('x', '<leader>la', ':LlxprtAsk<cr>', 'LLxprt: ask about the selection')
  map({ 'n', 'x' }, '<leader>lx', M.code_action, 'LLxprt: code actions')
  map('n', '<leader>lp', '<cmd>LlxprtProfile<cr>', 'LLxprt: load a profile')
  map('n', '<leader>ls', '<cmd>LlxprtStatus<cr>', 'LLxprt: status')
end

local function profile_complete(lead)
  local names = {}
  for _, p in ipairs(require('llxprt.profile').list(1000) or {}) do
    -- The inline profile is serving but not saved: it cannot be loaded by name.
    if not p.inline and vim.startswith(p.name, lead) then
      table.insert(names, p.name)
    end
  end
  return names
end

local function define_commands()
  local cmd = vim.api.nvim_create_user_command
  cmd('LlxprtChat', function(o)
    require('llxprt.chat').ask(o.args ~= '' and o.args or nil)
  end, { nargs = '*', desc = 'LLxprt: chat (follow-ups continue the session)' })
  cmd('LlxprtChatNew', function(o)
    require('llxprt.chat').new_session()
    require('llxprt.chat').ask(o.args ~= '' and o.args or nil)
  end, { nargs = '*', desc = 'LLxprt: chat in a new session' })
  cmd('LlxprtStop', function()
    require('llxprt.chat').stop()
  end, { desc = 'LLxprt: stop the answer being streamed' })
  cmd('LlxprtAsk', function(o)
    require('llxprt.chat').ask_range(o.line1, o.line2, o.args ~= '' and o.args or nil)
  end, { nargs = '*', range = true, desc = 'LLxprt: ask about the selected lines' })
  cmd('LlxprtProfile', function(o)
    require('llxprt.profile').load(o.args ~= '' and o.args or nil, o.bang)
  end, { nargs = '?', bang = true, complete = profile_complete, desc = 'LLxprt: load a profile (! also makes it the default)' })
  cmd('LlxprtStatus', function()
    require('llxprt.status').show()
  end, { desc = 'LLxprt: status of the profile and its buckets' })
  cmd('LlxprtAccept', function()
    require('llxprt.review').accept()
  end, { desc = 'LLxprt: apply the code action edit under review' })
  cmd('LlxprtReject', function()
    require('llxprt.review').reject()
  end, { desc = 'LLxprt: discard the code action edit under review' })
end

--- Configure the plugin, define the commands and attach to file buffers as
--- they are opened (and to those already open).
function M.setup(opts)
  M.config = merge(defaults, opts)
  define_commands()
  if M.config.keymaps then
    set_keymaps()
  end
  local group = vim.api.nvim_create_augroup('llxprt', { clear = true })
  if not M.config.attach then
    return
  end
  vim.api.nvim_create_autocmd({ 'FileType', 'BufReadPost', 'BufNewFile' }, {
    group = group,
    callback = function(ev)
      if wanted(ev.buf) then
        M.attach(ev.buf)
      end
    end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and wanted(buf) then
      M.attach(buf)
    end
  end
end

--- The client configuration for vim.lsp.config (Neovim 0.11+), with the
--- handlers and commands chat streaming and code-action review rely on:
---   vim.lsp.config('llxprt', require('llxprt').lsp_config())
---   vim.lsp.enable('llxprt')
--- opts are setup's options (setup's current ones when nil).
function M.lsp_config(opts)
  local cfg = opts and merge(defaults, opts) or M.config
  local c = client_mod.config(cfg)
  if cfg.filetypes then
    c.filetypes = cfg.filetypes
  end
  c.root_dir = nil
  c.root_markers = { '.git' }
  return c
end

--- The llxprt-ls client (a vim.lsp client object), or nil when none runs.
function M.client()
  return client_mod.get()
end

--- A short status for a statusline: "LLxprt demo·openai ⚠". See
--- :help llxprt-statusline.
function M.statusline()
  return require('llxprt.status').line()
end

return M
