-- wrk -s bench/load/new_order.lua: POST /orders: a random user, one random product, quantity 1.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = M.new_order
