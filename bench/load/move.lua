-- wrk -s bench/load/move.lua: the load a table move runs under (scripts/bench-move, issue 23):
-- 90% GET /products/{id} (the product and its reviews) and 10% POST /products/{id}/reviews.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = function()
  if math.random(10) == 1 then return M.new_review() end
  return M.product()
end
