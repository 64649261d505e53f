-- Starting llxprt-ls and attaching buffers to it, on Neovim 0.7 (start_client
-- + buf_attach_client) and 0.8+ (vim.lsp.start).
local M = {}

local state = { id = nil, warned = false }

local has_08 = vim.fn.has('nvim-0.8') == 1
local has_011 = vim.fn.has('nvim-0.11') == 1

--- Call a client method: client:name(...) on 0.11+ (where the dot form is
--- deprecated), client.name(...) before (where the colon form is wrong).
function M.call(client, name, ...)
  if has_011 then
    return client[name](client, ...)
  end
  return client[name](...)
end

-- by_name finds a client named "llxprt" (0.7's get_active_clients takes no
-- filter, so filter here).
local function by_name()
  local list = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  for _, c in ipairs(list) do
    if c.name == 'llxprt' then
      return c
    end
  end
end

--- The running client, or nil. A client named "llxprt" started some other
--- way (vim.lsp.config + vim.lsp.enable) is found too.
function M.get()
  local c = state.id and vim.lsp.get_client_by_id(state.id) or by_name()
  if c == nil or M.call(c, 'is_stopped') then
    state.id = nil
    return nil
  end
  state.id = c.id
  return c
end

--- The running client, or nil after telling the user why there is none.
function M.require()
  local c = M.get()
  if c == nil then
    vim.notify('llxprt: llxprt-ls is not running; open a file buffer (or run :lua require("llxprt").attach())', vim.log.levels.WARN)
  end
  return c
end

-- Client capabilities without codeAction/resolve support: the server then
-- gives every action a llxprt.applyCodeAction command, which this plugin
-- handles itself (llxprt.review) so a rewrite is shown before it is applied.
local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  if caps.textDocument and caps.textDocument.codeAction then
    caps.textDocument.codeAction.resolveSupport = nil
  end
  return caps
end

local function on_init(client)
  -- Neovim's code_action() resolves an action itself when the server
  -- offers codeAction/resolve, and then applies the edit without review.
  -- Hiding resolveProvider makes it run the action's command instead.
  local rc = client.resolved_capabilities
  if rc and type(rc.code_action) == 'table' then
    rc.code_action.resolveProvider = false
  end
  local sc = client.server_capabilities
  if sc and type(sc.codeActionProvider) == 'table' then
    sc.codeActionProvider.resolveProvider = false
  end
  return true
end

local function progress_handler(err, result, ctx, config)
  if require('llxprt.chat').on_progress(result) then
    return
  end
  local default = vim.lsp.handlers['$/progress']
  if default then
    return default(err, result, ctx, config)
  end
end

--- The client configuration (name, cmd, capabilities, handlers, commands,
--- …) for vim.lsp.start, vim.lsp.start_client or vim.lsp.config.
function M.config(cfg)
  local init_options = vim.empty_dict()
  if cfg.profile and cfg.profile ~= '' then
    init_options = { profile = cfg.profile }
  end
  return {
    name = 'llxprt',
    cmd = cfg.cmd,
    root_dir = cfg.root_dir or vim.loop.cwd(),
    capabilities = capabilities(),
    init_options = init_options,
    on_init = on_init,
    handlers = {
      ['$/progress'] = progress_handler,
      ['llxprt/didChangeStatus'] = function(_, result)
        require('llxprt.status').update(result)
      end,
    },
    commands = {
      ['llxprt.applyCodeAction'] = function(command, ctx)
        require('llxprt.review').run(command, ctx)
      end,
    },
    on_attach = function(client)
      state.id = state.id or client.id
      if not state.fetched then
        state.fetched = true
        require('llxprt.status').refresh(client)
      end
    end,
    on_exit = function(code, signal)
      state.id, state.fetched = nil, false
      require('llxprt.chat').on_exit()
      require('llxprt.status').update({
        kind = 'error',
        busy = false,
        message = string.format('llxprt-ls exited (code %s, signal %s)', tostring(code), tostring(signal)),
      })
    end,
  }
end

--- Attach buf to the llxprt-ls client, starting it when needed.
function M.attach(buf, cfg)
  local exe = cfg.cmd and cfg.cmd[1]
  if not exe or vim.fn.executable(exe) == 0 then
    if not state.warned then
      state.warned = true
      vim.notify(string.format(
        'llxprt: cannot run %q. Install it with `go install github.com/llxprt/llxprt-ls/cmd/llxprt-ls@latest` '
          .. 'or set cmd in require("llxprt").setup{}.', tostring(exe)), vim.log.levels.ERROR)
    end
    return nil
  end
  if has_08 and vim.lsp.start then
    local id = vim.lsp.start(M.config(cfg), { bufnr = buf })
    state.id = id or state.id
    return id
  end
  if M.get() == nil then
    state.id = vim.lsp.start_client(M.config(cfg))
    if state.id == nil then
      return nil
    end
  end
  vim.lsp.buf_attach_client(buf, state.id)
  return state.id
end

return M
