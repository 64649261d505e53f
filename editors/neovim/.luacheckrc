-- luacheck config for the plugin and its headless test (test/run.sh runs it when luacheck is installed).
std = 'luajit'
globals = { 'vim' } -- the plugin sets vim.bo, vim.wo, vim.g fields; the test stubs vim.ui.select
max_line_length = 140
