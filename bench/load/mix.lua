-- wrk -s bench/load/mix.lua: 80% reads (GET /products, GET /users/{id}/orders and
-- GET /orders/{id}, a third each) and 20% POST /orders, drawn at random per request.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = function()
  local r = math.random(15)
  if r <= 3 then return M.new_order() end
  if r <= 7 then return M.products_list() end
  if r <= 11 then return M.user_orders() end
  return M.order()
end
