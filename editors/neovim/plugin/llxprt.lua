-- llxprt: nothing starts until require('llxprt').setup() (see :help llxprt),
-- so installing the plugin costs nothing at startup.
if vim.g.loaded_llxprt then
  return
end
vim.g.loaded_llxprt = true
if vim.fn.has('nvim-0.7') == 0 then
  vim.api.nvim_err_writeln('llxprt: needs Neovim 0.7 or later')
end
