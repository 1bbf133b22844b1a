-- wrk -s bench/load/order.lua: GET /orders/{id}, ids uniform over the seeded orders.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = M.order
