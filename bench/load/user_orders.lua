-- wrk -s bench/load/user_orders.lua: GET /users/{id}/orders, ids uniform over all users.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = M.user_orders
