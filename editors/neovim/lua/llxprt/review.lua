-- Code actions with review. The plugin hides the server's codeAction/resolve
-- from Neovim (see llxprt.client), so vim.lsp.buf.code_action() runs the
-- action's llxprt.applyCodeAction command here: resolve it (the model runs
-- now), then show the edit as a diff in a new tab — the buffer as it is on
-- the left, as it would be on the right — and apply it only on accept.
local M = {}

local pending = nil -- {tab, target, scratch, edit, enc, tick, title}

local function notify(msg, level)
  vim.notify('llxprt: ' .. msg, level or vim.log.levels.INFO)
end

-- edits_by_uri flattens a WorkspaceEdit into {uri, edits} pairs; ok is false
-- when it also creates, renames or deletes files (not previewed).
local function edits_by_uri(edit)
  local out, ok = {}, true
  for uri, edits in pairs(edit.changes or {}) do
    table.insert(out, { uri = uri, edits = edits })
  end
  for _, dc in ipairs(edit.documentChanges or {}) do
    if dc.kind then
      ok = false
    elseif dc.textDocument then
      table.insert(out, { uri = dc.textDocument.uri, edits = dc.edits or {} })
    end
  end
  return out, ok
end

local function close_preview()
  local p = pending
  pending = nil
  if not p then
    return
  end
  if vim.api.nvim_tabpage_is_valid(p.tab) then
    for _, w in ipairs(vim.api.nvim_tabpage_list_wins(p.tab)) do
      vim.api.nvim_win_call(w, function()
        vim.cmd('diffoff')
      end)
    end
    if #vim.api.nvim_list_tabpages() > 1 then
      vim.cmd('tabclose ' .. vim.api.nvim_tabpage_get_number(p.tab))
    end
  end
  if vim.api.nvim_buf_is_valid(p.scratch) then
    vim.api.nvim_buf_delete(p.scratch, { force = true })
  end
end

--- Apply the edit under review to the buffer.
function M.accept()
  local p = pending
  if not p then
    notify('no code action edit to accept', vim.log.levels.WARN)
    return false
  end
  local changed = vim.api.nvim_buf_get_changedtick(p.target) ~= p.tick
  close_preview()
  if changed then
    notify(p.title .. ': the buffer changed during the review; run the code action again', vim.log.levels.WARN)
    return false
  end
  vim.lsp.util.apply_workspace_edit(p.edit, p.enc)
  return true
end

--- Discard the edit under review.
function M.reject()
  if not pending then
    return false
  end
  local title = pending.title
  close_preview()
  notify(title .. ': rejected')
  return true
end

--- The edit under review, for tests and integrations: {target, scratch,
--- title} or nil.
function M.pending()
  return pending and { target = pending.target, scratch = pending.scratch, title = pending.title } or nil
end

--- Show a WorkspaceEdit as a diff to accept (a, :LlxprtAccept) or reject
--- (r, q, :LlxprtReject). An edit touching several files, or files
--- on disk only, is confirmed with vim.ui.select instead.
function M.preview(edit, title, enc)
  if pending then
    M.reject()
  end
  local docs, ok = edits_by_uri(edit)
  if not ok or #docs ~= 1 then
    return vim.ui.select({ 'Apply', 'Discard' }, { prompt = title .. ': edit ' .. #docs .. ' file(s)?' }, function(c)
      if c == 'Apply' then
        vim.lsp.util.apply_workspace_edit(edit, enc)
      end
    end)
  end
  local target = vim.uri_to_bufnr(docs[1].uri)
  vim.fn.bufload(target)
  local scratch = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(scratch, 0, -1, false, vim.api.nvim_buf_get_lines(target, 0, -1, false))
  vim.lsp.util.apply_text_edits(docs[1].edits, scratch, enc)
  vim.bo[scratch].buflisted = false
  vim.bo[scratch].buftype = 'nofile'
  vim.bo[scratch].bufhidden = 'wipe'
  vim.bo[scratch].filetype = vim.bo[target].filetype
  vim.bo[scratch].modifiable = false
  pcall(vim.api.nvim_buf_set_name, scratch, 'llxprt://proposed/' .. title)

  vim.cmd('tabnew')
  local tab = vim.api.nvim_get_current_tabpage()
  local placeholder = vim.api.nvim_get_current_buf()
  vim.api.nvim_win_set_buf(0, target)
  if placeholder ~= target and vim.api.nvim_buf_is_valid(placeholder) then
    pcall(vim.api.nvim_buf_delete, placeholder, { force = true })
  end
  vim.cmd('diffthis')
  vim.cmd('rightbelow vsplit')
  vim.api.nvim_win_set_buf(0, scratch)
  vim.cmd('diffthis')

  pending = { tab = tab, target = target, scratch = scratch, edit = edit, enc = enc,
    tick = vim.api.nvim_buf_get_changedtick(target), title = title }
  local o = { buffer = scratch, silent = true, nowait = true }
  vim.keymap.set('n', 'a', M.accept, o)
  vim.keymap.set('n', 'r', M.reject, o)
  vim.keymap.set('n', 'q', M.reject, o)
  vim.api.nvim_echo({ { 'LLxprt: ' .. title .. ' — a: accept, r/q: reject', 'MoreMsg' } }, false, {})
end

--- The llxprt.applyCodeAction command, as vim.lsp.buf.code_action() runs it:
--- resolve the action, then review (or apply, with review = false).
function M.run(command, ctx)
  local data = command.arguments and command.arguments[1]
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if type(data) ~= 'table' or not client then
    notify('code action: no action data', vim.log.levels.ERROR)
    return
  end
  local title = data.title or command.title or 'LLxprt'
  local action = { title = title, kind = data.kind, data = data }
  vim.api.nvim_echo({ { 'LLxprt: ' .. title .. '…', 'MoreMsg' } }, false, {})
  require('llxprt.client').call(client, 'request', 'codeAction/resolve', action, function(err, resolved)
    if err then
      notify(title .. ': ' .. (err.message or tostring(err)), vim.log.levels.ERROR)
      return
    end
    if type(resolved) ~= 'table' or not resolved.edit then
      -- Explain: no edit. The server also sends the explanation as
      -- window/showMessage, which an echo area truncates; show it whole.
      local text = type(resolved) == 'table' and type(resolved.data) == 'table' and resolved.data.explanation
      if text and text ~= '' then
        M.explanation = { title = title, text = text }
        local lines = vim.split('**' .. title .. '**\n\n' .. text, '\n', { plain = true })
        vim.lsp.util.open_floating_preview(lines, 'markdown', { border = 'rounded', wrap = true, max_width = 80 })
      end
      return
    end
    local enc = client.offset_encoding or 'utf-16'
    if require('llxprt').config.review == false then
      vim.lsp.util.apply_workspace_edit(resolved.edit, enc)
    else
      M.preview(resolved.edit, title, enc)
    end
  end, ctx.bufnr)
end

return M
