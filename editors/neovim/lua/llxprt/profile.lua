-- Profiles: listing (llxprt/profiles, also for command-line completion) and
-- switching (llxprt/profile/load).
local M = {}

local client_mod = require('llxprt.client')

--- The saved profiles ({name, type?, buckets?, notes?, valid, active, …}),
--- with the inline one the server was started with first (inline = true),
--- or nil when the server does not answer within timeout_ms.
function M.list(timeout_ms)
  local client = client_mod.get()
  if not client then
    return nil
  end
  local res = client_mod.call(client, 'request_sync', 'llxprt/profiles', nil, timeout_ms or 3000, 0)
  if not res or res.err or type(res.result) ~= 'table' then
    return nil
  end
  return res.result
end

local function describe(p)
  local s = p.name
  if p.active and p.inline then
    s = s .. ' (active, inline, not saved)'
  elseif p.active then
    s = s .. ' (active)'
  end
  local extra = {}
  local kind = p.type and p.type ~= '' and p.type or nil
  if p.policy and p.policy ~= '' then
    kind = (kind and kind .. ' ' or '') .. p.policy
  end
  if kind then
    table.insert(extra, kind)
  end
  local buckets = {}
  for _, b in ipairs(p.buckets or {}) do
    local name = b.provider or '?'
    if b.model and b.model ~= '' then
      name = name .. '/' .. b.model
    end
    if b.note and b.note ~= '' then
      name = name .. ' (' .. b.note .. ')'
    end
    table.insert(buckets, name)
  end
  if #buckets > 0 then
    table.insert(extra, table.concat(buckets, ', '))
  end
  if type(p.notes) == 'table' and #p.notes > 0 then
    table.insert(extra, table.concat(p.notes, '; '))
  end
  if p.valid == false then
    table.insert(extra, 'invalid: ' .. (p.error or '?'))
  end
  if #extra > 0 then
    s = s .. ' — ' .. table.concat(extra, ' · ')
  end
  return s
end

--- Load a profile; persist also makes it the default for later starts.
--- Without a name, pick one with vim.ui.select. on_done(err, status) is
--- called with the server's answer.
function M.load(name, persist, on_done)
  local client = client_mod.require()
  if not client then
    return
  end
  if name == nil then
    local list = M.list()
    if not list or #list == 0 then
      vim.notify('llxprt: no saved profiles: run `llxprt-ls profile init` for the recipe\'s three,'
        .. ' or `llxprt-ls profile save NAME --from FILE`', vim.log.levels.WARN)
      return
    end
    return vim.ui.select(list, { prompt = 'LLxprt profile:', format_item = describe }, function(p)
      if p and p.inline then
        -- The profile the server was started with (--profile, --demo):
        -- already serving, not saved, so it cannot be loaded by name.
        vim.notify('llxprt: ' .. p.name .. ' is the profile the server was started with and is already serving;'
          .. ' pick a saved profile to switch', vim.log.levels.INFO)
      elseif p then
        M.load(p.name, persist, on_done)
      end
    end)
  end
  client_mod.call(client, 'request', 'llxprt/profile/load', { name = name, persist = persist == true }, function(err, res)
    if err then
      vim.notify('llxprt: load profile ' .. name .. ': ' .. (err.message or tostring(err)), vim.log.levels.ERROR)
    else
      require('llxprt.status').update(res)
      vim.notify('llxprt: profile ' .. (res.profile or name) .. ' loaded', vim.log.levels.INFO)
    end
    if on_done then
      on_done(err, res)
    end
  end)
end

return M
