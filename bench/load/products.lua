-- wrk -s bench/load/products.lua: GET /products.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = M.products_list
